"""The monitoring report's governance rows (SSP 16.1; issue 12): breaches and their 72-hour clock,
complaints, data-subject rights cases and their one-month clock, suspensions. Each figure is a
conditional count in one aggregate query per kind of case; no case is loaded into Python and
nothing names a person.

What each figure counts (docs/howto-quarterly-report.md says the same for the board):
- breaches *reported* in the period (`reported_at`), and where they stand now: open; the ICO
  decision made within 72 hours of discovery, or after; still undecided with the 72 hours passed
  (overdue now); reported to the ICO; decided not to report; lessons learnt recorded. With an
  organisation chosen: breaches it reported or whose staff were involved;
- complaints *received* in the period (`received_on`): open, closed, and the outcomes. With an
  organisation chosen: complaints it received or has a part in;
- rights cases *received* in the period (`received_on`): open, due (open, the deadline today or
  later), overdue now (open, the deadline passed), extended, decided in time or late. The
  deadline is one calendar month from receipt, or the extended date (as the case page shows it);
  with an organisation chosen: cases it received;
- suspensions decided in the period, lifted in the period, and standing now (whenever decided).
  With an organisation chosen: suspensions of that organisation.
The forum, purpose, gateway and marking filters do not apply to these cases.
"""
from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Exists, ExpressionWrapper, F, Func, OuterRef, Q
from django.db.models.fields import DateField
from django.db.models.functions import Coalesce
from django.utils import timezone

from governance.models import (
    Breach,
    BreachStatus,
    Complaint,
    ComplaintOutcome,
    ComplaintPart,
    ComplaintStatus,
    IcoDecision,
    RightsCase,
    RightsStatus,
    SuspensionDecision,
)
from governance.models.breaches import CLOCK_HOURS
from portal.reports import Cell, ReportFilter, ReportRow, ReportTable

GOVERNANCE_NOTE = "The forum, purpose, gateway and marking filters do not apply to these cases."


def _dates(filters: ReportFilter):
    return timezone.localtime(filters.start).date(), timezone.localtime(filters.end).date()


def breach_figures(*, filters: ReportFilter) -> dict:
    q = Q(partnership_id=filters.partnership_id, reported_at__gte=filters.start, reported_at__lt=filters.end)
    if filters.organisation_id:
        q &= Q(reporter_organisation_id=filters.organisation_id) | Q(occurred_organisation_id=filters.organisation_id)
    clock = timedelta(hours=CLOCK_HOURS)
    deadline = ExpressionWrapper(F("discovered_at") + clock, output_field=Breach._meta.get_field("discovered_at"))
    decided = Q(ico_decided_at__isnull=False)
    return Breach.objects.filter(q).aggregate(
        reported=Count("pk"),
        open=Count("pk", filter=Q(status=BreachStatus.OPEN)),
        within_72=Count("pk", filter=decided & Q(ico_decided_at__lte=deadline)),
        over_72=Count("pk", filter=decided & Q(ico_decided_at__gt=deadline)),
        overdue_now=Count("pk", filter=Q(ico_decided_at__isnull=True) & Q(discovered_at__lt=timezone.now() - clock)),
        to_ico=Count("pk", filter=Q(ico_decision=IcoDecision.REPORT)),
        not_to_ico=Count("pk", filter=Q(ico_decision=IcoDecision.NOT_REPORT)),
        lessons=Count("pk", filter=Q(lessons_learnt=True)),
    )


def complaint_figures(*, filters: ReportFilter) -> dict:
    first, end = _dates(filters)
    q = Q(partnership_id=filters.partnership_id, received_on__gte=first, received_on__lt=end)
    if filters.organisation_id:
        q &= Q(received_by_id=filters.organisation_id) | Q(
            Exists(ComplaintPart.objects.filter(complaint=OuterRef("pk"), organisation_id=filters.organisation_id))
        )
    return Complaint.objects.filter(q).aggregate(
        received=Count("pk"),
        open=Count("pk", filter=Q(status=ComplaintStatus.OPEN)),
        closed=Count("pk", filter=Q(status=ComplaintStatus.CLOSED)),
        upheld=Count("pk", filter=Q(outcome=ComplaintOutcome.UPHELD)),
        partly_upheld=Count("pk", filter=Q(outcome=ComplaintOutcome.PARTLY_UPHELD)),
        not_upheld=Count("pk", filter=Q(outcome=ComplaintOutcome.NOT_UPHELD)),
    )


class PlusOneMonth(Func):
    """`date + 1 month` as PostgreSQL's date arithmetic gives it (31 January: the last day of
    February), the same calendar month as `governance.models.rights.one_calendar_month`."""

    template = "(%(expressions)s + interval '1 month')::date"
    output_field = DateField()


