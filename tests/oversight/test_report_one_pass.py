"""The one-pass report (GROUPING SETS: `oversight.selectors.cohort_pass`) gives exactly what the
separate per-figure aggregates give (the report's earlier queries, kept here as the reference),
over the known data, under every filter, and again after new requests and decisions."""
from datetime import timedelta

import pytest
from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from oversight.selectors import (
    OPEN_STATUSES,
    DaysBetween,
    PercentileCont,
    _requests,
    cohort_pass,
    organisation_figures,
    report_period_bounds,
    request_figures,
    trend_figures,
)
from portal.reports import ReportFilter
from sharing.models import Status
from tests.sharing.factories import DisclosureRequestFactory, decision_make

pytestmark = pytest.mark.django_db


def reference_totals(filters):
    decided = Q(decided_at__isnull=False)
    turnaround = DaysBetween(F("decided_at"), F("submitted_at"))
    cohort = _requests(filters).filter(submitted_at__gte=filters.start, submitted_at__lt=filters.end)
    return cohort.aggregate(
        raised=Count("pk"),
        released=Count("pk", filter=Q(status=Status.RELEASED)),
        partly_released=Count("pk", filter=Q(status=Status.PARTLY_RELEASED)),
        declined=Count("pk", filter=Q(status=Status.DECLINED)),
        withdrawn=Count("pk", filter=Q(status=Status.WITHDRAWN)),
        disputed=Count("pk", filter=Q(status=Status.DISPUTED)),
        still_open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        decided=Count("pk", filter=decided),
        median_days=PercentileCont(turnaround, fraction=0.5, filter=decided),
        p90_days=PercentileCont(turnaround, fraction=0.9, filter=decided),
        decided_with_needed_by=Count("pk", filter=decided & Q(needed_by__isnull=False)),
        decided_by_needed_by=Count("pk", filter=decided & Q(needed_by__isnull=False) & Q(decided_at__date__lte=F("needed_by"))),
        sub_judice_flagged=Count("pk", filter=Q(sub_judice=True)),
    )


def reference_by_holder(filters):
    cohort = _requests(filters).filter(submitted_at__gte=filters.start, submitted_at__lt=filters.end)
    decided = Q(decided_at__isnull=False)
    return {
        row.pop("holding_organisation_id"): row
        for row in cohort.values("holding_organisation_id").annotate(
            received=Count("pk"),
            released=Count("pk", filter=Q(status=Status.RELEASED)),
            declined=Count("pk", filter=Q(status=Status.DECLINED)),
            decided=Count("pk", filter=decided),
            median_days=PercentileCont(DaysBetween(F("decided_at"), F("submitted_at")), fraction=0.5, filter=decided),
        )
    }


def reference_trend(filters):
    tz = timezone.get_current_timezone()

    def by_month(field):
        rows = (
            _requests(filters)
            .filter(**{f"{field}__gte": filters.start, f"{field}__lt": filters.end})
            .annotate(month=TruncMonth(field, tzinfo=tz))
            .values("month")
            .annotate(n=Count("pk"))
            .values_list("month", "n")
        )
        return {timezone.localtime(month).date(): n for month, n in rows}

    return by_month("submitted_at"), by_month("decided_at")


def assert_same(filters):
    ours = request_figures(filters=filters)
    theirs = reference_totals(filters)
    for key, value in theirs.items():
        assert ours[key] == pytest.approx(value) if isinstance(value, float) else ours[key] == value, key
    organisations = {row["organisation_id"]: row for row in organisation_figures(filters=filters)}
    for holder, row in reference_by_holder(filters).items():
        mine = organisations[holder]
        assert (mine["received"], mine["released"], mine["declined"], mine["decided"]) == (
            row["received"], row["released"], row["declined"], row["decided"]
        )
        assert mine["median_days"] == pytest.approx(row["median_days"])
    raised, decided = reference_trend(filters)
    trend = {month: (r, d) for month, r, d in trend_figures(filters=filters)}
    assert {m: r for m, (r, _) in trend.items() if r} == raised
    assert {m: d for m, (_, d) in trend.items() if d} == decided
    return ours


def filter_variants(known):
    start, end = report_period_bounds(timezone.localdate() - timedelta(days=364), timezone.localdate())
    two_years = report_period_bounds(timezone.localdate() - timedelta(days=800), timezone.localdate())
    base = {"partnership_id": known.pack.partnership_id, "start": start, "end": end}
    purpose = known.requests["r1"].purpose.code
    return [
        ReportFilter(**base),
        ReportFilter(**{**base, "start": two_years[0]}),
        ReportFilter(**base, organisation_id=known.police.pk, organisation_as="requester"),
        ReportFilter(**base, organisation_id=known.council.pk, organisation_as="holder"),
        ReportFilter(**base, organisation_id=known.council.pk),
        ReportFilter(**base, purpose_code=purpose),
        ReportFilter(**base, marking_code="restricted"),
        ReportFilter(**base, forum_code="marac"),
    ]


def test_one_pass_equals_the_separate_queries_under_every_filter(known):
    results = [assert_same(filters) for filters in filter_variants(known)]
    assert results[0]["raised"] == 7 and results[1]["raised"] == 8  # the known data, and the two-year range


def test_one_pass_follows_new_requests_and_decisions(known):
    filters = filter_variants(known)[0]
    before = assert_same(filters)
    # r6 (in review) is decided today: one more decided, released in part; and a new request from the council.
    r6 = known.requests["r6"]
    decision_make(r6, outcome="partly_released", items=1, decided_by=known.responder.user)
    type(r6).objects.filter(pk=r6.pk).update(status=Status.PARTLY_RELEASED, decided_at=timezone.now())
    DisclosureRequestFactory(
        reference="DR-K-new", requester=known.responder.user, requesting_organisation=known.council,
        holding_organisation=known.police, status=Status.SUBMITTED, submitted_at=timezone.now(),
    )
    after = assert_same(filters)
    assert (after["raised"], after["decided"], after["partly_released"], after["still_open"]) == (
        before["raised"] + 1, before["decided"] + 1, before["partly_released"] + 1, before["still_open"]
    )
    assert cohort_pass(filters=filters).by_requester[known.council.pk] == 1
