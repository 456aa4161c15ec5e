"""Disclosure requests under retention (SSP 8.4, 14; SDP 5.1, 6.3; DOMAIN.md §4 step 9).

One request (`sharing.request`, its pk) is held as up to three copies, each under its own
holder's policy:

- REQUESTS, held by the requesting organisation: recorded when the draft is created, officer the
  requester;
- REQUESTS, held by the holding organisation: recorded when the request is submitted, officer
  the assignee once there is one;
- RELEASED_DATA, held by the requesting organisation: recorded at a release in full or in part,
  officer the requester, at the release's marking.

The REQUESTS clocks restart when the request is closed (decided, withdrawn) and again when a
dispute is decided (the packs: "kept for six years after it is closed"). A holder whose copy is
destroyed loses sight of what the copy covers (`sharing.selectors`): the whole request for a
REQUESTS copy, the released items and attachments for a RELEASED_DATA copy. Only when the last
copy goes does `disclosure_requests_purge` clear the content for good; until then the other
holders keep theirs (the originator keeps ownership, SDP 5.1).
"""
from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from consent.retention import data_subjects_purge
from portal.models import HeldCopy, RetentionRecordKind, User
from portal.retention.services import held_copy_record
from portal.uploads import stored_file_delete
from sharing.models import (
    ChecklistAnswer,
    ConsentReliance,
    Decision,
    DisclosureRequest,
    Dispute,
    FlowchartRun,
    OnwardRequest,
    Outcome,
    PublicInterestOverride,
    ReleaseAttachment,
    ReleaseItem,
    RequestNote,
    RequestSubject,
    Status,
    SubJudiceConsultation,
)
from sharing.selectors import RETENTION_CONTENT_TYPE as CONTENT_TYPE

_REQUESTER = object()  # "the request's requester", the default officer of the requesting side's copies


def disclosure_request_path(content_id: int) -> str:
    return reverse("sharing:request_detail", kwargs={"pk": content_id})


def _subject_ids(request: DisclosureRequest) -> list[int]:
    return list(RequestSubject.objects.filter(request_id=request.pk).values_list("subject_id", flat=True))


def disclosure_copies_record(
    *, request: DisclosureRequest, closed: bool = False, requesting_officer: User | None | object = _REQUESTER
) -> list[HeldCopy]:
    """Record (again) the REQUESTS copies of the request: the requesting organisation's always,
    the holding organisation's once the request has been submitted. `closed`: the request has
    just been closed, so both clocks start again today. Called in the changing service's
    transaction; recording again also updates the officer and the people the copy is about."""
    subject_ids = _subject_ids(request)
    start = timezone.localdate() if closed else None
    officer = request.requester if requesting_officer is _REQUESTER else requesting_officer
    copies = [
        held_copy_record(
            content_type=CONTENT_TYPE,
            content_id=request.pk,
            kind=RetentionRecordKind.REQUESTS,
            holder=request.requesting_organisation_id,
            reference=request.reference,
            request_reference=request.reference,
            subject_ids=subject_ids,
            officer=officer,
            start=start,
            pack=request.protocol_pack,
        )
    ]
    if request.holding_organisation_id and request.submitted_at is not None:
        copies.append(
            held_copy_record(
                content_type=CONTENT_TYPE,
                content_id=request.pk,
                kind=RetentionRecordKind.REQUESTS,
                holder=request.holding_organisation_id,
                reference=request.reference,
                request_reference=request.reference,
                subject_ids=subject_ids,
                officer=request.assignee if request.assignee_id else None,
                start=start,
                pack=request.protocol_pack,
            )
        )
    return copies


def released_copy_record(
    *, request: DisclosureRequest, decision: Decision, officer: User | None | object = _REQUESTER
) -> HeldCopy:
    """The requesting organisation now holds released data, at the release's marking; its clock
    starts today (a later release on the same request starts it again)."""
    return held_copy_record(
        content_type=CONTENT_TYPE,
        content_id=request.pk,
        kind=RetentionRecordKind.RELEASED_DATA,
        holder=request.requesting_organisation_id,
        reference=request.reference,
        request_reference=request.reference,
        subject_ids=_subject_ids(request),
        officer=request.requester if officer is _REQUESTER else officer,
        marking=decision.marking if decision.marking_id else None,
        start=timezone.localdate(),
        pack=request.protocol_pack,
    )


