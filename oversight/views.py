"""The monitoring report pages (SSP 16.1, SDP 4.5 i): the report, a CSV per table and a marked
PDF of the whole. A reader sees the partnership they act for; the exports are recorded in the
access log as downloads (they leave the portal), though they hold no personal data."""
from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from oversight.forms import ReportFilterForm
from oversight.report import report_marking_name, report_pdf, report_table_csv, shown_report
from oversight.roles import REPORT_ROLES
from oversight.selectors import report_period_bounds, report_rollup_status
from portal.accountability.services import access_record
from portal.protocols.selectors import current_protocol_pack
from portal.reports import ReportFilter
from portal.selectors.partnerships import membership_partnership, partnership_organisations
from portal.views.decorators import role_required


def _report(request):
    """(form, partnership, pack, filters or None when the input is wrong)."""
    partnership = membership_partnership(membership=request.membership)
    if partnership is None:
        raise Http404("No partnership")
    pack = current_protocol_pack(partnership)
    form = ReportFilterForm(
        request.GET or {"period": "last_12_months"},
        organisations=partnership_organisations(partnership=partnership),
        pack=pack,
    )
    if not form.is_valid():
        return form, partnership, pack, None
    data = form.cleaned_data
    start, end = report_period_bounds(*form.dates())
    filters = ReportFilter(
        partnership_id=partnership.pk,
        start=start,
        end=end,
        organisation_id=data["organisation"].pk if data.get("organisation") else None,
        organisation_as=data["organisation_as"],
        forum_code=data.get("forum") or "",
        purpose_code=data.get("purpose") or "",
        gateway_code=data.get("gateway") or "",
        marking_code=data.get("marking") or "",
    )
    return form, partnership, pack, filters


def _viewer_organisation_id(request) -> int | None:
    return request.membership.organisation_id if request.membership else None


def _render_page(request, form, partnership, pack, filters, status=200):
    tables = shown_report(filters=filters, viewer_organisation_id=_viewer_organisation_id(request)) if filters else []
    return render(
        request,
        "oversight/report.html",
        {
            "form": form,
            "partnership": partnership,
            "tables": tables,
            "filter_summary": form.summary() if filters else [],
            "marking": report_marking_name(pack),
            "rollup": report_rollup_status(filters=filters) if filters else None,
        },
        status=status,
    )


@role_required(*REPORT_ROLES)
def reports(request):
    form, partnership, pack, filters = _report(request)
    return _render_page(request, form, partnership, pack, filters)


def _filename(stem: str) -> str:
    return f"monitoring-report-{stem}-{timezone.localdate().isoformat()}"


def _record_download(request, reference: str):
    access_record(
        user=request.user,
        organisation=request.membership.organisation,
        kind="download",
        object_type="monitoring_report",
        reference=reference,
        path=request.get_full_path(),
    )


@role_required(*REPORT_ROLES)
def report_csv(request, table):
    form, partnership, pack, filters = _report(request)
    if filters is None:
        return _render_page(request, form, partnership, pack, filters)
    tables = {shown.key: shown for shown in shown_report(filters=filters, viewer_organisation_id=_viewer_organisation_id(request))}
    if table not in tables:
        raise Http404("No such table")
    _record_download(request, f"report:{table}")
    text = report_table_csv(
        shown=tables[table], partnership=partnership, filter_summary=form.summary(), marking=report_marking_name(pack)
    )
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(table)}.csv"'
    return response


@role_required(*REPORT_ROLES)
def report_pdf_export(request):
    form, partnership, pack, filters = _report(request)
    if filters is None:
        return _render_page(request, form, partnership, pack, filters)
    _record_download(request, "report:pdf")
    organisation = request.membership.organisation
    pdf = report_pdf(
        shown=shown_report(filters=filters, viewer_organisation_id=_viewer_organisation_id(request)),
        partnership=partnership,
        filter_summary=form.summary(),
        marking=report_marking_name(pack),
        user=request.user,
        organisation_name=organisation.name if organisation else "",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename("board")}.pdf"'
    return response
