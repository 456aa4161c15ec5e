"""Data-subject rights cases across partners (SDP 9).

- `rights_case_open`: the receiving organisation's DPO opens the case with the right exercised
  and the date received; the one-calendar-month deadline follows;
- `rights_case_extend`: the lawful extension by up to two further months, with reasons;
- `rights_case_subjects_link`: the DPO links the person records found by the search
  (governance.selectors.rights.subjects_matching) that are this person; a legal hold (subject
  access) then covers them and the requests about them while the case is open, and every other
  organisation party to a record about them is consulted (its DPOs told: a link and the
  reference only);
- `rights_consultation_answer`: the consulted organisation's DPO answers (release, release in
  part, or withhold under an exemption, with reasons; third-party information or not);
- `rights_case_decide`: the receiving organisation records the final decision, what is
  released and what is redacted; the case closes and its holds are lifted. A rectification
  agreed on a person record the receiving organisation holds is carried out by the portal
  service that owns person records (`data_subject_rectify`, decision-logged), never by editing rows.

Decision-log entries name the case's reference and organisations; never the person.
"""
from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from governance import lifecycle
from governance.models import (
    ConsultationAnswer,
    ConsultationStatus,
    Exemption,
    FinalDecision,
    RightKind,
    RightsCase,
    RightsConsultation,
    RightsStatus,
)
from governance.models.rights import one_calendar_month
from governance.references import create_with_reference
from governance.retention import rights_case_copies_record
from governance.selectors.rights import (
    access_consultation,
    access_rights_case,
    case_holds,
    dpos_of,
    records_mentioning,
    request_references_mentioning,
)
from portal.models import DataSubject, LegalHoldReason, Membership, User
from portal.notifications.services import notify
from portal.retention.services import legal_holds_for_case_lift, legal_holds_for_case_place
from portal.roles import Role
from portal.selectors.partnerships import membership_partnership
from portal.services.subjects import data_subject_rectify
from portal.text import collect_text

MAX_TEXT = 20_000
MAX_SUBJECTS = 20


def _require_dpo(acting_membership: Membership | None) -> Membership:
    if acting_membership is None or acting_membership.role != Role.DPO:
        raise PermissionDenied("Only a data protection officer can do this")
    return acting_membership


def _case_path(case: RightsCase) -> str:
    return reverse("governance:rights_case", kwargs={"pk": case.pk})


def _require_receiving(case: RightsCase, membership: Membership, doing: str) -> None:
    if case.receiving_organisation_id != membership.organisation_id:
        raise ValidationError(f"Only the organisation that received the request can {doing}")
    if case.status != RightsStatus.OPEN:
        raise ValidationError(f"This case is closed: you cannot {doing} now")


@transaction.atomic
def rights_case_open(
    *,
    right: str,
    received_on: datetime.date | None,
    request_summary: str,
    acting_user: User,
    acting_membership: Membership | None,
) -> RightsCase:
    membership = _require_dpo(acting_membership)
    errors: dict = {}
    if right not in RightKind.values:
        errors["right"] = "Select which right the person is exercising"
    today = timezone.localdate()
    if received_on is None:
        errors["received_on"] = "Enter the date the request was received"
    elif received_on > today:
        errors["received_on"] = "The date received must be today or in the past"
    elif received_on < today - datetime.timedelta(days=366):
        errors["received_on"] = "The date received must be within the last year"
    summary = collect_text(
        request_summary, field="request_summary", label="What the person asks for", errors=errors,
        max_length=MAX_TEXT, missing="Enter what the person asks for",
    )
    partnership = membership_partnership(membership=membership)
    if partnership is None:
        errors["__all__"] = "Your organisation is in no partnership"
    if errors:
        raise ValidationError(errors)
    case = create_with_reference(
        RightsCase, lambda row: f"DSR-{row.pk:06d}",
        partnership=partnership,
        receiving_organisation=membership.organisation,
        opened_by=acting_user,
        right=right,
        received_on=received_on,
        request_summary=summary,
    )
    rights_case_copies_record(case=case, officer=acting_user)
    lifecycle.rights_decision_record(
        case,
        actor=acting_user,
        organisation=membership.organisation,
        action="governance.rights_opened",
        reasons=f"{RightKind(right).label} request received on {received_on:%d/%m/%Y}; "
        f"due by {one_calendar_month(received_on):%d/%m/%Y} (one calendar month).",
        details={"right": right, "received_on": received_on.isoformat(), "deadline": case.deadline.isoformat()},
    )
    return case


