"""Reads of the decision and access logs for auditors (DOMAIN.md §8; SSP Appendix 4 rule 7).

Auditors see who, what kind, why, when and for what purpose — never released content or subject
details, which neither log holds. Keep it that way: nothing here joins to the apps above the core.

Both lists page by keyset on id (constant time at any depth, unlike OFFSET and COUNT(*)) and keep a
constant number of queries whatever the page size.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Iterator

from django.db.models import QuerySet
from django.utils import timezone

from portal.models import AccessLogEntry, DecisionLogEntry

# A bigint id: anything outside it is no id at all (and would make PostgreSQL refuse the query).
MAX_ID = 2**63 - 1


@dataclass
class DecisionLogFilter:
    organisation_id: int | None = None
    actor_id: int | None = None
    action: str = ""
    reference: str = ""
    date_from: date | None = None
    date_to: date | None = None


@dataclass
class AccessLogFilter:
    organisation_id: int | None = None
    user_id: int | None = None
    kind: str = ""
    reference: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _in_date_range(entries: QuerySet, *, date_from: date | None, date_to: date | None) -> QuerySet:
    """Whole days in UK time, `date_to` included; a range on the indexed column, not __date."""
    if date_from:
        entries = entries.filter(occurred_at__gte=_day_start(date_from))
    if date_to and date_to < date.max:
        entries = entries.filter(occurred_at__lt=_day_start(date_to + timedelta(days=1)))
    return entries


def decision_log_entries(*, filters: DecisionLogFilter) -> QuerySet[DecisionLogEntry]:
    entries = DecisionLogEntry.objects.all()
    if filters.organisation_id:
        entries = entries.filter(organisation_id=filters.organisation_id)
    if filters.actor_id:
        entries = entries.filter(actor_id=filters.actor_id)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.reference:
        entries = entries.filter(reference=filters.reference.strip().upper())
    entries = _in_date_range(entries, date_from=filters.date_from, date_to=filters.date_to)
    return entries.order_by("-id")


def access_log_entries(*, filters: AccessLogFilter) -> QuerySet[AccessLogEntry]:
    # who and where come from the user and organisation rows (the access log keeps no names).
    entries = AccessLogEntry.objects.select_related("user", "organisation")
    if filters.organisation_id:
        entries = entries.filter(organisation_id=filters.organisation_id)
    if filters.user_id:
        entries = entries.filter(user_id=filters.user_id)
    if filters.kind:
        entries = entries.filter(kind=filters.kind)
    if filters.reference:
        # Request references are upper case; other references ("export", "verification") are
        # not. Both spellings, so the reference index still serves the lookup.
        typed = filters.reference.strip()
        entries = entries.filter(reference__in={typed, typed.upper()})
    entries = _in_date_range(entries, date_from=filters.date_from, date_to=filters.date_to)
    return entries.order_by("-id")


@dataclass
class Page:
    entries: list
    newer_than: int | None  # pass as ?after= to see newer entries
    older_than: int | None  # pass as ?before= to see older entries


def _keyset_page(entries: QuerySet, *, before: int | None, after: int | None, size: int) -> Page:
    if after is not None and not 0 < after <= MAX_ID:
        after = None
    if before is not None and not 0 < before <= MAX_ID:
        before = None
    if after:
        rows = list(entries.filter(id__gt=after).order_by("id")[: size + 1])
        has_more_newer = len(rows) > size
        rows = list(reversed(rows[:size]))
        has_older = bool(rows) and entries.filter(id__lt=rows[-1].id).exists()
        return Page(rows, rows[0].id if rows and has_more_newer else None, rows[-1].id if has_older else None)
    if before:
        entries = entries.filter(id__lt=before)
    rows = list(entries[: size + 1])
    has_older = len(rows) > size
    rows = rows[:size]
    newer = rows[0].id if rows and before else None
    return Page(rows, newer, rows[-1].id if has_older else None)


def decision_log_page(*, filters: DecisionLogFilter, before: int | None, after: int | None, size: int = 50) -> Page:
    return _keyset_page(decision_log_entries(filters=filters), before=before, after=after, size=size)


def access_log_page(*, filters: AccessLogFilter, before: int | None, after: int | None, size: int = 50) -> Page:
    return _keyset_page(access_log_entries(filters=filters), before=before, after=after, size=size)


EXPORT_FIELDS = (
    "occurred_at",
    "actor_name",
    "organisation_name",
    "action",
    "reference",
    "recipient_name",
    "purpose",
    "reasons",
    "protocol_version",
    "entry_hash",
)


def decision_log_export_rows(*, filters: DecisionLogFilter, chunk_size: int = 2000) -> Iterator[dict]:
    """Every matching entry, newest first, as plain values through a server-side cursor: an
    export of millions of entries never holds more than one chunk in memory."""
    return decision_log_entries(filters=filters).values(*EXPORT_FIELDS).iterator(chunk_size=chunk_size)


def decision_log_newest(*, filters: DecisionLogFilter, limit: int) -> tuple[list[DecisionLogEntry], bool]:
    """The newest `limit` matching entries, and whether there were more."""
    rows = list(decision_log_entries(filters=filters)[: limit + 1])
    return rows[:limit], len(rows) > limit
