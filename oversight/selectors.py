"""The monitoring report's figures (SSP 16.1, SDP 4.5 i): every number is one aggregate query
(conditional counts, `percentile_cont`, GROUP BY month or organisation); no request, meeting or
copy is ever loaded into Python, and nothing here names a person.

What each figure counts (docs/howto-quarterly-report.md says the same for the board):
- requests: the requests *raised* (submitted) in the period, and where they stand now — released in
  full, in part, declined, withdrawn, under dispute, still open; turnaround is submitted → decided
  of those decided, median and 90th percentile in days, and the share decided by the date needed;
- overdue now: open requests past their needed-by date today (the period does not apply);
- disputes, onward requests, overrides and sub judice consultations: those raised, requested,
  decided or held in the period;
- the basis of releases: current releases (in full or in part) decided in the period, relying on
  consent or on an approved public-interest override;
- retention: copies held by the partnership's organisations whose review date falls in the
  period and are not destroyed, extensions and destructions in the period, legal holds in force;
- meetings: meetings of each forum starting in the period, attendance (invited and signed in) and
  papers destroyed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import (
    Aggregate,
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Max,
    OuterRef,
    Q,
)
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from meetings.models import Attendee, Meeting, Paper
from oversight import rollup
from oversight.models import ProposedVersion, ProtocolSignature, RollupRefresh
from portal.models import HeldCopy, LegalHold, Organisation, PartnershipMember, RetentionExtension
from portal.reports import Cell, ReportFilter, ReportRow, ReportTable
from sharing.models import (
    ConsentReliance,
    Decision,
    DisclosureRequest,
    Dispute,
    DisputeStatus,
    OnwardRequest,
    OnwardStatus,
    Outcome,
    OverrideStatus,
    PublicInterestOverride,
    Status,
    SubJudiceConsultation,
)

OPEN_STATUSES = rollup.OPEN_STATUSES
SECONDS_A_DAY = 86400.0


class PercentileCont(Aggregate):
    """PostgreSQL's `percentile_cont(f) WITHIN GROUP (ORDER BY expr)`: the interpolated
    percentile, computed in the database."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, *, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


class DaysBetween(Func):
    """(later − earlier) in days, as a float: `date_part` gives double precision, where EXTRACT
    gives numeric, whose arithmetic and sort made the percentiles a third slower at 1M requests."""

    template = "(date_part('epoch', (%(expressions)s)) / 86400.0)"
    arg_joiner = " - "
    output_field = FloatField()


# ---------------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------------


def request_q(filters: ReportFilter, prefix: str = "", *, own_pack: bool = False) -> Q:
    """The reader's filters as a Q on DisclosureRequest, reached through `prefix` ("request__").
    `own_pack`: the model has its own protocol pack of the same partnership (a decision's), so the
    partnership is checked there and the request is joined only for the other filters."""
    p = prefix
    q = Q(**{f"{'' if own_pack else p}protocol_pack__partnership_id": filters.partnership_id})
    if filters.organisation_id:
        as_requester = Q(**{f"{p}requesting_organisation_id": filters.organisation_id})
        as_holder = Q(**{f"{p}holding_organisation_id": filters.organisation_id})
        q &= {"requester": as_requester, "holder": as_holder}.get(filters.organisation_as, as_requester | as_holder)
    for code, path in (
        (filters.forum_code, "forum__code"),
        (filters.purpose_code, "purpose__code"),
        (filters.gateway_code, "legal_gateway__code"),
    ):
        if code:
            q &= Q(**{f"{p}{path}": code})
    if filters.marking_code:
        request_ref = OuterRef(f"{p}pk") if p else OuterRef("pk")
        marked = Decision.objects.filter(request=request_ref, is_current=True, marking__code=filters.marking_code)
        q &= Q(Exists(marked))
    return q


def _requests(filters: ReportFilter):
    return DisclosureRequest.objects.filter(request_q(filters))


def _in_period(field: str, filters: ReportFilter) -> Q:
    return Q(**{f"{field}__gte": filters.start, f"{field}__lt": filters.end})


def _share(part: int | None, whole: int | None) -> Cell:
    if not whole:
        return Cell(None, "percent", base=whole or 0)
    return Cell(round(100.0 * (part or 0) / whole, 1), "percent", base=whole)


def _days(value: float | None, base: int) -> Cell:
    return Cell(None if value is None else round(value, 1), "days", base=base)


def _organisation_ids(filters: ReportFilter) -> frozenset[int]:
    return frozenset({filters.organisation_id}) if filters.organisation_id else frozenset()


# ---------------------------------------------------------------------------------------------
# Requests: volumes, turnaround, overdue, disputes, onward, basis
# ---------------------------------------------------------------------------------------------


# The cohort as weighted rows: the live requests (one each) and the roll-up's counts of the
# covered months, added up by the same GROUPING SETS (oversight/rollup.py).
COHORT_ROWS_SQL = """
SELECT l.status, l.holding_organisation_id, l.requesting_organisation_id, l.raised_month, l.sub_judice,
       1 AS raised, (l.days IS NOT NULL)::int AS decided,
       (l.days IS NOT NULL AND l.needed_by IS NOT NULL)::int AS decided_with_needed_by,
       (l.in_time IS TRUE)::int AS decided_by_needed_by
FROM ({cohort}) AS l
UNION ALL
SELECT r.status, r.holding_organisation_id, r.requesting_organisation_id, r.month::timestamp, r.sub_judice,
       r.raised, r.decided, r.decided_with_needed_by, r.decided_by_needed_by
FROM oversight_requestrollup r
WHERE r.partnership_id = %(partnership)s AND r.month = ANY(%(covered)s::date[]) {organisation}
"""