@transaction.atomic
def rights_case_extend(
    *, case: RightsCase, extended_to: datetime.date | None, reasons: str, acting_user: User, acting_membership: Membership | None
) -> RightsCase:
    membership = _require_dpo(acting_membership)
    case = access_rights_case(membership=membership, pk=case.pk, for_update=True)
    _require_receiving(case, membership, "extend the deadline")
    errors: dict = {}
    if extended_to is None:
        errors["extended_to"] = "Enter the new deadline"
    elif extended_to <= case.deadline:
        errors["extended_to"] = f"The new deadline must be after the current one, {case.deadline:%d/%m/%Y}"
    elif extended_to > case.latest_extension:
        errors["extended_to"] = (
            f"The deadline can be extended by two further months at most: to {case.latest_extension:%d/%m/%Y}"
        )
    reasons = collect_text(
        reasons, field="reasons", label="The reasons", errors=errors, max_length=MAX_TEXT,
        missing="Enter why the extension is necessary (the request is complex, or there are several)",
    )
    if errors:
        raise ValidationError(errors)
    before = case.deadline
    case.extended_to = extended_to
    case.extension_reasons = reasons
    case.save(update_fields=["extended_to", "extension_reasons", "updated_at"])
    lifecycle.rights_decision_record(
        case,
        actor=acting_user,
        organisation=membership.organisation,
        action="governance.rights_extended",
        reasons=reasons,
        details={"from": before.isoformat(), "to": extended_to.isoformat()},
    )
    return case


@transaction.atomic
def rights_case_subjects_link(
    *, case: RightsCase, subject_ids, acting_user: User, acting_membership: Membership | None
) -> list[RightsConsultation]:
    """Link the person records chosen from the search; hold them and their requests; consult the
    other organisations party to records about them. Returns the consultations newly opened."""
    membership = _require_dpo(acting_membership)
    case = access_rights_case(membership=membership, pk=case.pk, for_update=True)
    _require_receiving(case, membership, "link people to the case")
    ids = sorted({int(pk) for pk in subject_ids})
    if not ids:
        raise ValidationError({"subjects": "Select the records that are about this person"})
    if len(ids) > MAX_SUBJECTS:
        raise ValidationError({"subjects": f"Select at most {MAX_SUBJECTS} records"})
    subjects = list(DataSubject.objects.filter(pk__in=ids).exclude(full_name=""))
    if len(subjects) != len(ids):
        raise ValidationError({"subjects": "Select records from the search results"})
    already = set(case.subjects.values_list("pk", flat=True))
    new = [s for s in subjects if s.pk not in already]
    case.subjects.add(*new)
    held_refs = set(case_holds(case=case).exclude(request_reference="").values_list("request_reference", flat=True))
    references = [r for r in request_references_mentioning(subject_ids=[s.pk for s in new]) if r not in held_refs]
    legal_holds_for_case_place(
        case_reference=case.reference,
        organisation=case.receiving_organisation,
        reason_kind=LegalHoldReason.SUBJECT_ACCESS,
        request_references=references,
        subjects=new,
        acting_user=acting_user,
        partnership=case.partnership,
    )
    by_organisation: dict[int, list[dict]] = {}
    organisations = {}
    for record in records_mentioning(subject_ids=case.subjects.values_list("pk", flat=True)):
        for organisation in record.organisations:
            if organisation.pk == case.receiving_organisation_id:
                continue
            organisations[organisation.pk] = organisation
            entry = {"kind": record.kind, "reference": record.reference}
            if entry not in by_organisation.setdefault(organisation.pk, []):
                by_organisation[organisation.pk].append(entry)
    opened = []
    for organisation_id, records in by_organisation.items():
        consultation, created = RightsConsultation.objects.get_or_create(
            case=case, organisation=organisations[organisation_id], defaults={"records": records}
        )
        if not created and consultation.records != records:
            consultation.records = records
            consultation.save(update_fields=["records"])
        if created:
            opened.append(consultation)
    rights_case_copies_record(case=case)
    lifecycle.rights_decision_record(
        case,
        actor=acting_user,
        organisation=membership.organisation,
        action="governance.rights_subjects_linked",
        reasons=f"{len(new)} person record(s) linked; {len(references)} request(s) held (subject access); "
        f"{len(opened)} organisation(s) consulted (SDP 9).",
        details={"subjects": [s.pk for s in new], "held": references, "consulted": [c.organisation.name for c in opened]},
    )
    for consultation in opened:
        notify(
            recipients=dpos_of(organisation=consultation.organisation_id),
            subject="A partner asks for your answer on a data-subject rights request",
            reference=case.reference,
            path=reverse("governance:rights_consultation", kwargs={"pk": consultation.pk}),
        )
    return opened


