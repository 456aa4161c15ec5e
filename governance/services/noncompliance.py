"""Non-compliance reports and suspension decisions (SSP 13.1-13.5).

- `noncompliance_report`: a partner's case handler (designated officer or DPO) notifies another
  partner in writing of a failure to comply (13.2); the other's case handlers are emailed a link
  and the reference only (13.5);
- `noncompliance_respond`: the other organisation answers in writing after investigating, with
  its finding, and for a failure the remedial action (13.1, 13.2);
- `noncompliance_close`: the reporting organisation records the investigation's outcome (13.5);
- `suspension_decide` / `suspension_lift`: an affected organisation decides to stop sharing with
  the partner until the issues are resolved (13.3), with reasons and a review date, and later to
  resume. The flag that every sharing path checks (`PartnershipMember.sharing_suspended`) is set
  and cleared by the portal service that owns it, whose decision-log entry names the deciding
  organisation, this decision's reference and its review date.

Decision-log entries carry references, organisations and the recorded reasons; emails never
carry the report's text.
"""
from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from governance import lifecycle
from governance.models import Finding, NonComplianceReport, NonComplianceStatus, SuspensionDecision
from governance.references import create_with_reference
from governance.retention import noncompliance_copies_record, suspension_copies_record
from governance.roles import CASE_HANDLERS
from governance.selectors.noncompliance import (
    access_noncompliance,
    access_suspension,
    case_handlers,
    partner_place,
)
from portal.models import Membership, Organisation, Partnership, User
from portal.notifications.services import notify
from portal.services.accounts import organisation_resume_sharing, organisation_suspend_sharing
from portal.text import collect_text

MAX_TEXT = 20_000


def _require_handler(acting_membership: Membership | None) -> Membership:
    if acting_membership is None or acting_membership.role not in CASE_HANDLERS:
        raise PermissionDenied("Only a designated officer or data protection officer can do this")
    return acting_membership


def _report_path(report: NonComplianceReport) -> str:
    return reverse("governance:noncompliance_detail", kwargs={"pk": report.pk})


def _suspension_path(decision: SuspensionDecision) -> str:
    return reverse("governance:suspension_detail", kwargs={"pk": decision.pk})


# --- reports ---------------------------------------------------------------------------------


@transaction.atomic
def noncompliance_report(
    *,
    partnership: Partnership,
    concerns_organisation: Organisation,
    details: str,
    request_references: str = "",
    acting_user: User,
    acting_membership: Membership | None,
) -> NonComplianceReport:
    membership = _require_handler(acting_membership)
    errors = {}
    if partner_place(membership=membership, partnership=partnership, organisation=concerns_organisation) is None:
        errors["concerns"] = "Select a partner organisation of a partnership you act for"
    details = collect_text(
        details, field="details", label="The details", errors=errors, max_length=MAX_TEXT,
        missing="Enter the full details of the failure to comply",
    )
    references = collect_text(
        request_references, field="request_references", label="Request references", errors=errors, max_length=500
    )
    if errors:
        raise ValidationError(errors)
    report = create_with_reference(
        NonComplianceReport, lambda row: f"NC-{row.pk:06d}",
        partnership=partnership,
        reporting_organisation=membership.organisation,
        reported_by=acting_user,
        concerns_organisation=concerns_organisation,
        details=details,
        request_references=references,
    )
    noncompliance_copies_record(report=report, officer=acting_user)
    lifecycle.noncompliance_decision_record(
        report,
        actor=acting_user,
        organisation=membership.organisation,
        action="governance.noncompliance_reported",
        reasons=f"{membership.organisation.name} notified {concerns_organisation.name} in writing of a suspected "
        "failure to comply with the protocol (SSP 13.2).",
        recipient=concerns_organisation,
    )
    notify(
        recipients=case_handlers(organisation=concerns_organisation, partnership=partnership),
        subject="A partner has reported a failure to comply with the protocol: your response is needed",
        reference=report.reference,
        path=_report_path(report),
    )
    return report


def noncompliance_may_respond(*, membership: Membership | None, report: NonComplianceReport) -> bool:
    return (
        membership is not None
        and membership.role in CASE_HANDLERS
        and membership.organisation_id == report.concerns_organisation_id
        and lifecycle.NONCOMPLIANCE.can_transition(report, NonComplianceStatus.RESPONDED)
    )