COHORT_SQL = """
SELECT GROUPING(c.holding_organisation_id) AS g_holder,
       GROUPING(c.requesting_organisation_id) AS g_requester,
       GROUPING(c.raised_month) AS g_month,
       c.holding_organisation_id, c.requesting_organisation_id, c.raised_month,
       coalesce(sum(c.raised), 0) AS raised,
       coalesce(sum(c.raised) FILTER (WHERE c.status = %(released)s), 0) AS released,
       coalesce(sum(c.raised) FILTER (WHERE c.status = %(partly_released)s), 0) AS partly_released,
       coalesce(sum(c.raised) FILTER (WHERE c.status = %(declined)s), 0) AS declined,
       coalesce(sum(c.raised) FILTER (WHERE c.status = %(withdrawn)s), 0) AS withdrawn,
       coalesce(sum(c.raised) FILTER (WHERE c.status = %(disputed)s), 0) AS disputed,
       coalesce(sum(c.raised) FILTER (WHERE c.status = ANY(%(open)s)), 0) AS still_open,
       coalesce(sum(c.decided), 0) AS decided,
       coalesce(sum(c.decided_with_needed_by), 0) AS decided_with_needed_by,
       coalesce(sum(c.decided_by_needed_by), 0) AS decided_by_needed_by,
       coalesce(sum(c.raised) FILTER (WHERE c.sub_judice), 0) AS sub_judice_flagged
FROM ({rows}) AS c
GROUP BY GROUPING SETS ((), (c.holding_organisation_id), (c.requesting_organisation_id), (c.raised_month))
"""

# The percentiles apart: an ordered-set aggregate forces sorted grouping of every set (2.4 s in
# one query over a year of a million requests, against 0.4 s + 0.5 s for the two). The covered
# months' turnarounds come unnested from the roll-up's sorted arrays: exact, as the live pass.
PERCENTILES_SQL = """
SELECT GROUPING(c.holding_organisation_id) AS g_holder, c.holding_organisation_id,
       percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY c.days) AS percentiles
FROM (
    SELECT l.holding_organisation_id, l.days FROM ({cohort}) AS l
    UNION ALL
    SELECT t.holding_organisation_id, unnest(t.days) FROM oversight_turnaroundrollup t
    WHERE t.partnership_id = %(partnership)s AND t.month = ANY(%(covered)s::date[]) {organisation}
) AS c
GROUP BY GROUPING SETS ((), (c.holding_organisation_id))
"""

DECIDED_LIVE_SQL = "SELECT d.month, count(*) FROM ({live}) AS d GROUP BY d.month"

# Decided by month: the roll-up's requests decided in the months wholly in the period, by month.
DECIDED_ROLLUP_SQL = """
SELECT r.decided_month, sum(r.decided) FROM oversight_requestrollup r
WHERE r.partnership_id = %(partnership)s AND r.month = ANY(%(clean)s::date[])
      AND r.decided_month = ANY(%(whole)s::date[]) {organisation}
GROUP BY r.decided_month
"""

FIGURE_KEYS = (
    "raised", "released", "partly_released", "declined", "withdrawn", "disputed", "still_open", "decided",
    "median_days", "p90_days", "decided_with_needed_by", "decided_by_needed_by", "sub_judice_flagged",
)


@dataclass
class Cohort:
    """The requests figures of one report, from one pass (`cohort_pass`)."""

    totals: dict
    by_holder: dict[int, dict]
    by_requester: dict[int, int]
    raised_by_month: dict[date, int]
    decided_by_month: dict[date, int]


def _month_date(value) -> date:
    """A month from the raw pass: `date_trunc` of the UK-time timestamp (naive, already local),
    or an aware one (as the ORM would give it) made local first."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.date() if isinstance(value, datetime) else value


def rollup_answers(filters: ReportFilter) -> bool:
    """Whether the roll-up can answer these filters: its key has no purpose, forum, gateway or marking."""
    return not (filters.purpose_code or filters.forum_code or filters.gateway_code or filters.marking_code)


def _in_spans(field: str, parts: list[tuple[datetime | None, datetime | None]]) -> Q:
    """`field` in any of the [start, end) spans (None: open); matches nothing for no spans (a
    condition the index answers at once: `pk__in=[]` would make Django drop the whole query)."""
    if not parts:
        return Q(**{f"{field}__isnull": True}) & Q(**{f"{field}__isnull": False})
    q = Q()
    for start, end in parts:
        span = Q()
        if start is not None:
            span &= Q(**{f"{field}__gte": start})
        if end is not None:
            span &= Q(**{f"{field}__lt": end})
        q = span if not q else q | span
    return q


def _not_rolled(field: str, not_rolled: list) -> list[Q]:
    """One condition per span of months not rolled, and one for requests never submitted (in
    no month): together, every request the roll-up does not hold."""
    return [_in_spans(field, [span]) for span in not_rolled] + [Q(**{f"{field}__isnull": True})]


def _rollup_organisation_sql(filters: ReportFilter, alias: str) -> str:
    if not filters.organisation_id:
        return ""
    requester = f"{alias}.requesting_organisation_id = %(organisation)s"
    holder = f"{alias}.holding_organisation_id = %(organisation)s"
    return "AND " + {"requester": requester, "holder": holder}.get(filters.organisation_as, f"({requester} OR {holder})")


def _named(sql: str, params, prefix: str = "c") -> tuple[str, dict]:
    """A compiled queryset's %s placeholders as named ones, so an outer query can name its own."""
    names = {f"{prefix}{n}": value for n, value in enumerate(params)}
    return sql.replace("%", "%%").replace("%%s", "%s") % tuple(f"%({name})s" for name in names), names


