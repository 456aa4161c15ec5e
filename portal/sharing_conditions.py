"""Conditions a partnership's protocol sets on sharing besides suspension (SSP 13.3): the pack can
say that an organisation without a current signature for the version in force, without a
designated officer, or with an ICO registration number missing or malformed may not share
(`review.unsigned_blocks_sharing`; SDP 4.5, Appendix 2). The signatory register that knows this
lives in an app above the core (oversight), so it registers a source here in AppConfig.ready()
and every path that refuses a suspended organisation (raising, release, onward disclosure,
meeting papers and agenda cases) asks `sharing_blocks` too, without importing the app.

A source is `fn(*, partnership_id: int, organisation_ids: list[int]) -> dict[int, list[str]]`:
for each organisation blocked now, what is missing (short phrases, no personal data). It must
answer in a fixed number of queries whatever the number of organisations."""
from __future__ import annotations

from collections.abc import Callable

from portal.models import Organisation, Partnership

_SOURCES: list[Callable] = []


def register_sharing_condition(source: Callable) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def sharing_blocks(*, partnership: Partnership | int, organisations) -> list[tuple[Organisation, list[str]]]:
    """Which of `organisations` (ids or Organisation objects) the protocol in force blocks from
    sharing in `partnership` now, by name, each with what it is missing."""
    ids = sorted({getattr(o, "pk", o) for o in organisations if o is not None})
    if not ids or not _SOURCES:
        return []
    partnership_id = getattr(partnership, "pk", partnership)
    missing: dict[int, list[str]] = {}
    for source in _SOURCES:
        for organisation_id, gaps in source(partnership_id=partnership_id, organisation_ids=ids).items():
            missing.setdefault(organisation_id, []).extend(gaps)
    if not missing:
        return []
    return [(org, missing[org.pk]) for org in Organisation.objects.filter(pk__in=list(missing)).order_by("name")]


def sharing_block_message(organisation: Organisation, gaps: list[str]) -> str:
    """'Sharing with X is blocked by the protocol until …: no signature for version 3, no designated officer'."""
    what = ", ".join(gap[:1].lower() + gap[1:] if gap[1:2].islower() else gap for gap in gaps)
    return f"Sharing with {organisation.name} is blocked by the protocol until it is put right (SDP 4.5): {what}"


def sharing_block_refusal(*, partnership: Partnership | int, organisations, doing: str) -> str:
    """The message a refused action shows when the protocol blocks one of `organisations`, or ""."""
    blocked = sharing_blocks(partnership=partnership, organisations=organisations)
    if not blocked:
        return ""
    return "; ".join(sharing_block_message(org, gaps) for org, gaps in blocked) + f". You cannot {doing} until then."