@transaction.atomic
def rights_consultation_answer(
    *,
    consultation: RightsConsultation,
    answer: str,
    exemption: str = "",
    reasons: str,
    third_party_information: bool | None,
    acting_user: User,
    acting_membership: Membership | None,
) -> RightsConsultation:
    membership = _require_dpo(acting_membership)
    consultation = access_consultation(membership=membership, pk=consultation.pk, for_update=True)
    if consultation.organisation_id != membership.organisation_id:
        raise ValidationError("Only the organisation consulted answers")
    if consultation.case.status != RightsStatus.OPEN:
        raise ValidationError("This case is closed: its consultations cannot be answered now")
    errors: dict = {}
    if answer not in ConsultationAnswer.values:
        errors["answer"] = "Select whether your organisation's information may be released"
    if answer in (ConsultationAnswer.WITHHOLD, ConsultationAnswer.RELEASE_IN_PART) and exemption not in Exemption.values:
        errors["exemption"] = "Select the exemption that applies"
    if third_party_information is None:
        errors["third_party_information"] = "Select whether the information includes other people's information"
    reasons = collect_text(
        reasons, field="reasons", label="The reasons", errors=errors, max_length=MAX_TEXT, missing="Enter your reasons"
    )
    if errors:
        raise ValidationError(errors)
    again = consultation.status == ConsultationStatus.ANSWERED
    consultation.answer = answer
    consultation.exemption = exemption if answer != ConsultationAnswer.RELEASE else ""
    consultation.reasons = reasons
    consultation.third_party_information = third_party_information
    consultation.answered_by = acting_user
    consultation.answered_at = timezone.now()
    consultation.status = ConsultationStatus.ANSWERED
    consultation.save(
        update_fields=["answer", "exemption", "reasons", "third_party_information", "answered_by", "answered_at", "status"]
    )
    lifecycle.rights_decision_record(
        consultation.case,
        actor=acting_user,
        organisation=membership.organisation,
        action="governance.rights_consulted",
        reasons=f"{ConsultationAnswer(answer).label}"
        + (f" ({Exemption(consultation.exemption).label})" if consultation.exemption else "")
        + f": {reasons}",
        recipient=consultation.case.receiving_organisation,
        details={"answer": answer, "exemption": consultation.exemption, "third_party": third_party_information, "revised": again},
    )
    notify(
        recipients=dpos_of(organisation=consultation.case.receiving_organisation_id),
        subject="A partner has answered your consultation on a data-subject rights request",
        reference=consultation.case.reference,
        path=_case_path(consultation.case),
    )
    return consultation


