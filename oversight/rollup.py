"""The monitoring report's monthly roll-up of requests (issue 12; docs/adr/0018): what it holds,
which months of a report it can answer, and how one month is rolled.

A month (UK time) of requests *raised* is rolled once it has been closed for a day: its counts
by (partnership, requester, holder, status, sub judice, month decided) into `RequestRollup`, its
exact turnarounds by (partnership, requester, holder) as a sorted `float8[]` into
`TurnaroundRollup`, and the disputes, overrides and current releases of those requests by the
month they happened into `EventRollup`. A report reads a month from the roll-up only when the month lies wholly in
its period and its `RollupMonth` row is clean; the rest of the period (the current month, the
partial months at either end, months never rolled or written since) is counted live from the
requests, and the two are added up in SQL. The purpose, forum, gateway and marking filters are
not in the roll-up's key (with them it would have about as many rows as there are requests), so a
report under any of them is counted live throughout.

Staleness: a statement-level trigger on `sharing_disclosurerequest` (migration 0005) upserts
`RollupMonth(month, dirty=true)` for every closed month (all but the current one and, for its
first day, the one before) of a request it inserts, updates or deletes, old values and new; the
same on disputes, overrides, decisions and consent reliances marks their request's month (0006). The
refresh takes the month's row lock before it reads, so a write to that month either committed
before the refresh's reads (and is counted) or waits for it and marks the month dirty again.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from oversight.models import RollupMonth
from sharing.models import Status

OPEN_STATUSES = (Status.SUBMITTED, Status.RETURNED, Status.IN_REVIEW, Status.AWAITING_ADVICE)

ROLL_MONTH_SQL = """
INSERT INTO oversight_requestrollup (
    partnership_id, month, requesting_organisation_id, holding_organisation_id, status, sub_judice,
    decided_month, raised, decided, decided_with_needed_by, decided_by_needed_by
)
SELECT p.partnership_id, %(month)s, r.requesting_organisation_id, r.holding_organisation_id, r.status, r.sub_judice,
       (date_trunc('month', r.decided_at AT TIME ZONE %(tz)s))::date,
       count(*), count(r.decided_at),
       count(*) FILTER (WHERE r.decided_at IS NOT NULL AND r.needed_by IS NOT NULL),
       count(*) FILTER (WHERE (r.decided_at AT TIME ZONE %(tz)s)::date <= r.needed_by)
FROM sharing_disclosurerequest r JOIN portal_protocolpack p ON p.id = r.protocol_pack_id
WHERE r.submitted_at >= %(start)s AND r.submitted_at < %(end)s
GROUP BY 1, 2, 3, 4, 5, 6, 7
"""

ROLL_TURNAROUNDS_SQL = """
INSERT INTO oversight_turnaroundrollup (
    partnership_id, month, requesting_organisation_id, holding_organisation_id, days, open_needed_by
)
SELECT p.partnership_id, %(month)s, r.requesting_organisation_id, r.holding_organisation_id,
       coalesce(array_agg(date_part('epoch', r.decided_at - r.submitted_at) / 86400.0
                          ORDER BY date_part('epoch', r.decided_at - r.submitted_at) / 86400.0)
                FILTER (WHERE r.decided_at IS NOT NULL), ARRAY[]::float8[]),
       coalesce(array_agg(r.needed_by ORDER BY r.needed_by)
                FILTER (WHERE r.status = ANY(%(open)s) AND r.needed_by IS NOT NULL), ARRAY[]::date[])
FROM sharing_disclosurerequest r JOIN portal_protocolpack p ON p.id = r.protocol_pack_id
WHERE r.submitted_at >= %(start)s AND r.submitted_at < %(end)s
GROUP BY 1, 2, 3, 4
"""

# What happened to the month's requests: disputes raised, overrides, current releases decided.
ROLL_EVENTS_SQL = """
INSERT INTO oversight_eventrollup (partnership_id, month, requesting_organisation_id, holding_organisation_id, figure, event_month, n)
SELECT p.partnership_id, %(month)s, r.requesting_organisation_id, r.holding_organisation_id, 'dispute:' || d.status,
       (date_trunc('month', d.raised_at AT TIME ZONE %(tz)s))::date, count(*)
FROM sharing_dispute d JOIN sharing_disclosurerequest r ON r.id = d.request_id JOIN portal_protocolpack p ON p.id = r.protocol_pack_id
WHERE r.submitted_at >= %(start)s AND r.submitted_at < %(end)s
GROUP BY 1, 2, 3, 4, 5, 6
UNION ALL
SELECT p.partnership_id, %(month)s, r.requesting_organisation_id, r.holding_organisation_id, 'override:' || o.status,
       (date_trunc('month', o.decided_at AT TIME ZONE %(tz)s))::date, count(*)