def _union_all(querysets) -> tuple[str, dict]:
    """Querysets as one `UNION ALL` relation with named placeholders: one range scan of a
    covering index each, read from the index only. An OR of the ranges in one query is read
    through a bitmap of the heap instead: 22,000 pages for two months of a million requests
    spread over two years, against 700 in the index."""
    parts, names = [], {}
    for n, queryset in enumerate(querysets):
        part, part_names = _named(*queryset.query.sql_with_params(), prefix=f"u{n}_")
        parts.append(f"({part})")
        names |= part_names
    return " UNION ALL ".join(parts), names


def cohort_pass(*, filters: ReportFilter, use_rollup: bool = True) -> Cohort:
    """Every figure about the requests raised in the period, by the partnership, by holder, by
    requester and by month raised, in one pass (`GROUP BY GROUPING SETS`), and the requests
    decided in the period by month decided. Where the roll-up answers the filters, its clean
    months wholly in the period come from it and only the rest of the period is read from the
    requests (the covering index `sharing_request_report_raised`); else, or with `use_rollup`
    false, the whole period is read live. The percentiles are exact either way
    (`percentile_cont` over the period's own turnarounds)."""
    tz = timezone.get_current_timezone()
    clean = rollup.clean_months() if use_rollup and rollup_answers(filters) else set()
    covered = rollup.covered_months(start=filters.start, end=filters.end, clean=clean)
    live_raised = rollup.minus(filters.start, filters.end, rollup.spans(covered))
    boolean = BooleanField()
    cohort = (
        _requests(filters)
        .annotate(
            raised_month=TruncMonth("submitted_at", tzinfo=tz),
            days=DaysBetween(F("decided_at"), F("submitted_at")),
            in_time=ExpressionWrapper(Q(decided_at__date__lte=F("needed_by")), output_field=boolean),
        )
        .values(
            "status", "holding_organisation_id", "requesting_organisation_id", "needed_by", "sub_judice",
            "raised_month", "days", "in_time",
        )
    )
    cohort_sql, names = _union_all(
        [cohort.filter(_in_spans("submitted_at", [span])) for span in live_raised]
        or [cohort.filter(_in_spans("submitted_at", []))]
    )
    params = {
        **names,
        "released": Status.RELEASED, "partly_released": Status.PARTLY_RELEASED, "declined": Status.DECLINED,
        "withdrawn": Status.WITHDRAWN, "disputed": Status.DISPUTED, "open": list(OPEN_STATUSES),
        "partnership": filters.partnership_id, "organisation": filters.organisation_id,
        "covered": covered, "clean": sorted(clean),
    }
    rows_sql = COHORT_ROWS_SQL.format(cohort=cohort_sql, organisation=_rollup_organisation_sql(filters, "r"))
    result = Cohort(totals={key: 0 for key in FIGURE_KEYS} | {"median_days": None, "p90_days": None},
                    by_holder={}, by_requester={}, raised_by_month={}, decided_by_month={})
    with connection.cursor() as cursor:
        cursor.execute(
            PERCENTILES_SQL.format(cohort=cohort_sql, organisation=_rollup_organisation_sql(filters, "t")), params
        )
        percentiles = {
            ("all" if g_holder else holder): dict(zip(("median_days", "p90_days"), values or (None, None), strict=True))
            for g_holder, holder, values in cursor.fetchall()
        }
        cursor.execute(COHORT_SQL.format(rows=rows_sql), params)
        columns = [column[0] for column in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(columns, values, strict=True))
            figures = {key: row[key] for key in FIGURE_KEYS if key in row}
            # GROUPING(x) is 1 where x is not a key of the row's set: all three for the totals.
            if row["g_holder"] and row["g_requester"] and row["g_month"]:
                result.totals = figures | percentiles.get("all", {})
            elif not row["g_holder"]:
                if row["holding_organisation_id"] is not None and row["raised"]:
                    holder = row["holding_organisation_id"]
                    result.by_holder[holder] = figures | percentiles.get(holder, {})
            elif not row["g_requester"]:
                if row["raised"]:
                    result.by_requester[row["requesting_organisation_id"]] = row["raised"]
            elif row["raised_month"] is not None:
                result.raised_by_month[_month_date(row["raised_month"])] = row["raised"]
    result.decided_by_month = _decided_by_month(filters, clean=clean, params=params)
    return result


def _decided_by_month(filters: ReportFilter, *, clean: set[date], params: dict) -> dict[date, int]:
    """Requests decided in the period, by month decided. The months decided wholly in the period
    (`whole`) are counted from the roll-up for the requests raised in clean months (whenever
    raised) and live for those raised in any other month; the partial months at the ends are
    counted live for every request. The live parts read the index on `submitted_at` where the
    months not rolled are few, the one on `decided_at` for the ends."""
    tz = timezone.get_current_timezone()
    whole = rollup.covered_months(start=filters.start, end=filters.end, clean=set(_months(filters)))
    if not clean:
        whole = []
    whole_spans = rollup.spans(whole)
    not_rolled = rollup.minus(None, None, rollup.spans(sorted(clean)))
    months = _requests(filters).annotate(month=TruncMonth("decided_at", tzinfo=tz)).values("month")
    # Disjoint parts: the ends by the index on decided_at; the whole months, for the requests
    # raised in months not rolled, by the index on submitted_at (which holds decided_at too).
    parts = [months.filter(_in_spans("decided_at", [span])) for span in rollup.minus(filters.start, filters.end, whole_spans)]
    if whole:
        parts += [
            months.filter(raised, _in_spans("decided_at", whole_spans)) for raised in _not_rolled("submitted_at", not_rolled)
        ]
    counts: dict[date, int] = {}
    with connection.cursor() as cursor:
        if parts:
            live_sql, names = _union_all(parts)
            cursor.execute(DECIDED_LIVE_SQL.format(live=live_sql), names)
            counts = {_month_date(month): n for month, n in cursor.fetchall()}
        if whole:
            cursor.execute(
                DECIDED_ROLLUP_SQL.format(organisation=_rollup_organisation_sql(filters, "r")), {**params, "whole": whole}
            )
            for month, n in cursor.fetchall():
                counts[month] = counts.get(month, 0) + int(n)
    return {month: n for month, n in counts.items() if n}


