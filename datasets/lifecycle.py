"""The submission transition table (datasets/models.py draws it)."""
from __future__ import annotations

from portal.accountability.services import decision_record
from portal.lifecycle import Lifecycle, table

from .models import Submission, SubmissionStatus

S = SubmissionStatus

TRANSITIONS = table(
    {
        S.RECEIVED: {S.CHECKING, S.REJECTED},
        S.CHECKING: {S.ACCEPTED, S.REJECTED},
        S.ACCEPTED: {S.SUPERSEDED},
        S.REJECTED: set(),
        S.SUPERSEDED: set(),
    }
)


def submission_decision_record(submission: Submission, *, actor, organisation, action: str, reasons: str, details=None):
    return decision_record(
        actor=actor,
        organisation=organisation,
        action=action,
        reasons=reasons,
        reference=submission.reference,
        protocol_version=submission.pack.version,
        partnership=submission.partnership,
        details={
            "dataset": submission.dataset_code,
            "period_start": submission.period_start.isoformat(),
            "period_end": submission.period_end.isoformat(),
            **(details or {}),
        },
    )


SUBMISSION_LIFECYCLE: Lifecycle[Submission] = Lifecycle(
    statuses=SubmissionStatus, transitions=TRANSITIONS, record=submission_decision_record, noun="submission"
)