FROM sharing_publicinterestoverride o JOIN sharing_disclosurerequest r ON r.id = o.request_id
     JOIN portal_protocolpack p ON p.id = r.protocol_pack_id
WHERE r.submitted_at >= %(start)s AND r.submitted_at < %(end)s
GROUP BY 1, 2, 3, 4, 5, 6
UNION ALL
SELECT p.partnership_id, %(month)s, r.requesting_organisation_id, r.holding_organisation_id, f.figure,
       (date_trunc('month', dc.decided_at AT TIME ZONE %(tz)s))::date, count(*)
FROM sharing_decision dc JOIN sharing_disclosurerequest r ON r.id = dc.request_id
     JOIN portal_protocolpack p ON p.id = dc.protocol_pack_id
     CROSS JOIN LATERAL (VALUES
         ('release'),
         (CASE WHEN EXISTS (SELECT 1 FROM sharing_consentreliance c WHERE c.decision_id = dc.id) THEN 'release:consent' END),
         (CASE WHEN EXISTS (SELECT 1 FROM sharing_publicinterestoverride o
                            WHERE o.request_id = dc.request_id AND o.status = 'approved') THEN 'release:override' END)
     ) AS f(figure)
WHERE r.submitted_at >= %(start)s AND r.submitted_at < %(end)s AND dc.is_current
      AND dc.outcome IN ('released', 'partly_released') AND f.figure IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6
"""

# Taken first: the month's row lock orders the roll against concurrent writes (module docstring).
CLAIM_MONTH_SQL = """
INSERT INTO oversight_rollupmonth (month, dirty, refreshed_at) VALUES (%(month)s, false, %(now)s)
ON CONFLICT (month) DO UPDATE SET dirty = false, refreshed_at = EXCLUDED.refreshed_at
"""


def month_start(month: date) -> datetime:
    return timezone.make_aware(datetime.combine(month, datetime.min.time()), timezone.get_current_timezone())


def next_month(month: date) -> date:
    return (month.replace(day=1) + timedelta(days=32)).replace(day=1)


def month_of(moment: datetime) -> date:
    return timezone.localtime(moment).date().replace(day=1)


def last_rollable_month(now: datetime | None = None) -> date:
    """The latest month the refresh may roll: closed for a day (the trigger marks the same months)."""
    return month_of((now or timezone.now()) - timedelta(days=1)) - timedelta(days=1)


def roll_month(month: date) -> None:
    """Roll one month again, in the caller's transaction: claim its row, replace its rows."""
    params = {
        "month": month, "now": timezone.now(), "tz": settings.TIME_ZONE, "open": list(OPEN_STATUSES),
        "start": month_start(month), "end": month_start(next_month(month)),
    }
    with connection.cursor() as cursor:
        cursor.execute(CLAIM_MONTH_SQL, params)
        cursor.execute("DELETE FROM oversight_requestrollup WHERE month = %(month)s", params)
        cursor.execute("DELETE FROM oversight_turnaroundrollup WHERE month = %(month)s", params)
        cursor.execute("DELETE FROM oversight_eventrollup WHERE month = %(month)s", params)
        cursor.execute(ROLL_MONTH_SQL, params)
        cursor.execute(ROLL_TURNAROUNDS_SQL, params)
        cursor.execute(ROLL_EVENTS_SQL, params)


def clean_months() -> set[date]:
    return set(RollupMonth.objects.filter(dirty=False).values_list("month", flat=True))


def covered_months(*, start: datetime, end: datetime, clean: set[date]) -> list[date]:
    """The clean months lying wholly in [start, end), in order."""
    months = []
    month = month_of(start)
    while month_start(month) < end:
        if month in clean and month_start(month) >= start and month_start(next_month(month)) <= end:
            months.append(month)
        month = next_month(month)
    return months


def spans(months: list[date]) -> list[tuple[datetime, datetime]]:
    """Consecutive months merged into [start, end) spans, in order."""
    merged: list[tuple[datetime, datetime]] = []
    for month in sorted(months):
        start, end = month_start(month), month_start(next_month(month))
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def minus(start: datetime | None, end: datetime | None, taken: list[tuple[datetime, datetime]]):
    """[start, end) less the (sorted, disjoint) spans taken: the spans left, None for open ends."""
    left, cursor = [], start
    for a, b in taken:
        if cursor is None or a > cursor:
            left.append((cursor, a))
        cursor = b
    if end is None or cursor is None or cursor < end:
        left.append((cursor, end))
    return [(a, b) for a, b in left if a is None or b is None or a < b]