def report_rollup_status(*, filters: ReportFilter) -> dict:
    """For the page: whether the roll-up answers these filters, and when it was last refreshed."""
    last = RollupRefresh.objects.order_by("-finished_at").values_list("finished_at", flat=True).first()
    return {"used": rollup_answers(filters) and last is not None, "refreshed_at": last}


def request_figures(*, filters: ReportFilter, cohort: Cohort | None = None) -> dict:
    """The requests raised in the period (the cohort pass), and those overdue now."""
    figures = dict((cohort or cohort_pass(filters=filters)).totals)
    figures["overdue_now"] = overdue_now(filters=filters)
    return figures


OVERDUE_ROLLUP_SQL = """
SELECT count(*) FROM oversight_turnaroundrollup t, unnest(t.open_needed_by) AS needed_by
WHERE t.partnership_id = %(partnership)s AND t.month = ANY(%(clean)s::date[]) AND needed_by < %(today)s {organisation}
"""


def overdue_now(*, filters: ReportFilter) -> int:
    """Open requests past their date needed today, whenever raised: those of clean months from
    the roll-up's sorted dates needed, the rest (and everything, under filters the roll-up does
    not hold) live."""
    today = timezone.localdate()
    overdue = _requests(filters).filter(status__in=OPEN_STATUSES, needed_by__lt=today)
    clean = rollup.clean_months() if rollup_answers(filters) else set()
    if not clean:
        return overdue.aggregate(n=Count("pk"))["n"]
    not_rolled = rollup.minus(None, None, rollup.spans(sorted(clean)))
    # count(*), not of the id: the index on submitted_at holds the status and date needed, not the id.
    n = sum(overdue.filter(raised).aggregate(n=Count("*"))["n"] for raised in _not_rolled("submitted_at", not_rolled))
    with connection.cursor() as cursor:
        cursor.execute(
            OVERDUE_ROLLUP_SQL.format(organisation=_rollup_organisation_sql(filters, "t")),
            {"partnership": filters.partnership_id, "clean": sorted(clean), "today": today, "organisation": filters.organisation_id},
        )
        n += cursor.fetchone()[0]
    return n

EVENT_ROLLUP_SQL = """
SELECT r.figure, sum(r.n) FROM oversight_eventrollup r
WHERE r.partnership_id = %(partnership)s AND r.month = ANY(%(clean)s::date[]) AND r.figure = ANY(%(figures)s) {whole} {organisation}
GROUP BY r.figure
"""


def _event_figures(
    filters: ReportFilter, *, base, event_field: str, aggregates: dict, rolled: dict[str, tuple[str, ...]], dated: bool = True
) -> dict:
    """Counts of `base` (a queryset of disputes, overrides or decisions, already under the
    reader's filters) with `event_field` in the period (or, `dated` false, whenever), each
    aggregate in `aggregates` adding up the event roll-up's `rolled[name]` figures. As for the
    requests decided by month: the event months wholly in the period come from the roll-up for
    the requests raised in clean months, and live for those raised in other months; the
    part-months at the ends are counted live for every request. Without the roll-up (filters it
    cannot answer, or never refreshed) one live query over the period, as before."""
    clean = rollup.clean_months() if rollup_answers(filters) else set()
    if not clean:
        return base.filter(_in_period(event_field, filters) if dated else Q()).aggregate(**aggregates)
    not_rolled = rollup.minus(None, None, rollup.spans(sorted(clean)))
    if dated:
        whole = rollup.covered_months(start=filters.start, end=filters.end, clean=set(_months(filters)))
        whole_spans = rollup.spans(whole)
        parts = [base.filter(_in_spans(event_field, [span])) for span in rollup.minus(filters.start, filters.end, whole_spans)]
        if whole:
            parts += [
                base.filter(raised, _in_spans(event_field, whole_spans))
                for raised in _not_rolled("request__submitted_at", not_rolled)
            ]
    else:
        whole = None
        parts = [base.filter(raised) for raised in _not_rolled("request__submitted_at", not_rolled)]
    figures = dict.fromkeys(aggregates, 0)
    for part in parts:
        for name, value in part.aggregate(**aggregates).items():
            figures[name] += value or 0
    if whole is None or whole:
        codes = sorted({code for codes in rolled.values() for code in codes})
        sql = EVENT_ROLLUP_SQL.format(
            whole="" if whole is None else "AND r.event_month = ANY(%(whole)s::date[])",
            organisation=_rollup_organisation_sql(filters, "r"),
        )
        params = {
            "partnership": filters.partnership_id, "clean": sorted(clean), "figures": codes, "whole": whole or [],
            "organisation": filters.organisation_id,
        }
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            counts = {figure: int(n) for figure, n in cursor.fetchall()}
        for name, codes in rolled.items():
            figures[name] += sum(counts.get(code, 0) for code in codes)
    return figures


