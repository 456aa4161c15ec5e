"""The one transition-table type the apps' lifecycles are made of (disclosure requests in
`sharing.lifecycle`, meetings in `meetings.lifecycle`).

A `Lifecycle` holds the table (`status → allowed next statuses`) as data, and its `transition`
is the only way a status changes: it refuses a move the table does not allow with a message a
user can read, saves the status and writes the decision-log entry for the move in the same
transaction. A status change without its log entry cannot be written by forgetting to log it:
the entry's event, reasons and details are arguments of the move itself. Buttons and form
choices come from `allowed_next`, not from template `if`s.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import TextChoices


class HasStatus(Protocol):
    status: str

    def save(self, *, update_fields: Iterable[str]) -> None: ...


T = TypeVar("T", bound=HasStatus)

# record(obj, *, actor, organisation, action, reasons, details) writes the decision-log entry.
Recorder = Callable[..., Any]


@dataclass(frozen=True)
class Lifecycle(Generic[T]):
    """A transition table and its guarded `transition`.

    `statuses` is the model's status choices (for the messages); `record` writes the app's
    decision-log entry for an object (`record(obj, actor=…, organisation=…, action=…,
    reasons=…, details=…)`); `noun` names the object in refusals ("request", "meeting")."""

    statuses: type[TextChoices]
    transitions: Mapping[str, frozenset[str]]
    record: Recorder
    noun: str
    open_statuses: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        known = set(self.statuses.values)
        for source, targets in self.transitions.items():
            unknown = ({source} | set(targets)) - known
            if unknown:
                raise ValueError(f"Unknown statuses in the {self.noun} lifecycle: {sorted(unknown)}")
        missing = known - set(self.transitions)
        if missing:
            raise ValueError(f"The {self.noun} lifecycle says nothing of {sorted(missing)}")

    def allowed_next(self, obj: T) -> frozenset[str]:
        return self.transitions[obj.status]

    def can_transition(self, obj: T, to: str) -> bool:
        return to in self.transitions[obj.status]

    def refusal(self, obj: T, to: str) -> str:
        return (
            f"This {self.noun} is {self.statuses(obj.status).label.lower()}: it cannot be moved to "
            f"{self.statuses(to).label.lower()}."
        )

    def transition(
        self,
        obj: T,
        to: str,
        *,
        acting_user,
        organisation,
        event: str,
        reasons: str,
        details: dict | None = None,
        update_fields: Iterable[str] = (),
    ) -> None:
        """Move `obj` to `to`, save the status (and `update_fields` the caller also changed) and
        write the decision-log entry `event` with its reasons, or refuse with a ValidationError.
        Call it inside the service's transaction, on a row locked with select_for_update."""
        if not connection.in_atomic_block:
            raise RuntimeError(f"A {self.noun}'s status changes only inside the deciding service's transaction")
        if not self.can_transition(obj, to):
            raise ValidationError(self.refusal(obj, to))
        obj.status = to
        obj.save(update_fields=list(dict.fromkeys(["status", "updated_at", *update_fields])))
        self.record(obj, actor=acting_user, organisation=organisation, action=event, reasons=reasons, details=details)


def table(transitions: Mapping[str, Iterable[str]]) -> dict[str, frozenset[str]]:
    """A transition table written as sets, frozen so no caller can change it."""
    return {source: frozenset(targets) for source, targets in transitions.items()}
