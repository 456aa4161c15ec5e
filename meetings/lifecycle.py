"""The meeting's transition table, and the one guarded way to change its status.
Buttons come from `allowed_next`, not from template `if`s."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from meetings.models import Meeting, MeetingStatus

TRANSITIONS: dict[str, set[str]] = {
    MeetingStatus.PLANNED: {MeetingStatus.IN_SESSION, MeetingStatus.CLOSED},
    MeetingStatus.IN_SESSION: {MeetingStatus.CLOSED},
    MeetingStatus.CLOSED: set(),
}

# While these hold, the meeting is still being prepared or held: attendees can sign in, papers
# and cases can be added.
OPEN_STATUSES = {MeetingStatus.PLANNED, MeetingStatus.IN_SESSION}


def allowed_next(meeting: Meeting) -> set[str]:
    return TRANSITIONS[meeting.status]


def can_transition(meeting: Meeting, to: str) -> bool:
    return to in TRANSITIONS[meeting.status]


def transition(meeting: Meeting, to: str) -> None:
    """Move `meeting` to `to` and save the status, or refuse with a message a user can read.
    Call it inside the service's transaction, on a row locked with select_for_update."""
    if not can_transition(meeting, to):
        raise ValidationError(
            f"This meeting is {MeetingStatus(meeting.status).label.lower()}: it cannot be moved to "
            f"{MeetingStatus(to).label.lower()}."
        )
    meeting.status = to
    meeting.save(update_fields=["status", "updated_at"])
