"""The monitoring report's monthly roll-up (issue 12; oversight/rollup.py): the figures it gives
are exactly the live pass's under every filter, over the known data and requests spread over a
year; a request written in a month already rolled (a late decision, a withdrawal, a deletion)
marks the month dirty and the report stays right until, and after, the next refresh; the
hourly beat job refreshes it on a real worker; the page says when it was refreshed."""
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from oversight import rollup
from oversight.models import EventRollup, RequestRollup, RollupMonth, RollupRefresh, TurnaroundRollup
from oversight.selectors import basis_figures, cohort_pass, dispute_figures, overdue_now, report_period_bounds
from oversight.services import report_rollup_refresh
from portal.models import LawfulBasisCategory
from portal.reports import ReportFilter
from sharing.models import Decision, DisclosureRequest, Dispute, OverrideStatus, PublicInterestOverride, Status
from tests.oversight.test_report_one_pass import filter_variants
from tests.sharing.factories import DisclosureRequestFactory, decision_make
from tests.workers import celery_worker_process  # noqa: F401  (fixture)

STATUSES = [Status.RELEASED, Status.PARTLY_RELEASED, Status.DECLINED, Status.DISPUTED, Status.WITHDRAWN,
            Status.IN_REVIEW, Status.RELEASED, Status.SUBMITTED]