def noncompliance_may_close(*, membership: Membership | None, report: NonComplianceReport) -> bool:
    return (
        membership is not None
        and membership.role in CASE_HANDLERS
        and membership.organisation_id == report.reporting_organisation_id
        and lifecycle.NONCOMPLIANCE.can_transition(report, NonComplianceStatus.CLOSED)
    )


@transaction.atomic
def noncompliance_respond(
    *,
    report: NonComplianceReport,
    finding: str,
    response: str,
    remedial_action: str = "",
    acting_user: User,
    acting_membership: Membership | None,
) -> NonComplianceReport:
    report = access_noncompliance(membership=acting_membership, pk=report.pk, for_update=True)
    if not noncompliance_may_respond(membership=acting_membership, report=report):
        raise ValidationError(
            "Only the reported organisation's designated officer or DPO responds, once, to a report awaiting response"
        )
    errors = {}
    if finding not in Finding.values:
        errors["finding"] = "Select whether your investigation found a failure to comply"
    response = collect_text(
        response, field="response", label="Your response", errors=errors, max_length=MAX_TEXT,
        missing="Enter your written response and its reasons",
    )
    remedial_action = collect_text(
        remedial_action, field="remedial_action", label="The remedial action", errors=errors, max_length=MAX_TEXT,
        missing="Enter the remedial action taken and how the people affected are told (SSP 13.1)"
        if finding == Finding.FAILURE else "",
    )
    if errors:
        raise ValidationError(errors)
    report.finding = finding
    report.response = response
    report.remedial_action = remedial_action if finding == Finding.FAILURE else ""
    report.responded_by = acting_user
    report.responded_at = timezone.now()
    lifecycle.NONCOMPLIANCE.transition(
        report,
        NonComplianceStatus.RESPONDED,
        acting_user=acting_user,
        organisation=acting_membership.organisation,
        event="governance.noncompliance_responded",
        reasons=f"{Finding(finding).label}. {response}",
        details={"finding": finding},
        update_fields=["finding", "response", "remedial_action", "responded_by", "responded_at"],
    )
    notify(
        recipients=case_handlers(organisation=report.reporting_organisation_id, partnership=report.partnership_id),
        subject="A partner has responded to your report of a failure to comply",
        reference=report.reference,
        path=_report_path(report),
    )
    return report


@transaction.atomic
def noncompliance_close(
    *, report: NonComplianceReport, outcome: str, acting_user: User, acting_membership: Membership | None
) -> NonComplianceReport:
    report = access_noncompliance(membership=acting_membership, pk=report.pk, for_update=True)
    if not noncompliance_may_close(membership=acting_membership, report=report):
        raise ValidationError(
            "Only the reporting organisation's designated officer or DPO records the outcome, once the partner has responded"
        )
    errors: dict = {}
    outcome = collect_text(
        outcome, field="outcome", label="The outcome", errors=errors, max_length=MAX_TEXT,
        missing="Enter the investigation and its outcome",
    )
    if errors:
        raise ValidationError(errors)
    report.outcome = outcome
    report.closed_by = acting_user
    report.closed_at = timezone.now()
    lifecycle.NONCOMPLIANCE.transition(
        report,
        NonComplianceStatus.CLOSED,
        acting_user=acting_user,
        organisation=acting_membership.organisation,
        event="governance.noncompliance_closed",
        reasons=outcome,
        update_fields=["outcome", "closed_by", "closed_at"],
    )
    noncompliance_copies_record(report=report, closed=True)
    notify(
        recipients=case_handlers(organisation=report.concerns_organisation_id, partnership=report.partnership_id),
        subject="The outcome of a report of a failure to comply has been recorded",
        reference=report.reference,
        path=_report_path(report),
    )
    return report


# --- suspension (SSP 13.3) -------------------------------------------------------------------