def dispute_figures(*, filters: ReportFilter) -> dict:
    return _event_figures(
        filters,
        base=Dispute.objects.filter(request_q(filters, "request__")),
        event_field="raised_at",
        aggregates={
            "raised": Count("pk"),
            "open": Count("pk", filter=Q(status=DisputeStatus.OPEN)),
            "upheld": Count("pk", filter=Q(status=DisputeStatus.UPHELD)),
            "overturned": Count("pk", filter=Q(status=DisputeStatus.OVERTURNED)),
        },
        rolled={
            "raised": tuple(f"dispute:{status}" for status in DisputeStatus.values),
            "open": (f"dispute:{DisputeStatus.OPEN}",),
            "upheld": (f"dispute:{DisputeStatus.UPHELD}",),
            "overturned": (f"dispute:{DisputeStatus.OVERTURNED}",),
        },
    )


def onward_figures(*, filters: ReportFilter) -> dict:
    return OnwardRequest.objects.filter(request_q(filters, "request__"), _in_period("requested_at", filters)).aggregate(
        requested=Count("pk"),
        pending=Count("pk", filter=Q(status=OnwardStatus.PENDING)),
        approved=Count("pk", filter=Q(status__in=(OnwardStatus.APPROVED, OnwardStatus.SHARED))),
        shared=Count("pk", filter=Q(status=OnwardStatus.SHARED)),
        declined=Count("pk", filter=Q(status=OnwardStatus.DECLINED)),
    )


def basis_figures(*, filters: ReportFilter) -> dict:
    """SSP 6: what the releases decided in the period relied on, and the overrides decided."""
    # `IN (SELECT …)`, not a correlated EXISTS: PostgreSQL hashes the subquery once instead of
    # probing an index for each of a year's releases (325,000 probes: 0.63 s at 1M requests).
    on_consent = Q(pk__in=ConsentReliance.objects.values("decision_id"))
    on_override = Q(
        request_id__in=PublicInterestOverride.objects.filter(status=OverrideStatus.APPROVED).values("request_id")
    )
    figures = _event_figures(
        filters,
        base=Decision.objects.filter(
            request_q(filters, "request__", own_pack=True),
            is_current=True,
            outcome__in=(Outcome.RELEASED, Outcome.PARTLY_RELEASED),
        ),
        event_field="decided_at",
        aggregates={
            "releases": Count("pk"),
            "on_consent": Count("pk", filter=on_consent),
            "on_override": Count("pk", filter=on_override),
        },
        rolled={"releases": ("release",), "on_consent": ("release:consent",), "on_override": ("release:override",)},
    )
    overrides = PublicInterestOverride.objects.filter(request_q(filters, "request__"))
    figures.update(
        _event_figures(
            filters,
            base=overrides,
            event_field="decided_at",
            aggregates={
                "overrides_approved": Count("pk", filter=Q(status=OverrideStatus.APPROVED)),
                "overrides_refused": Count("pk", filter=Q(status=OverrideStatus.REJECTED)),
            },
            rolled={
                "overrides_approved": (f"override:{OverrideStatus.APPROVED}",),
                "overrides_refused": (f"override:{OverrideStatus.REJECTED}",),
            },
        )
    )
    figures.update(
        _event_figures(
            filters,
            base=overrides.filter(status=OverrideStatus.PROPOSED),
            event_field="decided_at",
            aggregates={"overrides_waiting": Count("pk")},
            rolled={"overrides_waiting": (f"override:{OverrideStatus.PROPOSED}",)},
            dated=False,
        )
    )
    figures["sub_judice_consultations"] = SubJudiceConsultation.objects.filter(
        request_q(filters, "request__"), _in_period("consulted_at", filters)
    ).aggregate(n=Count("pk"))["n"]
    return figures


def _months(filters: ReportFilter) -> list[date]:
    start = timezone.localtime(filters.start).date().replace(day=1)
    last = timezone.localtime(filters.end - timedelta(microseconds=1)).date()
    months = []
    while start <= last:
        months.append(start)
        start = (start + timedelta(days=32)).replace(day=1)
    return months


def trend_figures(*, filters: ReportFilter, cohort: Cohort | None = None) -> list[tuple[date, int, int]]:
    """(month, raised, decided) for each month of the period, in UK time."""
    cohort = cohort or cohort_pass(filters=filters)
    return [
        (month, cohort.raised_by_month.get(month, 0), cohort.decided_by_month.get(month, 0)) for month in _months(filters)
    ]


def organisation_figures(*, filters: ReportFilter, cohort: Cohort | None = None) -> list[dict]:
    """Per organisation of the partnership: requests it raised, and those it received and how it
    decided them, over the requests raised in the period (the organisation filter narrows the
    other side: "received from X" when X is the requester, and so on)."""
    cohort = cohort or cohort_pass(filters=filters)
    names = dict(
        Organisation.objects.filter(
            pk__in=PartnershipMember.objects.filter(partnership_id=filters.partnership_id).values("organisation")
        ).values_list("pk", "name")
    )
    rows = []
    for pk in sorted(set(cohort.by_holder) | set(cohort.by_requester), key=lambda pk: names.get(pk, "")):
        held = cohort.by_holder.get(pk, {})
        rows.append(
            {
                "organisation_id": pk,
                "name": names.get(pk, "Organisation no longer in the partnership"),
                "raised": cohort.by_requester.get(pk, 0),
                "received": held.get("raised", 0),
                "released": held.get("released", 0),
                "partly_released": held.get("partly_released", 0),
                "declined": held.get("declined", 0),
                "decided": held.get("decided", 0),
                "median_days": held.get("median_days"),
            }
        )
    return rows


# Retention and meetings
# ---------------------------------------------------------------------------------------------


def _partnership_holders(filters: ReportFilter):
    if filters.organisation_id:
        return Organisation.objects.filter(
            pk=filters.organisation_id, partnership_places__partnership_id=filters.partnership_id
        ).values("pk")
    return PartnershipMember.objects.filter(partnership_id=filters.partnership_id).values("organisation")


