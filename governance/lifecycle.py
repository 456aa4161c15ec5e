"""The transition tables of governance's cases, as `portal.lifecycle.Lifecycle`s: the one way a
case's status changes, writing its decision-log entry in the same transaction."""
from __future__ import annotations

from governance.models import NonComplianceReport, NonComplianceStatus, RightsCase, RightsStatus
from portal.accountability.services import decision_record
from portal.lifecycle import Lifecycle, table
from portal.models import Organisation, User


def noncompliance_decision_record(
    report: NonComplianceReport,
    *,
    actor: User | None,
    organisation: Organisation | None,
    action: str,
    reasons: str,
    recipient: Organisation | str | None = None,
    details: dict | None = None,
) -> None:
    decision_record(
        actor=actor,
        organisation=organisation,
        action=action,
        reasons=reasons,
        reference=report.reference,
        recipient=recipient,
        purpose="Non-compliance with the information sharing protocol (SSP 13)",
        details={"report_id": report.pk, **(details or {})},
        partnership=report.partnership,
    )


NONCOMPLIANCE: Lifecycle[NonComplianceReport] = Lifecycle(
    statuses=NonComplianceStatus,
    noun="report",
    record=noncompliance_decision_record,
    open_statuses=frozenset({NonComplianceStatus.REPORTED, NonComplianceStatus.RESPONDED}),
    transitions=table(
        {
            NonComplianceStatus.REPORTED: {NonComplianceStatus.RESPONDED},
            NonComplianceStatus.RESPONDED: {NonComplianceStatus.CLOSED},
            NonComplianceStatus.CLOSED: set(),
        }
    ),
)


def rights_decision_record(
    case: RightsCase,
    *,
    actor: User | None,
    organisation: Organisation | None,
    action: str,
    reasons: str,
    recipient: Organisation | str | None = None,
    details: dict | None = None,
) -> None:
    decision_record(
        actor=actor,
        organisation=organisation,
        action=action,
        reasons=reasons,
        reference=case.reference,
        recipient=recipient,
        purpose=f"Data-subject rights: {case.get_right_display().lower()} (SDP 9)",
        details={"case_id": case.pk, **(details or {})},
        partnership=case.partnership,
    )


RIGHTS: Lifecycle[RightsCase] = Lifecycle(
    statuses=RightsStatus,
    noun="case",
    record=rights_decision_record,
    open_statuses=frozenset({RightsStatus.OPEN}),
    transitions=table({RightsStatus.OPEN: {RightsStatus.CLOSED}, RightsStatus.CLOSED: set()}),
)
