"""The meeting's transition table, as a `portal.lifecycle.Lifecycle`.

`transition(meeting, to, *, acting_user, organisation, event, reasons, details=None)` is the one
way a meeting's status changes: it refuses a move the table does not allow, saves the status and
writes the move's decision-log entry (`meeting_decision_record`) in the caller's transaction.
Buttons come from `allowed_next`, not from template `if`s."""

from __future__ import annotations

from meetings.models import Meeting, MeetingStatus
from portal.accountability.services import decision_record
from portal.lifecycle import Lifecycle, table
from portal.models import Organisation, User

# While these hold, the meeting is still being prepared or held: attendees can sign in, papers
# and cases can be added.
OPEN_STATUSES = frozenset({MeetingStatus.PLANNED, MeetingStatus.IN_SESSION})


def meeting_decision_record(
    meeting: Meeting,
    *,
    actor: User | None,
    organisation: Organisation | None,
    action: str,
    reasons: str,
    recipient: Organisation | str | None = None,
    details: dict | None = None,
) -> None:
    """Write the decision log for a meeting, in the caller's transaction: the forum as the purpose,
    the meeting's pack version, and the meeting's id in the details."""
    pack = meeting.protocol_pack
    decision_record(
        actor=actor,
        organisation=organisation,
        action=action,
        reasons=reasons,
        reference=meeting.reference,
        recipient=recipient,
        purpose=meeting.forum.name,
        protocol_version=f"{pack.slug}@{pack.version}",
        details={"meeting_id": meeting.pk, **(details or {})},
        partnership=pack.partnership,
    )


LIFECYCLE: Lifecycle[Meeting] = Lifecycle(
    statuses=MeetingStatus,
    noun="meeting",
    record=meeting_decision_record,
    open_statuses=OPEN_STATUSES,
    transitions=table(
        {
            MeetingStatus.PLANNED: {MeetingStatus.IN_SESSION, MeetingStatus.CLOSED},
            MeetingStatus.IN_SESSION: {MeetingStatus.CLOSED},
            MeetingStatus.CLOSED: set(),
        }
    ),
)

TRANSITIONS = LIFECYCLE.transitions
allowed_next = LIFECYCLE.allowed_next
can_transition = LIFECYCLE.can_transition
transition = LIFECYCLE.transition
