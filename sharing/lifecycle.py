"""The disclosure request's transition table, and the one guarded way to change status.
Buttons and form choices come from `allowed_next`, not from template `if`s."""
from __future__ import annotations

from django.core.exceptions import ValidationError

from sharing.models import DisclosureRequest, Status

TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.SUBMITTED, Status.WITHDRAWN},
    Status.SUBMITTED: {Status.IN_REVIEW, Status.RETURNED, Status.WITHDRAWN},
    Status.RETURNED: {Status.SUBMITTED, Status.WITHDRAWN},
    Status.IN_REVIEW: {
        Status.RELEASED,
        Status.PARTLY_RELEASED,
        Status.DECLINED,
        Status.RETURNED,
        Status.AWAITING_ADVICE,
        Status.WITHDRAWN,
    },
    Status.AWAITING_ADVICE: {Status.IN_REVIEW, Status.WITHDRAWN},
    Status.DECLINED: {Status.DISPUTED},
    Status.PARTLY_RELEASED: {Status.DISPUTED},
    # Upheld: back to the decision disputed. Overturned: back to the responder to release.
    Status.DISPUTED: {Status.DECLINED, Status.PARTLY_RELEASED, Status.IN_REVIEW},
    Status.RELEASED: set(),
    Status.WITHDRAWN: set(),
}

OPEN_STATUSES = {Status.SUBMITTED, Status.IN_REVIEW, Status.AWAITING_ADVICE, Status.RETURNED}
DECIDED_STATUSES = {Status.RELEASED, Status.PARTLY_RELEASED, Status.DECLINED}


def allowed_next(request: DisclosureRequest) -> set[str]:
    return TRANSITIONS[request.status]


def can_transition(request: DisclosureRequest, to: str) -> bool:
    return to in TRANSITIONS[request.status]


def transition(request: DisclosureRequest, to: str) -> None:
    """Move `request` to `to` and save the status, or refuse with a message a user can read.
    Call it inside the service's transaction, on a row locked with select_for_update."""
    if not can_transition(request, to):
        raise ValidationError(
            f"This request is {Status(request.status).label.lower()}: it cannot be moved to "
            f"{Status(to).label.lower()}."
        )
    request.status = to
    request.save(update_fields=["status", "updated_at"])