def retention_figures(*, filters: ReportFilter) -> dict:
    holders = _partnership_holders(filters)
    figures = HeldCopy.objects.filter(holder__in=holders).aggregate(
        due=Count(
            "pk",
            filter=Q(destroyed_at__isnull=True, review_date__gte=timezone.localtime(filters.start).date())
            & Q(review_date__lt=timezone.localtime(filters.end).date()),
        ),
        destroyed=Count("pk", filter=_in_period("destroyed_at", filters)),
    )
    figures["extended"] = RetentionExtension.objects.filter(
        copy__holder__in=holders, extended_at__gte=filters.start, extended_at__lt=filters.end
    ).aggregate(n=Count("pk"))["n"]
    figures["on_hold"] = LegalHold.objects.filter(organisation__in=holders, lifted_at__isnull=True).aggregate(
        n=Count("pk")
    )["n"]
    return figures


def _meetings(filters: ReportFilter, prefix: str = ""):
    p = prefix
    q = Q(**{f"{p}protocol_pack__partnership_id": filters.partnership_id}) & Q(
        **{f"{p}starts_at__gte": filters.start, f"{p}starts_at__lt": filters.end}
    )
    if filters.forum_code:
        q &= Q(**{f"{p}forum__code": filters.forum_code})
    if filters.organisation_id:
        meeting_ref = OuterRef(f"{p}pk") if p else OuterRef("pk")
        q &= Q(Exists(Attendee.objects.filter(meeting=meeting_ref, organisation_id=filters.organisation_id)))
    return q


def meeting_figures(*, filters: ReportFilter) -> list[dict]:
    """Per forum: meetings starting in the period, closed, attendees invited and signed in, papers destroyed."""
    forums: dict[str, dict] = {}

    def row(code, name):
        return forums.setdefault(
            code, {"code": code, "name": name, "meetings": 0, "closed": 0, "invited": 0, "signed": 0, "papers_destroyed": 0}
        )

    for item in (
        Meeting.objects.filter(_meetings(filters))
        .values("forum__code")
        .annotate(name=Max("forum__name"), meetings=Count("pk"), closed=Count("pk", filter=Q(status="closed")))
    ):
        entry = row(item["forum__code"], item["name"])
        entry.update(meetings=item["meetings"], closed=item["closed"])
    for item in (
        Attendee.objects.filter(_meetings(filters, "meeting__"))
        .values("meeting__forum__code")
        .annotate(name=Max("meeting__forum__name"), invited=Count("pk"), signed=Count("pk", filter=Q(signed_at__isnull=False)))
    ):
        entry = row(item["meeting__forum__code"], item["name"])
        entry.update(invited=item["invited"], signed=item["signed"])
    for item in (
        Paper.objects.filter(_meetings(filters, "meeting__"), destroyed_at__isnull=False)
        .values("meeting__forum__code")
        .annotate(name=Max("meeting__forum__name"), n=Count("pk"))
    ):
        row(item["meeting__forum__code"], item["name"])["papers_destroyed"] = item["n"]
    return sorted(forums.values(), key=lambda entry: entry["name"])


# ---------------------------------------------------------------------------------------------
# The tables the report shows (and exports)
# ---------------------------------------------------------------------------------------------


def _counts(*values) -> list[Cell]:
    return [Cell(value) for value in values]


