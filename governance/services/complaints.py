"""Complaint services (SSP 12): record a complaint against the request(s) it concerns (joint when
more organisations are party to them: SSP 12.2, 12.3), each organisation's part, the agreed
outcome (which closes it). Each is atomic and decision-logged; the requests concerned are under a
legal hold (reason: complaint) while it is open. Emails carry the reference and a link only.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from governance.models import Complaint, ComplaintAbout, ComplaintOutcome, ComplaintPart, ComplaintStatus
from governance.references import create_with_reference
from governance.selectors.complaints import (
    COMPLAINT_ROLES,
    access_complaint,
    complaint_may_record_outcome,
    complaint_officers,
    complaint_part_of,
    complaint_request_choices,
)
from portal.accountability.services import decision_record
from portal.models import LegalHoldReason, Membership, Organisation, User
from portal.notifications.services import notify
from portal.protocols.selectors import current_protocol_pack
from portal.retention.services import legal_holds_for_case_lift, legal_holds_for_case_place
from portal.text import text_problem

DECISION_EVENTS = {
    "complaint.recorded": "Complaint: recorded against the requests it concerns",
    "complaint.part_recorded": "Complaint: an organisation's part recorded",
    "complaint.outcome_recorded": "Complaint: agreed outcome recorded, closed",
}
TEXT_MAX = 20_000


def complaint_decision_record(complaint: Complaint, *, actor: User, organisation: Organisation, action: str,
                              reasons: str, details: dict | None = None) -> None:
    pack = current_protocol_pack(complaint.partnership_id)
    decision_record(
        actor=actor, organisation=organisation, action=action, reasons=reasons, reference=complaint.reference,
        purpose="Complaint (SSP 12)", protocol_version=f"{pack.slug}@{pack.version}" if pack else "",
        details={"complaint": complaint.pk, **(details or {})}, partnership=complaint.partnership,
    )


def _path(complaint: Complaint) -> str:
    return reverse("governance:complaint_detail", args=[complaint.pk])


def _date_problem(value: datetime.date | None, *, label: str, required: bool, earliest: datetime.date | None = None):
    today = timezone.localdate()
    if value is None:
        return f"Enter the date {label}" if required else None
    if value > today:
        return f"The date {label} must be today or in the past"
    if earliest and value < earliest:
        return f"The date {label} must be the same as or after the date it was received"
    if value < today - datetime.timedelta(days=365 * 20):
        return f"The date {label} must be within the last 20 years"
    return None


@transaction.atomic
def complaint_record(
    *,
    membership: Membership | None,
    acting_user: User,
    about: str,
    summary: str,
    received_on: datetime.date | None,
    acknowledged_on: datetime.date | None = None,
    request_ids: Iterable = (),
) -> Complaint:
    """The receiving organisation's DPO or designated officer records a complaint about a
    disclosure or a refusal against the requests it concerns. Every other organisation party
    to them takes part (a joint complaint) and its DPOs and designated officers are told."""
    if membership is None or membership.role not in COMPLAINT_ROLES or membership.user_id != acting_user.pk:
        raise PermissionDenied("Only a data protection officer or designated officer records a complaint")
    errors: dict[str, str] = {}
    if about not in ComplaintAbout.values:
        errors["about"] = "Choose what the complaint is about"
    text, problem = text_problem(summary, label="What the complaint says", max_length=TEXT_MAX,
                                 missing="Enter what the complaint says, without naming anyone")
    if problem:
        errors["summary"] = problem
    if problem := _date_problem(received_on, label="it was received", required=True):
        errors["received_on"] = problem
    if problem := _date_problem(acknowledged_on, label="it was acknowledged", required=False, earliest=received_on):
        errors["acknowledged_on"] = problem
    try:
        ids = {int(pk) for pk in request_ids or ()}
    except (TypeError, ValueError):
        ids = {-1}
    requests = list(complaint_request_choices(organisation_id=membership.organisation_id).filter(pk__in=ids)) if ids else []
    if not ids:
        errors["requests"] = "Choose the requests the complaint concerns"
    elif len(requests) != len(ids):
        errors["requests"] = "Choose requests of your organisation from the list"
    elif len({r.protocol_pack.partnership_id for r in requests}) > 1:
        errors["requests"] = "Record a complaint about requests of two partnerships as two complaints"
    if errors:
        raise ValidationError(errors)
    partnership = requests[0].protocol_pack.partnership
    complaint = create_with_reference(
        Complaint, lambda row: f"CP-{timezone.localdate():%Y}-{row.pk:06d}", partnership=partnership, received_by=membership.organisation,
        received_on=received_on, acknowledged_on=acknowledged_on, about=about, summary=text, recorded_by=acting_user,
    )
    complaint.requests.set(requests)
    organisation_ids = {membership.organisation_id}
    for request in requests:
        organisation_ids |= {request.requesting_organisation_id, request.holding_organisation_id} - {None}
    ComplaintPart.objects.bulk_create(
        ComplaintPart(complaint=complaint, organisation_id=pk) for pk in sorted(organisation_ids)
    )
    holds = legal_holds_for_case_place(
        case_reference=complaint.reference, organisation=membership.organisation, reason_kind=LegalHoldReason.COMPLAINT,
        request_references={r.reference for r in requests}, acting_user=acting_user, partnership=partnership,
    )
    complaint.holds.set(holds)
    others = organisation_ids - {membership.organisation_id}
    complaint_decision_record(
        complaint, actor=acting_user, organisation=membership.organisation, action="complaint.recorded",
        reasons=f"{ComplaintAbout(about).label}; received {received_on:%d/%m/%Y}"
        + ("; joint with the other organisations party to the requests (SSP 12.2, 12.3)." if others else "."),
        details={"requests": sorted(r.reference for r in requests), "organisations": sorted(organisation_ids),
                 "joint": bool(others), "holds": [h.pk for h in holds]},
    )
    if others:
        notify(
            recipients=complaint_officers(organisation_ids=others),
            subject="A joint complaint needs your organisation's part",
            reference=complaint.reference,
            path=_path(complaint),
        )
    return complaint


@transaction.atomic
def complaint_part_record(*, complaint: Complaint, findings: str, acting_user: User, membership: Membership | None) -> ComplaintPart:
    """An organisation's DPO or designated officer records its part: what it found."""
    complaint = access_complaint(user=acting_user, pk=complaint.pk, for_update=True)
    part = complaint_part_of(complaint=complaint, membership=membership)
    if part is None or membership.user_id != acting_user.pk:
        if complaint.status != ComplaintStatus.OPEN:
            raise ValidationError("This complaint is closed")
        raise PermissionDenied("Only a DPO or designated officer of an organisation taking part records its part")
    text, problem = text_problem(findings, label="Your organisation's findings", max_length=TEXT_MAX,
                                 missing="Enter what your organisation found")
    if problem:
        raise ValidationError({"findings": problem})
    part.findings, part.recorded_by, part.recorded_at = text, acting_user, timezone.now()
    part.save(update_fields=["findings", "recorded_by", "recorded_at"])
    complaint_decision_record(
        complaint, actor=acting_user, organisation=membership.organisation, action="complaint.part_recorded",
        reasons=f"{membership.organisation.name} recorded its part.", details={"part": part.pk},
    )
    if membership.organisation_id != complaint.received_by_id:
        notify(
            recipients=complaint_officers(organisation_ids=[complaint.received_by_id]),
            subject="A partner has recorded its part of a joint complaint",
            reference=complaint.reference,
            path=_path(complaint),
        )
    return part