@transaction.atomic
def rights_case_decide(
    *,
    case: RightsCase,
    decision: str,
    reasons: str,
    released: str = "",
    redactions: str = "",
    rectifications: dict[int, dict] | None = None,
    acting_user: User,
    acting_membership: Membership | None,
) -> RightsCase:
    """The receiving organisation's final decision; closes the case and lifts its holds.
    `rectifications` ({subject id: {field: corrected value}}): for a rectification agreed on
    person records the receiving organisation holds, carried out through `data_subject_rectify`."""
    membership = _require_dpo(acting_membership)
    case = access_rights_case(membership=membership, pk=case.pk, for_update=True)
    _require_receiving(case, membership, "record the final decision")
    errors: dict = {}
    if decision not in FinalDecision.values:
        errors["decision"] = "Select the final decision"
    waiting = case.consultations.filter(status=ConsultationStatus.AWAITING).select_related("organisation")
    if waiting:
        errors["__all__"] = "Wait for every organisation consulted to answer: " + ", ".join(
            c.organisation.name for c in waiting
        )
    reasons = collect_text(
        reasons, field="reasons", label="The reasons", errors=errors, max_length=MAX_TEXT, missing="Enter the reasons for the decision"
    )
    released = collect_text(
        released, field="released", label="What is released", errors=errors, max_length=MAX_TEXT,
        missing="Enter what is released to the person" if decision in (FinalDecision.COMPLY, FinalDecision.COMPLY_IN_PART) else "",
    )
    redactions = collect_text(
        redactions, field="redactions", label="Redactions", errors=errors, max_length=MAX_TEXT,
        missing="Enter what is redacted or withheld, and under which exemption"
        if decision in (FinalDecision.COMPLY_IN_PART, FinalDecision.REFUSE) else "",
    )
    rectifications = rectifications or {}
    if rectifications and case.right != RightKind.RECTIFICATION:
        errors["__all__"] = "Only a rectification case corrects person records"
    if errors:
        raise ValidationError(errors)
    linked = {s.pk: s for s in case.subjects.all()}
    for subject_id, changes in rectifications.items():
        subject = linked.get(int(subject_id))
        if subject is None or subject.holder_id != case.receiving_organisation_id:
            raise ValidationError("Only person records your organisation holds, linked to this case, are corrected here")
        data_subject_rectify(
            subject=subject, changes=changes, reference=case.reference, acting_user=acting_user, acting_membership=membership
        )
    case.decision = decision
    case.decision_reasons = reasons
    case.released = released
    case.redactions = redactions
    case.decided_by = acting_user
    case.decided_at = timezone.now()
    lifecycle.RIGHTS.transition(
        case,
        RightsStatus.CLOSED,
        acting_user=acting_user,
        organisation=membership.organisation,
        event="governance.rights_decided",
        reasons=f"{FinalDecision(decision).label}: {reasons}",
        details={"decision": decision, "on_time": timezone.localdate() <= case.deadline, "rectified": len(rectifications)},
        update_fields=["decision", "decision_reasons", "released", "redactions", "decided_by", "decided_at"],
    )
    rights_case_copies_record(case=case, closed=True)
    legal_holds_for_case_lift(
        case_reference=case.reference,
        holds=case_holds(case=case),
        organisation=case.receiving_organisation,
        acting_user=acting_user,
        partnership=case.partnership,
    )
    return case


# --- carrying out what was agreed (UK GDPR Arts 16-18, 21) ----------------------------------
# Each is done by the receiving organisation's DPO while the case is open, through the service
# that owns the records, and decision-logged with the case's reference as the reason.

ACTION_RIGHTS = {
    "rectify": RightKind.RECTIFICATION,
    "erase": RightKind.ERASURE,
    "restrict": RightKind.RESTRICTION,
    "objection": RightKind.OBJECTION,
}


def _require_right(case: RightsCase, action: str) -> None:
    if case.right != ACTION_RIGHTS[action]:
        raise ValidationError(f"This is a case of {RightKind(case.right).label.lower()}, not {ACTION_RIGHTS[action].label.lower()}")


def _linked(case: RightsCase, subject_ids, *, held_by=None) -> list[DataSubject]:
    ids = {int(pk) for pk in subject_ids}
    subjects = case.subjects.filter(pk__in=ids)
    if held_by is not None:
        subjects = subjects.filter(holder_id=held_by)
    subjects = list(subjects)
    if not ids or len(subjects) != len(ids):
        raise ValidationError({"subjects": "Select person records linked to this case" + (
            " that your organisation holds" if held_by is not None else "")})
    return subjects