def request_tables(*, filters: ReportFilter) -> list[ReportTable]:
    """The sharing sections: volumes, turnaround, disputes and onward requests, the basis of releases."""
    orgs = _organisation_ids(filters)
    cohort = cohort_pass(filters=filters)
    r = request_figures(filters=filters, cohort=cohort)
    d = dispute_figures(filters=filters)
    o = onward_figures(filters=filters)
    b = basis_figures(filters=filters)
    volumes = ReportTable(
        key="volumes",
        title="Requests raised and where they stand",
        label_header="Requests",
        columns=["Number"],
        rows=[
            ReportRow(label, [Cell(r[key])], orgs)
            for label, key in (
                ("Raised in the period", "raised"),
                ("Released in full", "released"),
                ("Released in part", "partly_released"),
                ("Declined", "declined"),
                ("Withdrawn", "withdrawn"),
                ("Under dispute", "disputed"),
                ("Still open", "still_open"),
                ("Flagged sub judice (SSP 5.6)", "sub_judice_flagged"),
                ("Overdue now (open, past the date needed)", "overdue_now"),
            )
        ],
        note="Of the requests raised in the period, where each stands today. Overdue counts every open request, whenever raised.",
    )
    turnaround = ReportTable(
        key="turnaround",
        title="Turnaround: submitted to decided",
        label_header="Measure",
        columns=["Value"],
        rows=[
            ReportRow("Requests decided", [Cell(r["decided"])], orgs),
            ReportRow("Median (days)", [_days(r["median_days"], r["decided"])], orgs),
            ReportRow("90th percentile (days)", [_days(r["p90_days"], r["decided"])], orgs),
            ReportRow(
                "Decided by the date needed",
                [_share(r["decided_by_needed_by"], r["decided_with_needed_by"])],
                orgs,
            ),
        ],
    )
    disputes = ReportTable(
        key="disputes-onward",
        title="Disputes and onward-disclosure requests",
        label_header="",
        columns=["Number"],
        rows=[
            ReportRow("Disputes raised (SSP 9.2)", [Cell(d["raised"])], orgs),
            ReportRow("Disputes open", [Cell(d["open"])], orgs),
            ReportRow("Disputes: decision upheld", [Cell(d["upheld"])], orgs),
            ReportRow("Disputes: decision overturned", [Cell(d["overturned"])], orgs),
            ReportRow("Onward disclosure requested", [Cell(o["requested"])], orgs),
            ReportRow("Onward: waiting for the originator", [Cell(o["pending"])], orgs),
            ReportRow("Onward: approved", [Cell(o["approved"])], orgs),
            ReportRow("Onward: shared", [Cell(o["shared"])], orgs),
            ReportRow("Onward: declined", [Cell(o["declined"])], orgs),
        ],
    )
    basis = ReportTable(
        key="basis",
        title="Consent and the public interest (SSP 6)",
        label_header="",
        columns=["Number", "Share of releases"],
        rows=[
            ReportRow("Releases decided in the period", [Cell(b["releases"]), Cell(None, "percent")], orgs),
            ReportRow("Relying on consent", [Cell(b["on_consent"]), _share(b["on_consent"], b["releases"])], orgs),
            ReportRow(
                "In the public interest (approved override)",
                [Cell(b["on_override"]), _share(b["on_override"], b["releases"])],
                orgs,
            ),
            ReportRow("Overrides approved", [Cell(b["overrides_approved"]), Cell(None, "percent")], orgs),
            ReportRow("Overrides refused", [Cell(b["overrides_refused"]), Cell(None, "percent")], orgs),
            ReportRow("Overrides waiting for a decision now", [Cell(b["overrides_waiting"]), Cell(None, "percent")], orgs),
            ReportRow("Sub judice consultations held", [Cell(b["sub_judice_consultations"]), Cell(None, "percent")], orgs),
        ],
    )
    trend = ReportTable(
        key="trend",
        title="Requests raised and decided each month",
        label_header="Month",
        columns=["Raised", "Decided"],
        rows=[ReportRow(month.strftime("%b %Y"), _counts(raised, decided), orgs) for month, raised, decided in trend_figures(filters=filters, cohort=cohort)],
        chart="trend",
        chart_columns=[0, 1],
    )
    comparison = ReportTable(
        key="organisations",
        title="Requests by organisation",
        label_header="Organisation",
        columns=["Raised", "Received", "Released in full", "Released in part", "Declined", "Median days to decide"],
        rows=[
            ReportRow(
                row["name"],
                [
                    *_counts(row["raised"], row["received"], row["released"], row["partly_released"], row["declined"]),
                    _days(row["median_days"], row["decided"]),
                ],
                frozenset({row["organisation_id"]}),
            )
            for row in organisation_figures(filters=filters, cohort=cohort)
        ],
        note="Raised: requests the organisation sent; received: requests sent to it, and how it decided them.",
        chart="comparison",
        chart_columns=[1, 2, 3, 4],
    )
    return [volumes, trend, turnaround, comparison, disputes, basis]


def retention_tables(*, filters: ReportFilter) -> list[ReportTable]:
    f = retention_figures(filters=filters)
    orgs = _organisation_ids(filters)
    return [
        ReportTable(
            key="retention",
            title="Retention and destruction (SSP 8.4, 14)",
            label_header="Copies",
            columns=["Number"],
            rows=[
                ReportRow("Due for review in the period, not destroyed", [Cell(f["due"])], orgs),
                ReportRow("Retention extended in the period", [Cell(f["extended"])], orgs),
                ReportRow("Destroyed in the period", [Cell(f["destroyed"])], orgs),
                ReportRow("Legal holds in force now", [Cell(f["on_hold"])], orgs),
            ],
            note="Copies held by the partnership's organisations (or the one chosen); the forum, purpose, gateway and marking filters do not apply.",
        )
    ]


def meeting_tables(*, filters: ReportFilter) -> list[ReportTable]:
    orgs = _organisation_ids(filters)
    return [
        ReportTable(
            key="meetings",
            title="Meetings by forum",
            label_header="Forum",
            columns=["Meetings", "Closed", "Invited", "Signed in", "Papers destroyed"],
            rows=[
                ReportRow(
                    row["name"],
                    _counts(row["meetings"], row["closed"], row["invited"], row["signed"], row["papers_destroyed"]),
                    orgs,
                )
                for row in meeting_figures(filters=filters)
            ],
            note="Meetings starting in the period; with an organisation chosen, those it was invited to.",
        )
    ]


def report_period_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[first 00:00, day after last 00:00) in UK time, as aware datetimes."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(first, datetime.min.time()), tz)
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), datetime.min.time()), tz)
    return start, end


# ---------------------------------------------------------------------------------------------
# Protocol versions proposed in the browser (SSP 17, SDP 13)
# ---------------------------------------------------------------------------------------------


def access_proposed_version(*, partnership_ids, pk: int):
    """A proposal of one of the reader's partnerships; 404 alike for missing and not-theirs."""
    proposal = ProposedVersion.objects.filter(pk=pk, partnership_id__in=list(partnership_ids)).select_related("base_pack").first()
    if proposal is None:
        raise Http404("No such proposed version")
    return proposal


def proposed_versions(*, partnership_id: int):
    return ProposedVersion.objects.filter(partnership_id=partnership_id).select_related("uploaded_by", "pack")


def approving_organisations(*, proposal) -> list[Organisation]:
    """Who must approve (SSP 17): the signatory organisations of the partnership, for the rule
    `designated_officers_of_every_signatory`; nobody by organisation for `board`."""
    if proposal.approval_rule == "board":
        return []
    return list(
        Organisation.objects.filter(
            partnership_places__partnership_id=proposal.partnership_id, partnership_places__signed_protocol_on__isnull=False
        ).order_by("name")
    )


