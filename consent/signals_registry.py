"""What the apps above consent plug into it, registered in their AppConfig.ready() — the same
pattern as decision events and demo loaders — so consent never imports them (docs/architecture.md:
meetings → sharing → consent → portal). These are explicit calls made by consent's own services,
not Django signals: nothing runs unless a service calls it, inside that service's transaction.

- Withdrawal listeners: `fn(*, consent, acting_user)`, called by `consent_withdraw` inside its
  transaction, after the record is marked withdrawn and before the decision log is written. A
  listener that raises rolls the withdrawal back. Sharing uses this to flag every open request
  that relied on the consent to its responder (SSP 6.2: a withdrawal must reach whoever relies on it).
- Subject sources: `fn(*, user) -> QuerySet[DataSubject]`: the people `user` may record a consent
  for, besides the subjects of consent records they can already see. Sharing can offer the
  subjects of the requests the user can see.
"""
from __future__ import annotations

from collections.abc import Callable

_WITHDRAWAL_LISTENERS: list[Callable] = []
_SUBJECT_SOURCES: list[Callable] = []


def register_withdrawal_listener(fn: Callable) -> Callable:
    """Register `fn(*, consent, acting_user)`; registering the same function twice is a no-op.
    Returns `fn`, so it can be used as a decorator."""
    if fn not in _WITHDRAWAL_LISTENERS:
        _WITHDRAWAL_LISTENERS.append(fn)
    return fn


def unregister_withdrawal_listener(fn: Callable) -> None:
    if fn in _WITHDRAWAL_LISTENERS:
        _WITHDRAWAL_LISTENERS.remove(fn)


def withdrawal_listeners() -> list[Callable]:
    return list(_WITHDRAWAL_LISTENERS)


def register_subject_source(fn: Callable) -> Callable:
    """Register `fn(*, user) -> QuerySet[DataSubject]` of people `user` may record a consent for."""
    if fn not in _SUBJECT_SOURCES:
        _SUBJECT_SOURCES.append(fn)
    return fn


def unregister_subject_source(fn: Callable) -> None:
    if fn in _SUBJECT_SOURCES:
        _SUBJECT_SOURCES.remove(fn)


def subject_sources() -> list[Callable]:
    return list(_SUBJECT_SOURCES)
