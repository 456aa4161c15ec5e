"""Meeting papers under retention (SDP 5.1: "distributed and retained within the confines of the
meeting; to be destroyed immediately after that meeting"; SSP 8.4).

Each paper is one held copy (`meetings.paper`, kind MEETING_PAPERS) held by the chair's
organisation, recorded at upload. Its clock starts the day after the meeting: under the packs'
0 days the paper falls due then, so the daily sweep (which runs in the small hours) never takes a
paper from a meeting still to be held that day; an organisation's own policy may keep papers
longer. Closing the meeting destroys them at once through the retention engine
(`meetings.services.meeting_papers_destroy`), legal holds included: a paper is about the people
on the meeting's agenda (`subject_ids`), so a hold on one of them keeps it.

Destroying a paper deletes its file; the row stays as the tombstone (name, size, uploader, when).

A case on the agenda (`meetings.agenda_item`, kind REQUESTS: the chair's organisation's record of
the case discussed, its shared summary and the actions agreed) is a held copy too, recorded when
the case is added, counted from the day after the meeting under the chair's organisation's policy
for requests. Destroying it clears the summary, the actions' text and the list of people
discussed; the item stays as the tombstone.
"""
from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from consent.retention import data_subjects_purge
from meetings.models import AgendaItem, Meeting, MeetingAction, Paper
from portal.models import HeldCopy, RetentionRecordKind
from portal.retention.services import held_copy_record
from portal.uploads import stored_file_delete

CONTENT_TYPE = "meetings.paper"
AGENDA_CONTENT_TYPE = "meetings.agenda_item"
# The kinds of copy that own a person's details (a request or a consent record about them).
OWNING_KINDS = (RetentionRecordKind.REQUESTS, RetentionRecordKind.RELEASED_DATA, RetentionRecordKind.CONSENT_RECORDS)


def meeting_paper_path(content_id: int) -> str:
    meeting_id = Paper.objects.filter(pk=content_id).values_list("meeting_id", flat=True).first()
    return reverse("meetings:papers", kwargs={"pk": meeting_id}) if meeting_id else ""


def papers_retention_start(meeting: Meeting) -> datetime.date:
    return timezone.localdate(meeting.starts_at) + datetime.timedelta(days=1)


def agenda_subject_ids(meeting: Meeting) -> list[int]:
    return list(
        AgendaItem.subjects.through.objects.filter(agendaitem__meeting_id=meeting.pk)
        .values_list("datasubject_id", flat=True)
        .distinct()
    )


def paper_held_copy_record(*, paper: Paper, meeting: Meeting, subject_ids: list[int] | None = None) -> HeldCopy:
    """Record the chair's organisation's copy of a paper (at upload, in its transaction)."""
    return held_copy_record(
        content_type=CONTENT_TYPE,
        content_id=paper.pk,
        kind=RetentionRecordKind.MEETING_PAPERS,
        holder=meeting.chair_organisation_id,
        reference=meeting.reference,
        subject_ids=agenda_subject_ids(meeting) if subject_ids is None else subject_ids,
        officer=meeting.chair,
        marking=meeting.marking,
        start=papers_retention_start(meeting),
    )


@transaction.atomic
def meeting_papers_copies_record(*, meeting: Meeting, only_missing: bool = False) -> int:
    """Record (again) the copies of the meeting's live papers: after an agenda change, so a legal
    hold on someone newly on the agenda keeps the papers; or, `only_missing`, for papers uploaded
    before held copies existed."""
    papers = Paper.objects.filter(meeting_id=meeting.pk, destroyed_at__isnull=True)
    if only_missing:
        recorded = HeldCopy.objects.filter(content_type=CONTENT_TYPE, content_id__in=papers.values("pk"))
        papers = papers.exclude(pk__in=recorded.values("content_id"))
    papers = list(papers.only("pk"))
    if not papers:
        return 0
    subject_ids = agenda_subject_ids(meeting)
    for paper in papers:
        paper_held_copy_record(paper=paper, meeting=meeting, subject_ids=subject_ids)
    return len(papers)


def meeting_papers_purge(content_ids: list[int]) -> None:
    """The papers' copies are destroyed: delete their files, keep the rows as tombstones."""
    ids = sorted({int(pk) for pk in content_ids})
    for paper in Paper.objects.filter(pk__in=ids).exclude(file="").only("pk", "file"):
        stored_file_delete(paper.file)
    Paper.objects.filter(pk__in=ids).update(file="")
    Paper.objects.filter(pk__in=ids, destroyed_at__isnull=True).update(destroyed_at=timezone.now())
    # A paper does not own anyone's details, but it may have been the last thing held about
    # someone whose request or consent record is already destroyed: then their details go too.
    # (A person named only by content from before held copies existed is left alone.)
    named: set[int] = set()
    for subject_list in HeldCopy.objects.filter(content_type=CONTENT_TYPE, content_id__in=ids).values_list(
        "subject_ids", flat=True
    ):
        named.update(subject_list)
    if named:
        owned_and_gone: set[int] = set()
        for subject_list in HeldCopy.objects.filter(
            Q(subject_ids__overlap=sorted(named)), kind__in=OWNING_KINDS, destroyed_at__isnull=False
        ).values_list("subject_ids", flat=True):
            owned_and_gone.update(subject_list)
        data_subjects_purge(subject_ids=named & owned_and_gone)


def agenda_item_path(content_id: int) -> str:
    meeting_id = AgendaItem.objects.filter(pk=content_id).values_list("meeting_id", flat=True).first()
    return reverse("meetings:detail", kwargs={"pk": meeting_id}) if meeting_id else ""


def agenda_item_held_copy_record(*, item: AgendaItem, meeting: Meeting) -> HeldCopy:
    """Record the chair's organisation's copy of a case discussed (when it is added, in that
    transaction)."""
    return held_copy_record(
        content_type=AGENDA_CONTENT_TYPE,
        content_id=item.pk,
        kind=RetentionRecordKind.REQUESTS,
        holder=meeting.chair_organisation_id,
        reference=meeting.reference,
        request_reference=item.request.reference,
        subject_ids=list(item.subjects.values_list("pk", flat=True)),
        officer=meeting.chair,
        marking=meeting.marking,
        start=papers_retention_start(meeting),
    )


def agenda_items_purge(content_ids: list[int]) -> None:
    """The case's record at the meeting is destroyed: summary, actions' text and the people
    discussed go; the item, its request link and dates stay as the tombstone."""
    ids = sorted({int(pk) for pk in content_ids})
    AgendaItem.objects.filter(pk__in=ids).update(summary="")
    MeetingAction.objects.filter(agenda_item_id__in=ids).update(text="")
    AgendaItem.subjects.through.objects.filter(agendaitem_id__in=ids).delete()