@transaction.atomic
def suspension_decide(
    *,
    partnership: Partnership,
    organisation: Organisation,
    reasons: str,
    review_date: datetime.date | None,
    report: NonComplianceReport | None = None,
    acting_user: User,
    acting_membership: Membership | None,
) -> SuspensionDecision:
    """The acting organisation decides to stop sharing with `organisation` in `partnership`."""
    membership = _require_handler(acting_membership)
    errors = {}
    if partner_place(membership=membership, partnership=partnership, organisation=organisation) is None:
        errors["organisation"] = "Select a partner organisation of a partnership you act for"
    reasons = collect_text(
        reasons, field="reasons", label="The reasons", errors=errors, max_length=MAX_TEXT,
        missing="Enter why sharing with this organisation is suspended",
    )
    if review_date is None:
        errors["review_date"] = "Enter the date the suspension is to be reviewed"
    elif review_date <= timezone.localdate():
        errors["review_date"] = "The review date must be in the future"
    if report is not None:
        report = access_noncompliance(membership=membership, pk=report.pk)
        if report.concerns_organisation_id != getattr(organisation, "pk", None) or report.partnership_id != partnership.pk:
            errors["report"] = "The report must be about this organisation in this partnership"
    if errors:
        raise ValidationError(errors)
    standing = SuspensionDecision.objects.select_for_update().filter(
        partnership=partnership, organisation=organisation, lifted_at__isnull=True
    ).first()
    place = partner_place(membership=membership, partnership=partnership, organisation=organisation)
    if standing is not None and place.sharing_suspended:
        raise ValidationError({"organisation": f"Sharing with {organisation.name} is already suspended in {partnership.name}"})
    if standing is not None:
        # The partnership admin resumed sharing (portal/views/admin.py) without this decision:
        # it no longer stands, so it is closed as lifted before the new one is recorded.
        standing.lifted_at = timezone.now()
        standing.lift_reasons = "Sharing was resumed by the partnership admin"
        standing.save(update_fields=["lifted_at", "lift_reasons"])
    if place.sharing_suspended:
        raise ValidationError(
            {"organisation": f"Sharing with {organisation.name} is already suspended in {partnership.name} by the partnership admin"}
        )
    decision = create_with_reference(
        SuspensionDecision, lambda row: f"SUS-{row.pk:06d}",
        partnership=partnership,
        organisation=organisation,
        deciding_organisation=membership.organisation,
        decided_by=acting_user,
        report=report,
        reasons=reasons,
        review_date=review_date,
    )
    suspension_copies_record(decision=decision, officer=acting_user)
    organisation_suspend_sharing(
        organisation=organisation,
        partnership=partnership,
        reason=reasons,
        acting_user=acting_user,
        deciding_organisation=membership.organisation,
        reference=decision.reference,
        details={
            "suspension_id": decision.pk,
            "review_date": review_date.isoformat(),
            "report": report.reference if report else "",
        },
    )
    notify(
        recipients=case_handlers(organisation=organisation, partnership=partnership),
        subject="A partner has suspended sharing with your organisation",
        reference=decision.reference,
        path=_suspension_path(decision),
    )
    return decision


def suspension_may_lift(*, membership: Membership | None, decision: SuspensionDecision) -> bool:
    return (
        membership is not None
        and membership.role in CASE_HANDLERS
        and membership.organisation_id == decision.deciding_organisation_id
        and decision.lifted_at is None
    )


@transaction.atomic
def suspension_lift(
    *, decision: SuspensionDecision, reasons: str, acting_user: User, acting_membership: Membership | None
) -> SuspensionDecision:
    decision = access_suspension(membership=acting_membership, pk=decision.pk, for_update=True)
    if decision.lifted_at is not None:
        raise ValidationError("This suspension has already been lifted")
    if not suspension_may_lift(membership=acting_membership, decision=decision):
        raise ValidationError("Only the organisation that decided the suspension can lift it")
    errors: dict = {}
    reasons = collect_text(
        reasons, field="reasons", label="The reasons", errors=errors, max_length=MAX_TEXT,
        missing="Enter why sharing resumes",
    )
    if errors:
        raise ValidationError(errors)
    decision.lifted_at = timezone.now()
    decision.lifted_by = acting_user
    decision.lift_reasons = reasons
    decision.save(update_fields=["lifted_at", "lifted_by", "lift_reasons"])
    suspension_copies_record(decision=decision, lifted=True)
    organisation_resume_sharing(
        organisation=decision.organisation,
        partnership=decision.partnership,
        acting_user=acting_user,
        reason=reasons,
        deciding_organisation=acting_membership.organisation,
        reference=decision.reference,
    )
    notify(
        recipients=case_handlers(organisation=decision.organisation_id, partnership=decision.partnership_id),
        subject="Sharing with your organisation has resumed",
        reference=decision.reference,
        path=_suspension_path(decision),
    )
    return decision
