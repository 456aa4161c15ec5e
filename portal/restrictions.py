"""Restrictions of processing (UK GDPR Arts 18, 21; SDP 9): the core asks, the app that records
them answers. An app registers in AppConfig.ready() a check
`fn(*, organisation_ids, subject_ids) -> list[str]` naming (by organisation and case reference,
never the person) each standing restriction that one of the organisations placed on one of these
people; the sharing services refuse to raise, send or release a request about a restricted
person (`processing_restriction_refusal`), as they do for a suspension (SSP 13.3)."""
from __future__ import annotations

from collections.abc import Callable, Iterable

_CHECKS: list[Callable] = []


def register_processing_restriction_check(check: Callable) -> None:
    if check not in _CHECKS:
        _CHECKS.append(check)


def processing_restriction_refusal(*, organisation_ids: Iterable[int | None], subject_ids: Iterable[int], doing: str) -> str:
    """The message a refused action shows, or "" when no restriction applies."""
    organisation_ids = [pk for pk in organisation_ids if pk]
    subject_ids = [pk for pk in subject_ids if pk]
    if not organisation_ids or not subject_ids:
        return ""
    found = [name for check in _CHECKS for name in check(organisation_ids=organisation_ids, subject_ids=subject_ids)]
    if not found:
        return ""
    return (
        f"Processing of information about a person on this request is restricted ({'; '.join(sorted(set(found)))}), "
        f"so you cannot {doing} until the restriction is lifted (UK GDPR Art 18)"
    )
