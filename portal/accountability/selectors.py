"""Reads of the decision and access logs for auditors (DOMAIN.md §8; SSP Appendix 4 rule 7).

Auditors see who, what kind, why, when and for what purpose — never released content or subject
details, which neither log holds. Keep it that way: nothing here joins to the apps above the core.

Both lists page by keyset on id (constant time at any depth, unlike OFFSET and COUNT(*)) and keep a
constant number of queries whatever the page size. A date range on the decision log pages by
(occurred_at, id) instead, with a two-column cursor, so a month reads a page of its index, not
the whole month (issue 17).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import F, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from portal.models import AccessLogEntry, DecisionLogEntry, DecisionLogVerification, PartnershipMember

# A bigint id: anything outside it is no id at all (and would make PostgreSQL refuse the query).
MAX_ID = 2**63 - 1


@dataclass
class DecisionLogFilter:
    # The auditor's partnership (issue 16): its entries, and the deployment-wide entries about its
    # member organisations (those written before partnerships, and accounts). None: every entry.
    partnership_id: int | None = None
    organisation_id: int | None = None
    actor_id: int | None = None
    action: str = ""
    reference: str = ""
    date_from: date | None = None
    date_to: date | None = None


@dataclass
class AccessLogFilter:
    partnership_id: int | None = None  # reads by staff of the partnership's member organisations
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


# The order of the lists: the primary key, which PostgreSQL can walk newest first and stop after a page.
BY_ID = F("id")
# A date range pages by time instead: (occurred_at, id), newest first. Every index a dated filter
# uses ends in (occurred_at, id) after its equality columns (migration 0012), so PostgreSQL walks
# the range from its newest end and stops after a page, however long the range: a month of a
# 10,000,000-entry log reads 51 index entries, not the month's 200,000.
BY_TIME = (F("occurred_at"), F("id"))


def _dated(filters: DecisionLogFilter) -> bool:
    return bool(filters.date_from or filters.date_to)


def decision_log_entries(*, filters: DecisionLogFilter, ordered: bool = True) -> QuerySet[DecisionLogEntry]:
    """The matching entries, newest first: by id, or by (occurred_at, id) when a date range is
    asked for (the order the range's pages walk)."""
    entries = DecisionLogEntry.objects.all()
    if filters.partnership_id:
        members = PartnershipMember.objects.filter(partnership_id=filters.partnership_id).values("organisation")
        entries = entries.filter(
            Q(partnership_id=filters.partnership_id) | Q(partnership__isnull=True, organisation_id__in=members)
        )
    if filters.organisation_id:
        entries = entries.filter(organisation_id=filters.organisation_id)
    if filters.actor_id:
        entries = entries.filter(actor_id=filters.actor_id)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.reference:
        entries = entries.filter(reference=filters.reference.strip().upper())
    entries = _in_date_range(entries, date_from=filters.date_from, date_to=filters.date_to)
    if not ordered:
        return entries
    return entries.order_by(*(column.desc() for column in (BY_TIME if _dated(filters) else (BY_ID,))))


def access_log_entries(*, filters: AccessLogFilter) -> QuerySet[AccessLogEntry]:
    # who and where come from the user and organisation rows (the access log keeps no names).
    entries = AccessLogEntry.objects.select_related("user", "organisation")
    if filters.partnership_id:
        members = PartnershipMember.objects.filter(partnership_id=filters.partnership_id).values("organisation")
        entries = entries.filter(organisation_id__in=members)
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


def _cursor(value: int | None) -> int | None:
    return value if value is not None and 0 < value <= MAX_ID else None


def _keyset_page(entries: QuerySet, *, before: int | None, after: int | None, size: int) -> Page:
    """A page of `entries`, newest first by id."""
    after, before = _cursor(after), _cursor(before)
    if after:
        rows = list(entries.filter(id__gt=after).order_by("id")[: size + 1])
        has_more_newer = len(rows) > size
        rows = list(reversed(rows[:size]))
        has_older = bool(rows) and bool(entries.filter(id__lt=rows[-1].id).order_by("-id").values_list("id", flat=True)[:1])
        return Page(rows, rows[0].id if rows and has_more_newer else None, rows[-1].id if has_older else None)
    if before:
        entries = entries.filter(id__lt=before)
    rows = list(entries.order_by("-id")[: size + 1])
    has_older = len(rows) > size
    rows = rows[:size]
    newer = rows[0].id if rows and before else None
    return Page(rows, newer, rows[-1].id if has_older else None)


def _older(entries: QuerySet, occurred_at, pk) -> QuerySet:
    """The entries before (occurred_at, pk) in time order. `occurred_at__lte` bounds the index
    walk; the exclusion drops the cursor's own instant's later ids."""
    return entries.filter(occurred_at__lte=occurred_at).exclude(occurred_at=occurred_at, id__gte=pk)


def _newer(entries: QuerySet, occurred_at, pk) -> QuerySet:
    return entries.filter(occurred_at__gte=occurred_at).exclude(occurred_at=occurred_at, id__lte=pk)


def _time_keyset_page(entries: QuerySet, *, before: int | None, after: int | None, size: int) -> Page:
    """A page of a date-ranged log, newest first by (occurred_at, id), with a two-column keyset
    cursor. The cursor in the link is still one entry's id; its time is read in the same query
    (a subquery on the primary key), so paging costs no extra query. An id that is no entry
    gives an empty page."""
    after, before = _cursor(after), _cursor(before)
    newest_first = [column.desc() for column in BY_TIME]
    oldest_first = [column.asc() for column in BY_TIME]
    if after:
        at = Subquery(DecisionLogEntry.objects.filter(pk=after).values("occurred_at")[:1])
        rows = list(_newer(entries, at, after).order_by(*oldest_first)[: size + 1])
        has_more_newer = len(rows) > size
        rows = list(reversed(rows[:size]))
        has_older = bool(rows) and bool(
            _older(entries, rows[-1].occurred_at, rows[-1].id).order_by(*newest_first).values_list("id", flat=True)[:1]
        )
        return Page(rows, rows[0].id if rows and has_more_newer else None, rows[-1].id if has_older else None)
    if before:
        at = Subquery(DecisionLogEntry.objects.filter(pk=before).values("occurred_at")[:1])
        entries = _older(entries, at, before)
    rows = list(entries.order_by(*newest_first)[: size + 1])
    has_older = len(rows) > size
    rows = rows[:size]
    newer = rows[0].id if rows and before else None
    return Page(rows, newer, rows[-1].id if has_older else None)


def decision_log_page(*, filters: DecisionLogFilter, before: int | None, after: int | None, size: int = 50) -> Page:
    entries = decision_log_entries(filters=filters, ordered=False)
    if _dated(filters):
        return _time_keyset_page(entries, before=before, after=after, size=size)
    return _keyset_page(entries, before=before, after=after, size=size)


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


def decision_log_verification_latest() -> DecisionLogVerification | None:
    """The newest verification run (the chain is one for the whole deployment)."""
    return DecisionLogVerification.objects.order_by("-id").first()


def access_decision_log_verification(*, pk: int) -> DecisionLogVerification:
    """A verification run by id; 404 when there is none. Runs hold no personal data and the
    chain is the deployment's, so any auditor may follow any run."""
    return get_object_or_404(DecisionLogVerification, pk=pk)
