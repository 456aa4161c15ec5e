"""The monitoring report's figures against known data (tests/oversight/conftest.py), the
small-count rule, the filters and the exports (issue 12; SSP 16.1)."""
import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from oversight.report import monitoring_report
from oversight.selectors import basis_figures, report_period_bounds, request_figures
from portal.models import AccessLogEntry
from portal.reports import ReportFilter

pytestmark = pytest.mark.django_db


def last_year(known, **kwargs):
    start, end = report_period_bounds(timezone.localdate() - timedelta(days=364), timezone.localdate())
    return ReportFilter(partnership_id=known.pack.partnership_id, start=start, end=end, **kwargs)


def table(tables, key):
    return next(t for t in tables if t.key == key)


def figures_of(t):
    return {row.label: [cell.value for cell in row.cells] for row in t.rows}


def test_request_figures_are_the_known_counts(known):
    f = request_figures(filters=last_year(known))
    assert {k: f[k] for k in ("raised", "released", "partly_released", "declined", "withdrawn", "still_open", "decided")} == {
        "raised": 7, "released": 3, "partly_released": 1, "declined": 1, "withdrawn": 1, "still_open": 1, "decided": 5,
    }
    assert f["median_days"] == pytest.approx(6.0)
    assert f["p90_days"] == pytest.approx(9.2)
    assert (f["decided_by_needed_by"], f["decided_with_needed_by"]) == (3, 5)
    assert f["overdue_now"] == 1


def test_basis_disputes_and_meetings(known):
    b = basis_figures(filters=last_year(known))
    assert (b["releases"], b["on_override"], b["on_consent"], b["overrides_approved"], b["overrides_refused"]) == (4, 1, 0, 1, 0)
    tables = monitoring_report(filters=last_year(known))
    disputes = figures_of(table(tables, "disputes-onward"))
    assert disputes["Disputes raised (SSP 9.2)"] == [1]
    assert disputes["Disputes: decision upheld"] == [1]
    meetings = table(tables, "meetings")
    assert [(row.label, [c.value for c in row.cells][:2]) for row in meetings.rows] == [
        (known.pack.forums.get(code="marac").name, [2, 0])
    ]


def test_filters_narrow_the_figures(known):
    assert request_figures(filters=last_year(known, organisation_id=known.police.pk, organisation_as="holder"))["raised"] == 0
    assert request_figures(filters=last_year(known, organisation_id=known.police.pk, organisation_as="requester"))["raised"] == 7
    assert request_figures(filters=last_year(known, marking_code="restricted"))["raised"] == 4  # the releases' marking
    assert request_figures(filters=last_year(known, forum_code="marac"))["raised"] == 0
    older = ReportFilter(
        partnership_id=known.pack.partnership_id,
        start=timezone.now() - timedelta(days=800),
        end=timezone.now() - timedelta(days=700),
    )
    assert request_figures(filters=older)["raised"] == 1  # only the request raised two years ago


def test_the_report_is_aggregate_sql_whatever_the_number_of_requests(known):
    with CaptureQueriesContext(connection) as few:
        monitoring_report(filters=last_year(known))
    for n in range(5):  # more requests must not mean more queries (no rows into Python)
        known.requests["r1"].pk = None
        known.requests["r1"].reference = f"DR-K-more{n}"
        known.requests["r1"].save()
    with CaptureQueriesContext(connection) as more:
        monitoring_report(filters=last_year(known))
    assert len(more) == len(few)


def cells_of(html: str, label: str) -> list[str]:
    """The cells of the table row whose header is `label` (crude, but what a reader sees)."""
    import re

    row = re.search(r'<th scope="row" class="govuk-table__header">' + re.escape(label) + r"</th>(.*?)</tr>", html, re.S)
    assert row, label
    return [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]


def test_small_counts_are_withheld_outside_the_organisations_involved(known):
    page = known.client(known.do_police).get(reverse("oversight:reports"))
    assert page.status_code == 200
    html = page.content.decode()
    # Partnership-wide: 7 raised is shown, 3 released is not.
    assert cells_of(html, "Raised in the period") == ["7"]
    assert cells_of(html, "Released in full") == ["fewer than 5"]
    assert cells_of(html, "Median (days)") == ["6.0"]
    # By organisation: the police see their own row exactly, and the council's small counts withheld.
    assert cells_of(html, "Greater Manchester Police") == ["7", "0", "0", "0", "0", "–"]
    assert cells_of(html, "Stockport Council") == ["0", "7", "fewer than 5", "fewer than 5", "fewer than 5", "6.0"]
    # Filtered to their own organisation, the police DO sees every figure about it.
    own = known.client(known.do_police).get(reverse("oversight:reports"), {"organisation": known.police.pk}).content.decode()
    assert cells_of(own, "Released in full") == ["3"]
    # The council's DO sees the council's row exactly.
    council = known.client(known.do_council).get(reverse("oversight:reports")).content.decode()
    assert cells_of(council, "Stockport Council") == ["0", "7", "3", "1", "1", "6.0"]


def test_the_charts_are_svg_with_accessible_names_and_no_style_attribute(known):
    html = known.client(known.admin).get(reverse("oversight:reports")).content.decode()
    assert html.count('<svg class="portal-chart"') == 2
    assert 'aria-labelledby="chart-trend-title chart-trend-desc"' in html
    assert '<title id="chart-organisations-title">Requests by organisation</title>' in html
    assert " style=" not in html.split("<main", 1)[1]
    assert "<script" not in html.split("<main", 1)[1].split("</main>")[0]


def test_bad_range_shows_the_errors_and_keeps_what_was_entered(known):
    page = known.client(known.auditor).get(
        reverse("oversight:reports"), {"period": "range", "date_from": "2026-05-01", "date_to": "2026-04-01", "forum": "marac"}
    )
    html = page.content.decode()
    assert "There is a problem" in html
    assert "The &#x27;to&#x27; date must be the same as or after the &#x27;from&#x27; date" in html
    assert 'value="2026-05-01"' in html
    assert '<option value="marac" selected>' in html


def test_csv_export_is_marked_formula_safe_and_logged(known):
    known.police.name = "=HYPERLINK(\"http://x\")"
    known.police.save(update_fields=["name"])
    response = known.client(known.admin).get(reverse("oversight:report_csv", kwargs={"table": "organisations"}))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="monitoring-report-organisations-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    marking = known.pack.marking_levels.order_by("order").first().name
    assert rows[0] == ["Marking", marking] and rows[-1] == ["Marking", marking]
    assert ["'=HYPERLINK(\"http://x\")", "7", "0", "0", "0", "0", "–"] in rows
    assert AccessLogEntry.objects.filter(object_type="monitoring_report", reference="report:organisations", kind="download").count() == 1
    assert known.client(known.admin).get(reverse("oversight:report_csv", kwargs={"table": "nothing"})).status_code == 404


def test_pdf_of_the_whole_report_is_marked(known):
    from pypdf import PdfReader

    response = known.client(known.do_council).get(reverse("oversight:report_pdf"), {"period": "last_12_months"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    marking = known.pack.marking_levels.order_by("order").first().name
    assert all(page.extract_text().count(marking.upper()) >= 2 for page in reader.pages)  # top and bottom
    assert "Requests by organisation" in text and "Meetings by forum" in text
