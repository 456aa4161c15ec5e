"""Reads of the decision and access logs for auditors (DOMAIN.md §8; SSP Appendix 4 rule 7).

Auditors see who, what kind, why, when and for what purpose — never released content or subject
details, which neither log holds. Keep it that way: nothing here joins to the apps above the core.

Both lists page by keyset on id (constant time at any depth, unlike OFFSET and COUNT(*)) and keep a
constant number of queries whatever the page size. A date range on the decision log adds three
small probes that choose how PostgreSQL finds the page (`_decision_log_order_for`).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import F, Max, Min, Q, QuerySet
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
# The same order, but one the primary key index cannot serve: PostgreSQL finds the matching ids
# through another index ((occurred_at, id), migration 0006, for a date range) and sorts them.
BY_ID_SORTED = F("id") + 0


def _by_id(*, before: int | None = None, after: int | None = None, wanted: int = 1):
    return BY_ID


def _decision_log_order_for(filters: DecisionLogFilter):
    """order_for(before=, after=, wanted=) -> BY_ID or BY_ID_SORTED: the cheaper way to find the
    `wanted` entries nearest a keyset cursor, when the filters hold a date range.

    Entries are written under the chain's lock, so id order is (almost always) time order; the
    planner doesn't know that. For a date range in the past it walks the primary key from the
    newest entry and reads every entry newer than the range before the first match (1.4 million
    rows, most of a second, for a week a year ago in a log of 2 million); at the range's last page
    it reads on through every older entry. Sorting the ids of the range's own entries instead
    costs their number, read from the (occurred_at, id) index alone when no other filter needs
    the rows: worse only for a wide range near the top of the log.

    Three probes (the ids of the range's first and last entries by time, on the occurred_at index,
    and the log's lowest and highest id) estimate both costs, and the cheaper order wins. The
    estimate only chooses the plan, never the rows: both orders return exactly the same page,
    so an entry out of time order is never missed.
    """
    if not (filters.date_from or filters.date_to):
        return _by_id
    dated = _in_date_range(DecisionLogEntry.objects.all(), date_from=filters.date_from, date_to=filters.date_to)
    first = dated.order_by("occurred_at").values_list("id", flat=True).first()
    last = dated.order_by("-occurred_at").values_list("id", flat=True).first()
    if first is None or last is None:
        # Nothing in the range: the occurred_at index says so at once, the primary key after a full walk.
        return lambda **_: BY_ID_SORTED
    bounds = DecisionLogEntry.objects.aggregate(oldest=Min("id"), newest=Max("id"))
    low, high = min(first, last), max(first, last)
    others = filters.organisation_id or filters.actor_id or filters.action or filters.reference
    # Other filters leave fewer matches in the range: the walk runs out of it sooner.
    sparse = 20 if others else 1
    # Sorting reads index entries only (migration 0012's composite indexes hold every column the
    # filters name), about 8 times cheaper than the rows the walk reads, and with another filter
    # only the matching entries' (a reference has its own index, but no dates in it).
    sorting = (high - low + 1) / (8 * (sparse if others and not filters.reference else 1))

    def order_for(*, before: int | None = None, after: int | None = None, wanted: int = 1):
        if after:  # walking up from the cursor
            passed = max(low - after - 1, 0)  # older than the range, read before the first match
            ahead = high - max(after, low - 1)  # the range's entries above the cursor
            beyond = bounds["newest"] - high  # newer than the range, read if the range runs out
        else:  # walking down from the cursor, or from the newest entry
            top = before - 1 if before else bounds["newest"]
            passed = max(top - high, 0)
            ahead = min(top, high) - low + 1
            beyond = low - bounds["oldest"]
        walk = passed + (beyond if ahead < wanted * sparse else 0)
        return BY_ID if walk <= sorting else BY_ID_SORTED

    return order_for


def decision_log_entries(*, filters: DecisionLogFilter, order=None) -> QuerySet[DecisionLogEntry]:
    """The matching entries, newest first (by id; `order` says how PostgreSQL is to find them)."""
    if order is None:
        order = _decision_log_order_for(filters)(wanted=50)
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
    return entries.order_by(order.desc())


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


def _first(entries: QuerySet, order, count: int, *, newest_first: bool) -> list:
    """The first `count` of `entries` by id. BY_ID walks the primary key; BY_ID_SORTED sorts the
    matching ids (from an index, when it holds every column the filters name), then reads only
    the rows of those ids."""
    ordering = order.desc() if newest_first else order.asc()
    if order is BY_ID:
        return list(entries.order_by(ordering)[:count])
    ids = entries.order_by(ordering).values("id")[:count]
    by_id = BY_ID.desc() if newest_first else BY_ID.asc()
    return list(entries.model._default_manager.filter(id__in=ids).order_by(by_id))


def _keyset_page(entries: QuerySet, *, before: int | None, after: int | None, size: int, order_for=_by_id) -> Page:
    """A page of `entries`, newest first by id; `order_for` chooses how each query finds its rows."""
    after, before = _cursor(after), _cursor(before)
    if after:
        order = order_for(after=after, wanted=size + 1)
        rows = _first(entries.filter(id__gt=after), order, size + 1, newest_first=False)
        has_more_newer = len(rows) > size
        rows = list(reversed(rows[:size]))
        has_older = False
        if rows:
            order = order_for(before=rows[-1].id, wanted=1)
            has_older = bool(entries.filter(id__lt=rows[-1].id).order_by(order.desc()).values_list("id", flat=True)[:1])
        return Page(rows, rows[0].id if rows and has_more_newer else None, rows[-1].id if has_older else None)
    if before:
        entries = entries.filter(id__lt=before)
    rows = _first(entries, order_for(before=before, wanted=size + 1), size + 1, newest_first=True)
    has_older = len(rows) > size
    rows = rows[:size]
    newer = rows[0].id if rows and before else None
    return Page(rows, newer, rows[-1].id if has_older else None)


def _dated_only(filters: DecisionLogFilter) -> bool:
    return bool(filters.date_from or filters.date_to) and not (
        filters.organisation_id or filters.actor_id or filters.action or filters.reference
    )


def decision_log_page(*, filters: DecisionLogFilter, before: int | None, after: int | None, size: int = 50) -> Page:
    entries = decision_log_entries(filters=filters, order=BY_ID)
    order_for = _decision_log_order_for(filters)
    if _dated_only(filters) and order_for(before=_cursor(before), after=_cursor(after), wanted=size + 1) is BY_ID_SORTED:
        # A date range alone, too far from the cursor to walk to: its entries' lowest and highest
        # ids (one index-only pass over the range's (occurred_at, id) entries) bound the
        # primary-key walk, which then reads about a page of rows, since ids follow time. Sorting
        # a month's ids (200,000 at 10M entries) cost 50 ms; this 30. Exact whatever the order of
        # ids: every entry of the range lies within its bounds.
        span = _in_date_range(DecisionLogEntry.objects.all(), date_from=filters.date_from, date_to=filters.date_to)
        # Of id + 0: MIN(id) would be planned as a walk of the primary key from the oldest entry.
        bounds = span.aggregate(low=Min(BY_ID_SORTED), high=Max(BY_ID_SORTED))
        if bounds["low"] is None:
            return Page([], None, None)
        entries = entries.filter(id__gte=bounds["low"], id__lte=bounds["high"])
        return _keyset_page(entries, before=before, after=after, size=size)
    return _keyset_page(entries, before=before, after=after, size=size, order_for=order_for)


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