def disclosure_requests_purge(content_ids: list[int]) -> None:
    """The last copy of these requests is destroyed: clear every personal and free-text field of
    each request and of everything on it, delete the release attachments' files, and clear the
    people's details unless something still held names them. Rows, statuses, dates, references,
    organisations and who did what stay (the decision log and the tombstones point at them)."""
    ids = sorted({int(pk) for pk in content_ids})
    if not ids:
        return
    DisclosureRequest.objects.filter(pk__in=ids).update(information_requested="", third_parties="")
    ChecklistAnswer.objects.filter(request_id__in=ids).update(reason="")
    with connection.cursor() as cursor:
        # Each step of the flowchart path loses its note; the questions and answers stay.
        cursor.execute(
            f"""
            UPDATE {FlowchartRun._meta.db_table}
               SET reasons = '', safeguarding_note = '',
                   path = CASE WHEN jsonb_typeof(path) = 'array' THEN COALESCE(
                       (SELECT jsonb_agg(CASE WHEN jsonb_typeof(step) = 'object' THEN step - 'note' ELSE step END
                                         ORDER BY position)
                          FROM jsonb_array_elements(path) WITH ORDINALITY AS steps(step, position)),
                       '[]'::jsonb) ELSE '[]'::jsonb END
             WHERE request_id = ANY(%s)
            """,
            [ids],
        )
    RequestNote.objects.filter(request_id__in=ids).update(text="")
    SubJudiceConsultation.objects.filter(request_id__in=ids).update(consulted_name="", outcome="")
    Decision.objects.filter(request_id__in=ids).update(reasons="", withheld="", handling_conditions="")
    ReleaseItem.objects.filter(decision__request_id__in=ids).update(text="")
    attachments = ReleaseAttachment.objects.filter(decision__request_id__in=ids)
    for attachment in attachments.exclude(file="").only("pk", "file"):
        stored_file_delete(attachment.file)
    attachments.update(file="", original_name="")
    Dispute.objects.filter(request_id__in=ids).update(grounds="", decision_reasons="")
    PublicInterestOverride.objects.filter(request_id__in=ids).update(
        consent_explanation="", proportionality="", risk_of_not_sharing="", alternatives_considered="", decision_reasons=""
    )
    OnwardRequest.objects.filter(request_id__in=ids).update(reasons="", decision_reasons="")
    ConsentReliance.objects.filter(request_id__in=ids).update(information_items=[])
    data_subjects_purge(
        subject_ids=RequestSubject.objects.filter(request_id__in=ids).values_list("subject_id", flat=True)
    )


def disclosure_requests_backfill(*, chunk: int = 500) -> int:
    """Record the copies of requests raised before retention: each party's REQUESTS copy counted
    from the day the request was decided (else raised), and the recipient's RELEASED_DATA copy
    from the current release. Requests that already have a copy are left alone."""
    recorded = 0
    has_copy = HeldCopy.objects.filter(content_type=CONTENT_TYPE, content_id=OuterRef("pk"))
    while True:
        with transaction.atomic():
            requests = list(
                DisclosureRequest.objects.filter(~Exists(has_copy)).select_related("requester", "assignee").order_by("pk")[:chunk]
            )
            if not requests:
                return recorded
            for request in requests:
                closed_on = timezone.localdate(request.decided_at) if request.decided_at else None
                start = closed_on or timezone.localdate(request.created_at)
                for holder, officer in (
                    (request.requesting_organisation_id, request.requester),
                    (request.holding_organisation_id if request.submitted_at else None, request.assignee),
                ):
                    if holder:
                        held_copy_record(
                            content_type=CONTENT_TYPE, content_id=request.pk, kind=RetentionRecordKind.REQUESTS,
                            holder=holder, reference=request.reference, request_reference=request.reference,
                            subject_ids=_subject_ids(request), officer=officer, start=start,
                            pack=request.protocol_pack,
                        )
                        recorded += 1
                release = (
                    Decision.objects.filter(request=request, is_current=True, outcome__in=[Outcome.RELEASED, Outcome.PARTLY_RELEASED])
                    .select_related("marking")
                    .first()
                )
                if release is not None:
                    held_copy_record(
                        content_type=CONTENT_TYPE, content_id=request.pk, kind=RetentionRecordKind.RELEASED_DATA,
                        holder=request.requesting_organisation_id, reference=request.reference,
                        request_reference=request.reference, subject_ids=_subject_ids(request),
                        officer=request.requester, marking=release.marking,
                        start=timezone.localdate(release.decided_at), pack=request.protocol_pack,
                    )
                    recorded += 1


OPEN_STATUSES = (Status.SUBMITTED, Status.RETURNED, Status.IN_REVIEW, Status.AWAITING_ADVICE, Status.DISPUTED)


def disclosure_requests_in_use(content_ids: list[int]) -> list[int]:
    """Requests still being worked on (submitted, returned, in review, awaiting advice,
    disputed): the retention sweep does not destroy their copies yet. Drafts and closed requests
    are not in use."""
    return list(DisclosureRequest.objects.filter(pk__in=content_ids, status__in=OPEN_STATUSES).values_list("pk", flat=True))
