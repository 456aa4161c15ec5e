"""The monitoring report's governance rows (issue 12; SSP 11-13): breaches and their 72-hour clock,
complaints, rights cases and their one-month clock, suspensions, against known cases, with the
organisation filter, the small-count rule and the CSV export."""
import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from governance.models import (
    Breach,
    Complaint,
    ComplaintPart,
    RightsCase,
    SuspensionDecision,
)
from oversight.governance_figures import breach_figures, complaint_figures, rights_figures, suspension_figures
from oversight.report import monitoring_report
from oversight.selectors import report_period_bounds
from portal.reports import ReportFilter

pytestmark = pytest.mark.django_db


def last_year(known, **kwargs):
    start, end = report_period_bounds(timezone.localdate() - timedelta(days=364), timezone.localdate())
    return ReportFilter(partnership_id=known.pack.partnership_id, start=start, end=end, **kwargs)


@pytest.fixture
def cases(known):
    """Known governance cases of Stockport (and one of another partnership, which may not count):

    breaches (reported by the police, staff of the council involved unless said):
      b1 discovered 10 days ago, ICO decision (report) 20 hours after: within 72 h, reported to the ICO, closed
      b2 discovered 10 days ago, ICO decision (not report) 100 hours after: over 72 h
      b3 discovered 4 days ago, no decision: overdue now, open
      b4 discovered 1 hour ago, no decision: open, not overdue; the police's own staff; lessons learnt
      b5 reported two years ago: outside the period
    complaints (received by the council): c1 open; c2 closed upheld; c3 closed not upheld, with a police part
    rights cases (received by the council): d1 received 10 days ago, open, due; d2 received 50 days ago,
      open, overdue; d3 received 50 days ago, extended by 2 months, open, due; d4 received 40 days ago,
      decided 20 days ago, in time; d5 received 60 days ago, decided 5 days ago: late
    suspensions: the council suspended the police 10 days ago, lifted 2 days ago; again today, standing
    """
    now = timezone.now()
    today = timezone.localdate()
    p = known.pack.partnership
    police, council = known.police, known.council
    user = known.do_council.user

    def breach(ref, discovered, *, decided_after=None, decision="", occurred=council, reported=None, **extra):
        b = Breach.objects.create(
            reference=f"BR-T-{ref}", partnership=p, reported_by=known.do_police.user, reporter_organisation=police,
            occurred_organisation=occurred, what_happened="An email to the wrong address.", happened_at=discovered,
            discovered_at=discovered, data_categories=["contact"], people_affected=1,
            ico_decision=decision, ico_decided_at=discovered + decided_after if decided_after else None, **extra,
        )
        Breach.objects.filter(pk=b.pk).update(reported_at=reported or discovered + timedelta(minutes=30))
        return b

    breach("b1", now - timedelta(days=10), decided_after=timedelta(hours=20), decision="report",
           ico_reported_at=now - timedelta(days=9), status="closed", closed_at=now - timedelta(days=5))
    breach("b2", now - timedelta(days=10), decided_after=timedelta(hours=100), decision="not_report")
    breach("b3", now - timedelta(days=4))
    breach("b4", now - timedelta(hours=1), occurred=police, lessons_learnt=True)
    breach("b5", now - timedelta(days=730), reported=now - timedelta(days=729))

    def complaint(ref, **extra):
        return Complaint.objects.create(
            reference=f"CP-T-{ref}", partnership=p, received_by=council, received_on=today - timedelta(days=15),
            about="disclosure", summary="Shared too much.", recorded_by=user, **extra,
        )

    complaint("c1")
    complaint("c2", status="closed", outcome="upheld", closed_at=now)
    c3 = complaint("c3", status="closed", outcome="not_upheld", closed_at=now)
    ComplaintPart.objects.create(complaint=c3, organisation=police)

    def rights(ref, received_days_ago, **extra):
        return RightsCase.objects.create(
            reference=f"DSR-T-{ref}", partnership=p, receiving_organisation=council, opened_by=user, right="access",
            received_on=today - timedelta(days=received_days_ago), request_summary="Everything held.", **extra,
        )

    rights("d1", 10)
    rights("d2", 50)
    rights("d3", 50, extended_to=today - timedelta(days=50) + timedelta(days=80), extension_reasons="Complex.")
    rights("d4", 40, status="closed", decision="comply", decided_by=user, decided_at=now - timedelta(days=20))
    rights("d5", 60, status="closed", decision="refuse", decided_by=user, decided_at=now - timedelta(days=5))

    first = SuspensionDecision.objects.create(
        reference="SUS-T-1", partnership=p, organisation=police, deciding_organisation=council, decided_by=user,
        reasons="Repeated breaches.", review_date=today + timedelta(days=30),
        lifted_at=now - timedelta(days=2), lifted_by=user, lift_reasons="Training done.",
    )
    SuspensionDecision.objects.filter(pk=first.pk).update(decided_at=now - timedelta(days=10))
    SuspensionDecision.objects.create(
        reference="SUS-T-2", partnership=p, organisation=police, deciding_organisation=council, decided_by=user,
        reasons="Again.", review_date=today + timedelta(days=30),
    )
    return known