def complaint_outcome_problems(complaint: Complaint) -> list[str]:
    missing = complaint.parts.filter(recorded_at__isnull=True).select_related("organisation")
    return [f"{part.organisation.name} has not recorded its part yet" for part in missing]


@transaction.atomic
def complaint_outcome_record(*, complaint: Complaint, outcome: str, outcome_text: str, acting_user: User,
                             membership: Membership | None) -> Complaint:
    """The receiving organisation records the outcome the organisations agreed, once every part
    is in; the complaint closes and its holds are lifted."""
    complaint = access_complaint(user=acting_user, pk=complaint.pk, for_update=True)
    if not complaint_may_record_outcome(complaint=complaint, membership=membership) or membership.user_id != acting_user.pk:
        if complaint.status != ComplaintStatus.OPEN:
            raise ValidationError("This complaint is closed")
        raise PermissionDenied("Only the receiving organisation records the agreed outcome")
    problems = complaint_outcome_problems(complaint)
    if problems:
        raise ValidationError(problems)
    errors = {}
    if outcome not in ComplaintOutcome.values:
        errors["outcome"] = "Choose the outcome"
    text, problem = text_problem(outcome_text, label="The agreed outcome", max_length=TEXT_MAX,
                                 missing="Enter the outcome the organisations agreed and the response given")
    if problem:
        errors["outcome_text"] = problem
    if errors:
        raise ValidationError(errors)
    complaint.outcome, complaint.outcome_text, complaint.outcome_recorded_by = outcome, text, acting_user
    complaint.status, complaint.closed_at = ComplaintStatus.CLOSED, timezone.now()
    complaint.save(update_fields=["outcome", "outcome_text", "outcome_recorded_by", "status", "closed_at", "updated_at"])
    lifted = legal_holds_for_case_lift(
        case_reference=complaint.reference, holds=complaint.holds.all(), organisation=membership.organisation,
        acting_user=acting_user, partnership=complaint.partnership,
    )
    parts = [p.organisation.name for p in complaint.parts.select_related("organisation")]
    complaint_decision_record(
        complaint, actor=acting_user, organisation=membership.organisation, action="complaint.outcome_recorded",
        reasons=f"{ComplaintOutcome(outcome).label}, agreed by {', '.join(parts)}: {text}",
        details={"outcome": outcome, "holds_lifted": lifted, "joint": len(parts) > 1},
    )
    others = {p.organisation_id for p in complaint.parts.all()} - {membership.organisation_id}
    if others:
        notify(
            recipients=complaint_officers(organisation_ids=others),
            subject="The outcome of a joint complaint has been recorded",
            reference=complaint.reference,
            path=_path(complaint),
        )
    return complaint