@transaction.atomic
def rights_case_rectify(
    *, case: RightsCase, subject_id: int, changes: dict, acting_user: User, acting_membership: Membership | None
) -> DataSubject:
    """Correct a person record the receiving organisation holds (Art 16), through
    `data_subject_rectify`; the decision log names the case and the fields, never the values."""
    membership = _require_dpo(acting_membership)
    case = access_rights_case(membership=membership, pk=case.pk, for_update=True)
    _require_receiving(case, membership, "rectify records")
    _require_right(case, "rectify")
    (subject,) = _linked(case, [subject_id], held_by=membership.organisation_id)
    before = {field: getattr(subject, field) for field in changes}
    subject = data_subject_rectify(
        subject=subject, changes=changes, reference=case.reference, acting_user=acting_user, acting_membership=membership
    )
    changed = sorted(field for field in changes if getattr(subject, field) != before[field])
    if not changed:
        raise ValidationError({"__all__": "Nothing was changed: enter the corrected details"})
    lifecycle.rights_decision_record(
        case, actor=acting_user, organisation=membership.organisation, action="governance.rights_rectified",
        reasons=f"Rectification agreed under {case.reference}: {', '.join(changed)} corrected on the person record.",
        details={"subject": subject.pk, "fields": changed},
    )
    return subject


@transaction.atomic
def rights_case_erase(
    *, case: RightsCase, subject_ids, reasons: str, acting_user: User, acting_membership: Membership | None
):
    """Erase what the receiving organisation holds about the person (Art 17) through the
    retention engine's destruction: one tombstone and one decision-log entry per copy. Copies
    under another legal hold or still in use are kept (not lawful to erase now) and reported."""
    from consent.retention import data_subjects_purge
    from portal.models import DestructionRun
    from portal.retention.services import retention_erase_for_subjects

    membership = _require_dpo(acting_membership)
    case = access_rights_case(membership=membership, pk=case.pk, for_update=True)
    _require_receiving(case, membership, "erase records")
    _require_right(case, "erase")
    errors: dict = {}
    reasons = collect_text(
        reasons, field="reasons", label="The reasons", errors=errors, max_length=MAX_TEXT,
        missing="Enter why erasure is agreed and no exemption (Art 17(3)) applies",
    )
    if errors:
        raise ValidationError(errors)
    subjects = _linked(case, subject_ids)
    erasure = retention_erase_for_subjects(
        holder=membership.organisation,
        subject_ids=[s.pk for s in subjects],
        reasons=f"Erasure agreed under {case.reference} (UK GDPR Art 17): {reasons}",
        trigger=DestructionRun.Trigger.ERASURE,
        except_case_reference=case.reference,
    )
    cleared = data_subjects_purge(subject_ids=[s.pk for s in subjects if s.holder_id == membership.organisation_id])
    lifecycle.rights_decision_record(
        case, actor=acting_user, organisation=membership.organisation, action="governance.rights_erased",
        reasons=f"{len(erasure.destroyed)} held cop{'y' if len(erasure.destroyed) == 1 else 'ies'} destroyed, "
        f"{len(erasure.kept)} kept (legal hold or still in use): {reasons}",
        details={
            "destroyed": [c.reference for c in erasure.destroyed],
            "kept": [{"reference": c.reference, "why": why} for c, why in erasure.kept],
            "run": erasure.run.pk if erasure.run else None,
            "subjects_cleared": len(cleared),
        },
    )
    return erasure


def _restrict(case, subjects, *, grounds, acting_user, membership) -> list:
    from governance.models import ProcessingRestriction

    standing = set(case.restrictions.filter(lifted_at__isnull=True).values_list("subject_id", flat=True))
    return [
        ProcessingRestriction.objects.create(
            case=case, organisation=membership.organisation, subject=s, grounds=grounds, placed_by=acting_user
        )
        for s in subjects if s.pk not in standing
    ]