def test_breach_figures_and_the_72_hour_clock(cases):
    assert breach_figures(filters=last_year(cases)) == {
        "reported": 4, "open": 3, "within_72": 1, "over_72": 1, "overdue_now": 1, "to_ico": 1, "not_to_ico": 1, "lessons": 1,
    }
    # The police reported them all; the council's staff were involved in three.
    assert breach_figures(filters=last_year(cases, organisation_id=cases.police.pk))["reported"] == 4
    council = breach_figures(filters=last_year(cases, organisation_id=cases.council.pk))
    assert (council["reported"], council["open"], council["lessons"]) == (3, 2, 0)


def test_complaint_figures(cases):
    assert complaint_figures(filters=last_year(cases)) == {
        "received": 3, "open": 1, "closed": 2, "upheld": 1, "partly_upheld": 0, "not_upheld": 1,
    }
    assert complaint_figures(filters=last_year(cases, organisation_id=cases.police.pk))["received"] == 1  # its part in c3


def test_rights_figures_and_the_one_month_clock(cases):
    assert rights_figures(filters=last_year(cases)) == {
        "received": 5, "open": 3, "due": 2, "overdue_now": 1, "extended": 1, "decided_in_time": 1, "decided_late": 1,
    }
    assert rights_figures(filters=last_year(cases, organisation_id=cases.police.pk))["received"] == 0


def test_suspension_figures(cases):
    assert suspension_figures(filters=last_year(cases)) == {"decided": 2, "lifted": 1, "standing": 1}
    start, end = report_period_bounds(timezone.localdate() - timedelta(days=1), timezone.localdate())
    today_only = ReportFilter(partnership_id=cases.pack.partnership_id, start=start, end=end)
    assert suspension_figures(filters=today_only) == {"decided": 1, "lifted": 0, "standing": 1}


def test_another_partnerships_cases_do_not_count(cases):
    from portal.models import Partnership

    other = Partnership.objects.exclude(pk=cases.pack.partnership_id).first()
    start, end = report_period_bounds(timezone.localdate() - timedelta(days=364), timezone.localdate())
    filters = ReportFilter(partnership_id=other.pk, start=start, end=end)
    assert breach_figures(filters=filters)["reported"] == 0
    assert rights_figures(filters=filters)["received"] == 0


def test_the_governance_tables_are_in_the_report_page_and_csv_with_small_counts_withheld(cases):
    tables = {t.key: t for t in monitoring_report(filters=last_year(cases))}
    assert [row.label for row in tables["breaches"].rows][:2] == ["Reported in the period", "Still open"]
    assert {"breaches", "complaints", "rights", "suspensions"} <= set(tables)
    # The admin (council) reading the whole partnership: every count under 5 is withheld.
    page = cases.client(cases.admin).get(reverse("oversight:reports"))
    assert page.status_code == 200
    html = page.content.decode()
    for heading in ("Breaches and the 72-hour clock", "Complaints (SSP 12)", "Data-subject rights cases", "Suspensions of sharing"):
        assert heading in html
    answer = cases.client(cases.admin).get(reverse("oversight:report_csv", kwargs={"table": "rights"}))
    rows = list(csv.reader(io.StringIO(answer.content.decode())))
    figures = {row[0]: row[1] for row in rows if len(row) == 2}
    assert figures["Received in the period"] == "5"
    assert figures["Open"] == "fewer than 5"
    # The council's designated officer, filtering on the council: its own figures, exact.
    answer = cases.client(cases.do_council).get(
        reverse("oversight:report_csv", kwargs={"table": "rights"}) + f"?organisation={cases.council.pk}"
    )
    figures = {row[0]: row[1] for row in csv.reader(io.StringIO(answer.content.decode())) if len(row) == 2}
    assert figures["Open"] == "3"
    assert figures["Open, overdue now"] == "1"