def rights_figures(*, filters: ReportFilter) -> dict:
    first, end = _dates(filters)
    today = timezone.localdate()
    q = Q(partnership_id=filters.partnership_id, received_on__gte=first, received_on__lt=end)
    if filters.organisation_id:
        q &= Q(receiving_organisation_id=filters.organisation_id)
    deadline = Coalesce(F("extended_to"), PlusOneMonth(F("received_on")), output_field=DateField())
    is_open = Q(status=RightsStatus.OPEN)
    decided = Q(decided_at__isnull=False)
    return (
        RightsCase.objects.filter(q)
        .annotate(deadline=deadline)
        .aggregate(
            received=Count("pk"),
            open=Count("pk", filter=is_open),
            due=Count("pk", filter=is_open & Q(deadline__gte=today)),
            overdue_now=Count("pk", filter=is_open & Q(deadline__lt=today)),
            extended=Count("pk", filter=Q(extended_to__isnull=False)),
            decided_in_time=Count("pk", filter=decided & Q(decided_at__date__lte=F("deadline"))),
            decided_late=Count("pk", filter=decided & Q(decided_at__date__gt=F("deadline"))),
        )
    )


def suspension_figures(*, filters: ReportFilter) -> dict:
    q = Q(partnership_id=filters.partnership_id)
    if filters.organisation_id:
        q &= Q(organisation_id=filters.organisation_id)
    in_period = Q(decided_at__gte=filters.start, decided_at__lt=filters.end)
    return SuspensionDecision.objects.filter(q).aggregate(
        decided=Count("pk", filter=in_period),
        lifted=Count("pk", filter=Q(lifted_at__gte=filters.start, lifted_at__lt=filters.end)),
        standing=Count("pk", filter=Q(lifted_at__isnull=True)),
    )


def governance_tables(*, filters: ReportFilter) -> list[ReportTable]:
    orgs = frozenset({filters.organisation_id}) if filters.organisation_id else frozenset()
    b = breach_figures(filters=filters)
    c = complaint_figures(filters=filters)
    r = rights_figures(filters=filters)
    s = suspension_figures(filters=filters)

    def rows(figures: dict, labels) -> list[ReportRow]:
        return [ReportRow(label, [Cell(figures[key])], orgs) for label, key in labels]

    return [
        ReportTable(
            key="breaches",
            title="Breaches and the 72-hour clock (SSP 11)",
            label_header="Breaches",
            columns=["Number"],
            rows=rows(
                b,
                (
                    ("Reported in the period", "reported"),
                    ("Still open", "open"),
                    ("ICO decision made within 72 hours of discovery", "within_72"),
                    ("ICO decision made after 72 hours", "over_72"),
                    ("No ICO decision and 72 hours passed (overdue now)", "overdue_now"),
                    ("Reported to the ICO", "to_ico"),
                    ("Decided not to report to the ICO", "not_to_ico"),
                    ("Lessons learnt recorded", "lessons"),
                ),
            ),
            note="Of the breaches reported in the period, where each stands today. " + GOVERNANCE_NOTE,
        ),
        ReportTable(
            key="complaints",
            title="Complaints (SSP 12)",
            label_header="Complaints",
            columns=["Number"],
            rows=rows(
                c,
                (
                    ("Received in the period", "received"),
                    ("Open", "open"),
                    ("Closed", "closed"),
                    ("Upheld", "upheld"),
                    ("Partly upheld", "partly_upheld"),
                    ("Not upheld", "not_upheld"),
                ),
            ),
            note=GOVERNANCE_NOTE,
        ),
        ReportTable(
            key="rights",
            title="Data-subject rights cases and their one-month clock",
            label_header="Rights cases",
            columns=["Number"],
            rows=rows(
                r,
                (
                    ("Received in the period", "received"),
                    ("Open", "open"),
                    ("Open, due today or later", "due"),
                    ("Open, overdue now", "overdue_now"),
                    ("Deadline extended", "extended"),
                    ("Decided by the deadline", "decided_in_time"),
                    ("Decided after the deadline", "decided_late"),
                ),
            ),
            note="The deadline is one calendar month from receipt, or the extended date. " + GOVERNANCE_NOTE,
        ),
        ReportTable(
            key="suspensions",
            title="Suspensions of sharing (SSP 13)",
            label_header="Suspensions",
            columns=["Number"],
            rows=rows(
                s,
                (
                    ("Decided in the period", "decided"),
                    ("Lifted in the period", "lifted"),
                    ("Standing now", "standing"),
                ),
            ),
            note=GOVERNANCE_NOTE,
        ),
    ]