def drafts_raised_under(*, pack) -> list[tuple[int, str, int]]:
    """(id, reference, requester id) of the drafts raised under `pack`: told when a new version
    comes into force. References and ids only: the notification names nobody."""
    return list(DisclosureRequest.objects.filter(protocol_pack=pack, status=Status.DRAFT).values_list("pk", "reference", "requester_id"))


def review_lessons(*, pack) -> list[dict]:
    """SDP 8, SSP 17: the lessons learnt that breach reports marked as an input to the next review
    of the protocol, for the review of `pack` (the version in force): those of breaches in its
    partnership reported since it took effect, oldest first. The reference, the organisation, when
    it was discovered and the lessons note (written for the review: no personal data); nothing of
    what happened."""
    from governance.models import Breach

    if pack is None:
        return []
    return list(
        Breach.objects.filter(partnership_id=pack.partnership_id, lessons_learnt=True, reported_at__date__gte=pack.effective_date)
        .order_by("reported_at", "pk")
        .values("reference", "occurred_organisation__name", "discovered_at", "lessons_note")[:200]
    )


# ---------------------------------------------------------------------------------------------
# The signatory register (SDP 4.5, Appendix 2; SSP Signatories, 9, 10.2)
# ---------------------------------------------------------------------------------------------

ICO_NUMBER = re.compile(r"^(?:Z\d{7}|ZA\d{6})$")


def ico_number_valid(number: str) -> bool:
    """An ICO registration number: Z and 7 digits, or ZA and 6."""
    return bool(ICO_NUMBER.match((number or "").strip().upper()))


def unsigned_blocks_sharing(pack) -> bool:
    """Whether the pack says an organisation the register flags may not share (`review.unsigned_blocks_sharing`)."""
    return bool(pack is not None and ((pack.data or {}).get("review") or {}).get("unsigned_blocks_sharing"))


def signatory_gaps(*, partnership_id: int, organisation_ids=None):
    """(pack in force, [(place, designated officers' names, DPOs' names, what is missing)]) for the member
    organisations of the partnership (or those of `organisation_ids`): no signature for the
    version in force, no designated officer, an ICO number missing or malformed. Four queries,
    whatever the number of organisations."""
    from portal.models import Membership, ProtocolPack
    from portal.roles import Role

    pack = ProtocolPack.objects.filter(partnership_id=partnership_id, is_current=True).first()
    places = PartnershipMember.objects.filter(partnership_id=partnership_id).select_related("organisation").order_by("organisation__name")
    if organisation_ids is not None:
        places = places.filter(organisation_id__in=list(organisation_ids))
    places = list(places)
    place_orgs = [place.organisation_id for place in places]
    signed_orgs = set(ProtocolSignature.objects.filter(pack=pack, organisation_id__in=place_orgs).values_list("organisation_id", flat=True)) if pack else set()
    officers: dict[int, list[str]] = {}
    dpos: dict[int, list[str]] = {}
    for organisation_id, role, first, last, username in (
        Membership.objects.active()
        .filter(role__in=[Role.DESIGNATED_OFFICER, Role.DPO], organisation_id__in=place_orgs)
        .filter(Q(partnership__isnull=True) | Q(partnership_id=partnership_id))
        .values_list("organisation_id", "role", "user__first_name", "user__last_name", "user__username")
    ):
        names = officers if role == Role.DESIGNATED_OFFICER else dpos
        names.setdefault(organisation_id, []).append(f"{first} {last}".strip() or username)
    result = []
    for place in places:
        org = place.organisation
        flags = []
        if org.pk not in signed_orgs and (place.signed_protocol_on is None or (pack and place.signed_protocol_on < pack.effective_date)):
            flags.append(f"No signature for version {pack.version}" if pack else "Not signed")
        if not officers.get(org.pk):
            flags.append("No designated officer")
        if not org.ico_registration:
            flags.append("No ICO registration number")
        elif not ico_number_valid(org.ico_registration):
            flags.append("ICO registration number malformed (Z + 7 digits, or ZA + 6)")
        result.append((place, sorted(officers.get(org.pk, [])), sorted(dpos.get(org.pk, [])), flags))
    return pack, result


def signatory_sharing_blocks(*, partnership_id: int, organisation_ids) -> dict[int, list[str]]:
    """The register as a condition on sharing (registered with portal.sharing_conditions): where the
    pack in force says so, each flagged organisation is blocked, with what it is missing."""
    from portal.models import ProtocolPack

    pack = ProtocolPack.objects.filter(partnership_id=partnership_id, is_current=True).only("data").first()
    if not unsigned_blocks_sharing(pack):
        return {}
    _, gaps = signatory_gaps(partnership_id=partnership_id, organisation_ids=organisation_ids)
    return {place.organisation_id: flags for place, _, _, flags in gaps if flags}


def signatory_register(*, partnership_id: int) -> list[dict]:
    """One row per member organisation: its signatory in the pack in force (name and title), the
    date it signed, its designated officers, its ICO registration number, what is missing, and
    whether that blocks its sharing (where the pack says so)."""
    pack, gaps = signatory_gaps(partnership_id=partnership_id)
    blocks = unsigned_blocks_sharing(pack)
    signatories = {p.get("name"): p.get("signatory") or {} for p in ((pack.data or {}).get("partners") or [])} if pack else {}
    rows = []
    for place, officers, dpos, flags in gaps:
        org = place.organisation
        signatory = signatories.get(org.name, {})
        rows.append(
            {
                "organisation": org,
                "signatory_name": signatory.get("name", ""),
                "signatory_title": signatory.get("role", ""),
                "signed_on": place.signed_protocol_on,
                "designated_officers": officers,
                "dpos": dpos,
                "ico_registration": org.ico_registration,
                "flags": flags,
                "blocked": blocks and bool(flags),
            }
        )
    return rows
