"""The monitoring report as a whole (SSP 16.1): every registered section source, in order
(`portal.reports`), and its exports — a CSV per table and a marked PDF of the whole report.

The report holds no personal data: counts, shares and durations by organisation, forum and month.
Its marking is the base level of the pack in force (the least restrictive, e.g. OFFICIAL), the
level a scheme gives to material that identifies no one."""
from __future__ import annotations

import csv
import io

from django.db import connection, transaction
from django.utils import timezone

from oversight.presentation import ShownTable, shown_table
from portal.accountability.exports import csv_cell
from portal.models import Partnership, ProtocolPack, User
from portal.pdf import download_footer, render_pdf
from portal.reports import ReportFilter, ReportTable, report_sources

PDF_TEMPLATE = "pdf/oversight/report.html"


# Enough memory for the percentile sorts over a year of a large partnership's requests (some
# 500,000 rows) to stay out of temporary files; for the report's read-only transaction only.
REPORT_WORK_MEM = "64MB"


def monitoring_report(*, filters: ReportFilter) -> list[ReportTable]:
    tables: list[ReportTable] = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'")
        # JIT compiling these few large aggregates cost more than it saved: 1.9 s of a 1.4 s
        # query over a year of a million requests (docs/performance.md, issue 12).
        cursor.execute("SET LOCAL jit = off")
        for _name, source in report_sources():
            tables.extend(source(filters=filters))
    return tables


def shown_report(*, filters: ReportFilter, viewer_organisation_id: int | None) -> list[ShownTable]:
    return [shown_table(table, viewer_organisation_id=viewer_organisation_id) for table in monitoring_report(filters=filters)]


def report_marking_name(pack: ProtocolPack | None) -> str:
    if pack is None:
        return ""
    level = pack.marking_levels.order_by("order").first()
    return level.name if level else ""


def report_table_csv(
    *, shown: ShownTable, partnership: Partnership, filter_summary: list[tuple[str, str]], marking: str
) -> str:
    """One table as CSV: the marking first and last, the partnership and the filters, then the
    figures exactly as the page shows them (withheld small counts stay withheld). Every cell is
    made formula-safe (a forum or organisation named "=..." must not run in a spreadsheet)."""
    out = io.StringIO()
    writer = csv.writer(out)

    def row(values):
        writer.writerow([csv_cell(value) for value in values])

    row(["Marking", marking])
    row(["Report", f"Monitoring report: {shown.table.title}"])
    row(["Partnership", partnership.name])
    for label, value in filter_summary:
        row([label, value])
    row(["Generated", timezone.localtime().strftime("%d/%m/%Y %H:%M")])
    row([])
    row([shown.table.label_header or "", *shown.table.columns])
    for shown_row in shown.rows:
        row([shown_row.label, *shown_row.texts])
    row([])
    row(["Marking", marking])
    return out.getvalue()


def report_pdf(
    *,
    shown: list[ShownTable],
    partnership: Partnership,
    filter_summary: list[tuple[str, str]],
    marking: str,
    user: User,
    organisation_name: str,
) -> bytes:
    return render_pdf(
        template_name=PDF_TEMPLATE,
        context={
            "tables": shown,
            "partnership": partnership,
            "filter_summary": filter_summary,
            "generated_at": timezone.localtime(),
        },
        marking_text=marking,
        footer_text=download_footer(user=user, organisation_name=organisation_name),
    )
