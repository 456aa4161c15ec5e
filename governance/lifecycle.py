"""The transition tables of governance's cases, as `portal.lifecycle.Lifecycle`s: the one way a
case's status changes, writing its decision-log entry in the same transaction."""
from __future__ import annotations

from governance.models import NonComplianceReport, NonComplianceStatus
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