@transaction.atomic
def rights_case_restrict(
    *, case: RightsCase, subject_ids, reasons: str, acting_user: User, acting_membership: Membership | None
) -> list:
    """Restrict processing of the person (Art 18): no request about them is raised, sent or
    released by the organisation until lifted (portal.restrictions, checked in sharing)."""
    from governance.models import RestrictionGrounds

    membership = _require_dpo(acting_membership)
    case = access_rights_case(membership=membership, pk=case.pk, for_update=True)
    _require_receiving(case, membership, "restrict processing")
    _require_right(case, "restrict")
    errors: dict = {}
    reasons = collect_text(reasons, field="reasons", label="The reasons", errors=errors, max_length=MAX_TEXT,
                           missing="Enter why processing is restricted")
    if errors:
        raise ValidationError(errors)
    placed = _restrict(case, _linked(case, subject_ids), grounds=RestrictionGrounds.RESTRICTION,
                       acting_user=acting_user, membership=membership)
    lifecycle.rights_decision_record(
        case, actor=acting_user, organisation=membership.organisation, action="governance.rights_restricted",
        reasons=f"Processing restricted on {len(placed)} person record(s) (UK GDPR Art 18): {reasons}",
        details={"restrictions": [r.pk for r in placed], "grounds": "restriction"},
    )
    return placed


@transaction.atomic
def rights_case_objection(
    *, case: RightsCase, outcome: str, reasons: str, subject_ids=(), acting_user: User, acting_membership: Membership | None
) -> RightsCase:
    """Record the outcome of an objection (Art 21); upheld, processing of the chosen person
    records is restricted as for Art 18."""
    from governance.models import ObjectionOutcome, RestrictionGrounds

    membership = _require_dpo(acting_membership)
    case = access_rights_case(membership=membership, pk=case.pk, for_update=True)
    _require_receiving(case, membership, "record the objection's outcome")
    _require_right(case, "objection")
    errors: dict = {}
    if outcome not in ObjectionOutcome.values:
        errors["outcome"] = "Select whether the objection is upheld"
    reasons = collect_text(reasons, field="reasons", label="The reasons", errors=errors, max_length=MAX_TEXT,
                           missing="Enter the reasons for the outcome")
    subjects = []
    if outcome == ObjectionOutcome.UPHELD:
        try:
            subjects = _linked(case, subject_ids)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    case.objection_outcome = outcome
    case.objection_reasons = reasons
    case.save(update_fields=["objection_outcome", "objection_reasons", "updated_at"])
    placed = _restrict(case, subjects, grounds=RestrictionGrounds.OBJECTION, acting_user=acting_user, membership=membership)
    lifecycle.rights_decision_record(
        case, actor=acting_user, organisation=membership.organisation, action="governance.rights_objection",
        reasons=f"Objection {ObjectionOutcome(outcome).label.lower()}: {reasons}",
        details={"outcome": outcome, "restrictions": [r.pk for r in placed]},
    )
    return case


@transaction.atomic
def rights_restriction_lift(
    *, case: RightsCase, reasons: str, acting_user: User, acting_membership: Membership | None
) -> int:
    """Lift the case's standing restrictions (the person's processing may resume), with reasons."""
    membership = _require_dpo(acting_membership)
    case = access_rights_case(membership=membership, pk=case.pk, for_update=True)
    if case.receiving_organisation_id != membership.organisation_id:
        raise ValidationError("Only the organisation that received the request can lift its restriction")
    errors: dict = {}
    reasons = collect_text(reasons, field="reasons", label="The reasons", errors=errors, max_length=MAX_TEXT,
                           missing="Enter why the restriction is lifted")
    standing = list(case.restrictions.select_for_update().filter(lifted_at__isnull=True))
    if not standing:
        errors["__all__"] = "No restriction stands on this case"
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    for restriction in standing:
        restriction.lifted_at, restriction.lifted_by, restriction.lift_reasons = now, acting_user, reasons
        restriction.save(update_fields=["lifted_at", "lifted_by", "lift_reasons"])
    lifecycle.rights_decision_record(
        case, actor=acting_user, organisation=membership.organisation, action="governance.rights_restriction_lifted",
        reasons=reasons, details={"restrictions": [r.pk for r in standing]},
    )
    return len(standing)