@pytest.fixture
def spread(known):
    """Known data plus 40 requests, one every 9 days back from today over the year and beyond,
    both ways between police and council, decided 0.5 to 20 days after (some across a month's
    end, some this month), some flagged sub judice, some with no date needed."""
    now = timezone.now()
    art6 = known.pack.lawful_bases.filter(category=LawfulBasisCategory.ART6).first()
    for n in range(40):
        raised = now - timedelta(days=9 * n, hours=n)
        status = STATUSES[n % len(STATUSES)]
        decided = status in (Status.RELEASED, Status.PARTLY_RELEASED, Status.DECLINED, Status.DISPUTED)
        decided_at = raised + timedelta(days=0.5 + (n * 7) % 20) if decided else None
        if decided_at and decided_at > now:
            decided_at = now - timedelta(minutes=n)
        ours, theirs = (known.police, known.council) if n % 3 else (known.council, known.police)
        DisclosureRequestFactory(
            reference=f"DR-S-{n}", requester=known.requester.user, requesting_organisation=ours,
            holding_organisation=theirs, status=status, submitted_at=raised, decided_at=decided_at,
            needed_by=None if n % 5 == 0 else timezone.localtime(raised).date() + timedelta(days=n % 12),
            sub_judice=n % 4 == 0, with_subject=False,
        )
        request = DisclosureRequest.objects.get(reference=f"DR-S-{n}")
        if decided:
            outcome = "declined" if status == Status.DISPUTED else status
            decision = decision_make(request, outcome=outcome, items=1, decided_by=known.responder.user)
            Decision.objects.filter(pk=decision.pk).update(decided_at=decided_at)
            if status in (Status.DISPUTED, Status.DECLINED) or n % 6 == 0:  # disputes raised a few days after
                dispute = Dispute.objects.create(
                    request=request, decision=decision, raised_by=known.requester.user, grounds="Needed.",
                    status=("open", "upheld", "overturned")[n % 3],
                )
                Dispute.objects.filter(pk=dispute.pk).update(raised_at=min(decided_at + timedelta(days=3), now))
        if n % 3 == 1:  # overrides: approved, refused, or waiting
            override_status = (OverrideStatus.APPROVED, OverrideStatus.REJECTED, OverrideStatus.PROPOSED)[n % 9 // 3]
            PublicInterestOverride.objects.create(
                request=request, consent_position="not_sought", not_sought_reason="risk", art6_condition=art6,
                proportionality="Only the dates.", risk_of_not_sharing="Harm.", alternatives_considered="None.",
                proposed_by=known.responder.user, status=override_status,
                decided_by=None if override_status == OverrideStatus.PROPOSED else known.do_council.user,
                decided_at=None if override_status == OverrideStatus.PROPOSED else raised + timedelta(days=n % 7),
            )
    return known


@pytest.fixture
def live(monkeypatch):
    """Counts the live pass throughout, as for a filter the roll-up does not hold: `live(f, filters)`."""

    def counted_live(function, filters):
        with monkeypatch.context() as patch:
            patch.setattr(rollup, "clean_months", set)
            return function(filters=filters)

    return counted_live


def assert_rollup_equals_live(filters):
    ours, live = cohort_pass(filters=filters), cohort_pass(filters=filters, use_rollup=False)
    assert ours.totals == pytest.approx(live.totals)
    assert ours.by_holder.keys() == live.by_holder.keys()
    for holder, figures in live.by_holder.items():
        assert ours.by_holder[holder] == pytest.approx(figures), holder
    assert ours.by_requester == live.by_requester
    assert ours.raised_by_month == live.raised_by_month
    assert ours.decided_by_month == live.decided_by_month
    return ours


def assert_events_equal_live(filters, live):
    for function in (dispute_figures, basis_figures, overdue_now):
        assert function(filters=filters) == live(function, filters), function.__name__


def all_filters(known):
    variants = filter_variants(known)
    today = timezone.localdate()
    # Custom ranges: on month boundaries, across them, and one month alone.
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    for start, end in (
        (first.replace(year=first.year - 1), first - timedelta(days=1)),
        (today - timedelta(days=200), today - timedelta(days=45)),
        (first, today),
    ):
        bounds = report_period_bounds(start, end)
        variants.append(ReportFilter(partnership_id=known.pack.partnership_id, start=bounds[0], end=bounds[1]))
    return variants


def test_the_rollup_gives_exactly_the_live_figures_under_every_filter(spread, live):
    assert report_rollup_refresh() > 10  # every closed month since the request two years ago
    assert RequestRollup.objects.exists() and TurnaroundRollup.objects.exists()
    assert {"dispute:open", "dispute:upheld", "override:approved", "override:rejected", "override:proposed", "release"} <= set(
        EventRollup.objects.values_list("figure", flat=True)
    )
    results = [assert_rollup_equals_live(filters) for filters in all_filters(spread)]
    for filters in all_filters(spread):
        assert_events_equal_live(filters, live)
    assert dispute_figures(filters=filter_variants(spread)[0])["raised"] > 3
    assert overdue_now(filters=filter_variants(spread)[0]) > 3  # r6 and the open ones of the spread
    assert results[0].totals["raised"] > 7
    assert report_rollup_refresh() == 0  # nothing written since: nothing to roll again


def test_the_report_reads_the_closed_months_from_the_rollup(spread):
    filters = filter_variants(spread)[0]
    live = cohort_pass(filters=filters, use_rollup=False).totals
    report_rollup_refresh()
    # Were the roll-up's counts not read, this would not move the report.
    RequestRollup.objects.update(raised=F("raised") + 100)
    inflated = cohort_pass(filters=filters).totals["raised"]
    assert inflated > live["raised"] + 100 and inflated % 100 == live["raised"] % 100
    # A filter the roll-up does not hold is counted live throughout.
    purpose = ReportFilter(**{**filters.__dict__, "purpose_code": spread.requests["r1"].purpose.code})
    assert cohort_pass(filters=purpose).totals == pytest.approx(cohort_pass(filters=purpose, use_rollup=False).totals)


def test_writes_to_a_rolled_month_keep_the_report_right(spread, live):
    filters = filter_variants(spread)[0]
    report_rollup_refresh()
    r6 = spread.requests["r6"]  # raised 40 days ago, in review: its month is rolled and clean
    month = rollup.month_of(r6.submitted_at)
    assert RollupMonth.objects.get(month=month).dirty is False
    before = assert_rollup_equals_live(filters).totals
    # A late decision in the old month (the service saves the request; a bulk update is the same to the trigger).
    DisclosureRequest.objects.filter(pk=r6.pk).update(status=Status.RELEASED, decided_at=timezone.now())
    assert RollupMonth.objects.get(month=month).dirty is True
    after = assert_rollup_equals_live(filters).totals
    assert (after["released"], after["decided"], after["still_open"]) == (
        before["released"] + 1, before["decided"] + 1, before["still_open"] - 1
    )
    # A withdrawal and a deletion (retention destroying a request) in other rolled months.
    old_ones = DisclosureRequest.objects.filter(reference__startswith="DR-S-", submitted_at__lt=timezone.now() - timedelta(days=70))
    withdrawn, destroyed = old_ones.filter(status=Status.SUBMITTED)[0], old_ones.filter(status=Status.RELEASED)[0]
    DisclosureRequest.objects.filter(pk=withdrawn.pk).update(status=Status.WITHDRAWN)
    DisclosureRequest.objects.filter(pk=destroyed.pk).delete()
    assert set(RollupMonth.objects.filter(dirty=True).values_list("month", flat=True)) >= {
        month, rollup.month_of(withdrawn.submitted_at), rollup.month_of(destroyed.submitted_at)
    }
    for variant in all_filters(spread):
        assert_rollup_equals_live(variant)
        assert_events_equal_live(variant, live)
    # The refresh rolls exactly the months written, and the figures stay the live ones.
    assert report_rollup_refresh() == len({month, rollup.month_of(withdrawn.submitted_at), rollup.month_of(destroyed.submitted_at)})
    assert not RollupMonth.objects.filter(dirty=True).exists()
    for variant in all_filters(spread):
        assert_rollup_equals_live(variant)
        assert_events_equal_live(variant, live)
    # A dispute decided, and an override approved, on requests of rolled months: those months go live.
    dispute = Dispute.objects.filter(request__reference__startswith="DR-S-", status="open").order_by("raised_at").first()
    override = PublicInterestOverride.objects.filter(status=OverrideStatus.PROPOSED).order_by("request__submitted_at").first()
    Dispute.objects.filter(pk=dispute.pk).update(status="upheld")
    PublicInterestOverride.objects.filter(pk=override.pk).update(status=OverrideStatus.APPROVED, decided_at=timezone.now())
    assert RollupMonth.objects.filter(dirty=True, month__in=[
        rollup.month_of(dispute.request.submitted_at), rollup.month_of(override.request.submitted_at)
    ]).count() == len({rollup.month_of(dispute.request.submitted_at), rollup.month_of(override.request.submitted_at)})
    for variant in all_filters(spread):
        assert_events_equal_live(variant, live)


def test_writes_this_month_mark_nothing(spread):
    report_rollup_refresh()
    DisclosureRequestFactory(
        reference="DR-K-today", requester=spread.requester.user, requesting_organisation=spread.police,
        holding_organisation=spread.council, submitted_at=timezone.now(), with_subject=False,
    )
    assert not RollupMonth.objects.filter(dirty=True).exists()
    assert not RollupMonth.objects.filter(month=rollup.month_of(timezone.now())).exists()


def test_the_page_says_when_the_rollup_was_refreshed(spread):
    client = spread.client(spread.admin)
    url = reverse("oversight:reports")
    live_page = client.get(url).content.decode()
    assert "counted from the records as they are now" in live_page
    report_rollup_refresh()
    refreshed = timezone.localtime(RollupRefresh.objects.get().finished_at)
    page = client.get(url).content.decode()
    assert f"last refreshed {refreshed:%-d %B %Y} at {refreshed:%H:%M}" in page
    # The tables (with their small-count rule) are the same as the live ones.
    assert page[page.index('<section class="portal-report-section"'):] == live_page[live_page.index('<section class="portal-report-section"'):]
    purpose = spread.requests["r1"].purpose.code
    assert "does not hold purpose, forum, gateway or marking" in client.get(url, {"period": "last_12_months", "purpose": purpose}).content.decode()


def test_the_rollup_refreshes_hourly_on_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["report-rollup-refresh"]
    assert entry["task"] == "oversight.report_rollup_refresh"
    assert entry["schedule"].minute == {20} and len(entry["schedule"].hour) == 24


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_beat_job_on_a_real_worker_rolls_the_months(spread, celery_worker_process):  # noqa: F811
    from portal.celery import app

    filters = filter_variants(spread)[0]
    app.send_task(settings.CELERY_BEAT_SCHEDULE["report-rollup-refresh"]["task"])
    deadline = time.monotonic() + 60
    while not RollupRefresh.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    run = RollupRefresh.objects.get()
    assert run.months_rolled > 10 and not RollupMonth.objects.filter(dirty=True).exists()
    assert_rollup_equals_live(filters)
