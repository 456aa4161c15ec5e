"""Pages of the datasets app (issue 13): the pack's dataset specifications, submitting a dataset
and following its check, the hotspot and trend pages with their exports, and the feed tokens.
The anonymised feed itself is datasets/feed.py. Every page shows aggregates only after
disclosure control (datasets/disclosure.py)."""
from __future__ import annotations

import csv
import io
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from portal.accountability.exports import csv_cell
from portal.accountability.services import access_record
from portal.forms.errors import form_add_service_errors
from portal.pdf import download_footer, render_pdf
from portal.protocols.selectors import current_protocol_pack
from portal.roles import Role
from portal.selectors.partnerships import membership_partnerships
from portal.uploads import LimitedUploadHandler, size_label
from portal.views.decorators import role_required

from . import selectors, services
from .charts import area_view, trend_chart
from .forms import AggregateFilterForm, FeedTokenForm, SubmissionForm, TrendFilterForm
from .models import SubmissionStatus
from .specs import pack_datasets

EVERY_ROLE = tuple(Role)
SUBMITTERS = (Role.OFFICER, Role.DESIGNATED_OFFICER)
SUBMISSION_READERS = (Role.OFFICER, Role.DESIGNATED_OFFICER, Role.ADMIN, Role.AUDITOR)
PAGE_SIZE = 25
PROBLEMS_PAGE_SIZE = 50
EXPORT_NOTE = "Depersonalised aggregates. Counts under {threshold} are suppressed, with further cells suppressed so that no total gives them away."


def dataset_upload_limited(view):
    """Like portal.uploads.upload_limited, with the datasets' own, larger limit."""
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.upload_handlers.insert(0, LimitedUploadHandler(request, limit=settings.PORTAL_MAX_DATASET_BYTES))
        return protected(request, *args, **kwargs)

    return wrapper


def _partnership(request):
    """The partnership the page is about: the acting membership's, or, for an organisation in
    several, the one chosen with ?partnership=<slug> among them (anything else: its first)."""
    chosen = request.GET.get("partnership") or request.POST.get("partnership")
    if chosen:
        partnership = membership_partnerships(membership=request.membership).filter(slug=chosen).first()
        if partnership is not None:
            return partnership
    partnership = selectors.datasets_partnership(membership=request.membership)
    if partnership is None:
        raise Http404("Your organisation is not in a partnership")
    return partnership


def _render(request, template: str, context: dict, *, section: str):
    partnerships = list(membership_partnerships(membership=request.membership))
    return render(request, f"datasets/{template}", {"section": section, "partnerships": partnerships, **context})


@role_required(*EVERY_ROLE)
def dataset_list(request):
    partnership = _partnership(request)
    pack = current_protocol_pack(partnership)
    specs = pack_datasets(pack)
    kind = request.membership.organisation.kind
    return _render(
        request, "index.html",
        {
            "partnership": partnership, "specs": specs, "threshold": selectors.partnership_threshold(partnership=partnership),
            "own_specs": [s for s in specs if s.owner_kind == kind] if request.membership.role in SUBMITTERS else [],
            "disclosure": (pack.data.get("disclosure_control", {}) if pack else {}),
        },
        section="datasets",
    )


@role_required(*EVERY_ROLE)
def dataset_detail(request, code: str):
    partnership = _partnership(request)
    spec = selectors.partnership_dataset(partnership=partnership, code=code)
    return _render(request, "spec.html", {"spec": spec}, section="datasets")


@role_required(*SUBMITTERS)
@require_http_methods(["GET", "POST"])
@dataset_upload_limited
def submission_new(request):
    partnership = _partnership(request)
    kind = request.membership.organisation.kind
    specs = [s for s in selectors.partnership_datasets(partnership=partnership) if s.owner_kind == kind]
    form = SubmissionForm(request.POST or None, request.FILES or None, datasets=specs, initial={"dataset": request.GET.get("dataset", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            submission = services.submission_create(
                membership=request.membership, partnership=partnership, dataset_code=data["dataset"],
                period_start=data["period_start"], period_end=data["period_end"], upload=data["file"],
                acting_user=request.user,
            )
        except ValidationError as error:
            form_add_service_errors(form, error, field_map={"dataset": "dataset"})
        except PermissionDenied as denied:
            form.add_error("dataset", str(denied))
        else:
            messages.success(request, f"{submission.reference} was received and is being checked")
            return redirect("datasets:submission", pk=submission.pk)
    return _render(
        request, "submit.html",
        {"form": form, "specs": specs, "limit": size_label(settings.PORTAL_MAX_DATASET_BYTES), "partnership": partnership},
        section="submit",
    )


@role_required(*SUBMISSION_READERS)
def submission_list(request):
    submissions = selectors.submissions_visible(membership=request.membership)
    page = Paginator(submissions, PAGE_SIZE).get_page(request.GET.get("page"))
    names = {s.code: s.name for s in selectors.partnership_datasets(partnership=_partnership(request))}
    for submission in page.object_list:
        submission.dataset_name = names.get(submission.dataset_code, submission.dataset_code)
    return _render(request, "submissions.html", {"page_obj": page}, section="submissions")


@role_required(*SUBMISSION_READERS)
def submission_detail(request, pk: int):
    submission = selectors.access_submission(membership=request.membership, pk=pk)
    spec = None
    try:
        spec = selectors.partnership_dataset(partnership=submission.partnership, code=submission.dataset_code)
    except Http404:
        pass
    problems = Paginator(submission.problems, PROBLEMS_PAGE_SIZE).get_page(request.GET.get("page"))
    running = submission.status in (SubmissionStatus.RECEIVED, SubmissionStatus.CHECKING)
    return _render(
        request, "submission.html",
        {"submission": submission, "spec": spec, "page_obj": problems, "running": running,
         "problems_kept": len(submission.problems)},
        section="submissions",
    )


# --- Hotspots and trends -------------------------------------------------------------------------


def _aggregate_choices(request, partnership, form_class=AggregateFilterForm, **form_kwargs):
    specs = selectors.partnership_datasets(partnership=partnership)
    if not specs:
        return None, None, None, None, specs
    form = form_class(request.GET or None, datasets=specs, **form_kwargs)
    valid = form.is_valid() if request.GET else True
    data = form.cleaned_data if request.GET and valid else {}
    code = data.get("dataset") or (request.GET.get("dataset") if request.GET.get("dataset") in {s.code for s in specs} else specs[0].code)
    spec = next(s for s in specs if s.code == code)
    first, last = selectors.dataset_months(partnership=partnership, dataset_code=spec.code)
    if last is None:
        return form, spec, None, None, specs
    last_month = data.get("last_month") or last
    first_month = data.get("first_month") or max(first, selectors.add_months(last_month, -11))
    if not valid:
        first_month, last_month = max(first, selectors.add_months(last, -11)), last
    return form, spec, selectors.month_start(first_month), selectors.month_start(last_month), specs


def _hotspot_context(request):
    partnership = _partnership(request)
    form, spec, first_month, last_month, specs = _aggregate_choices(request, partnership)
    context = {"form": form, "spec": spec, "specs": specs, "partnership": partnership,
               "threshold": selectors.partnership_threshold(partnership=partnership)}
    if spec is None or first_month is None:
        return context
    hotspots = selectors.hotspot_table(partnership=partnership, spec=spec, first_month=first_month, last_month=last_month)
    table = hotspots.table
    categories = [(code, hotspots.category_labels.get(code, code)) for code in table.columns]
    rows = [
        {"district": d, "cells": [table.cell(d, c) for c in table.columns], "total": table.row_total(d)}
        for d in table.rows
    ]
    totals = {d: table.row_total(d) for d in table.rows}
    context.update(
        hotspots=hotspots, categories=categories, rows=rows,
        column_totals=[table.column_total(c) for c in table.columns], grand_total=table.grand_total,
        area=area_view(slug=partnership.slug, totals=totals),
        emerging=selectors.emerging_problems(partnership=partnership, spec=spec, latest_month=last_month),
        category_names=hotspots.category_labels, first_month=first_month, last_month=last_month,
        suppressed=table.suppressed_count,
    )
    return context


@role_required(*EVERY_ROLE)
def hotspots(request):
    return _render(request, "hotspots.html", _hotspot_context(request), section="hotspots")


def _marking(partnership) -> str:
    return selectors.partnership_marking(partnership=partnership)


def _record_export(request, reference: str):
    access_record(
        user=request.user, organisation=request.membership.organisation, kind="download",
        object_type="dataset_aggregates", reference=reference[:64], path=request.get_full_path(),
    )




def _csv_response(rows: list[list], *, filename: str, marking: str, note: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f"Marking: {marking}" if marking else "Marking: none set"])
    writer.writerow([note])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _shown(value) -> str:
    return "suppressed" if value is None else str(value)


@role_required(*EVERY_ROLE)
def hotspots_csv(request):
    context = _hotspot_context(request)
    if "hotspots" not in context:
        raise Http404("No data for this dataset yet")
    spec, partnership = context["spec"], context["partnership"]
    _record_export(request, f"{spec.code}")
    rows = [["Area (postcode district)", *[name for _code, name in context["categories"]], "Total"]]
    rows += [[r["district"], *[_shown(v) for v in r["cells"]], _shown(r["total"])] for r in context["rows"]]
    rows.append(["Total", *[_shown(v) for v in context["column_totals"]], _shown(context["grand_total"])])
    filename = f"hotspots-{spec.code}-{context['first_month']:%Y-%m}-to-{context['last_month']:%Y-%m}.csv"
    return _csv_response(rows, filename=filename, marking=_marking(partnership),
                         note=f"{spec.name}, {context['first_month']:%B %Y} to {context['last_month']:%B %Y}. " + EXPORT_NOTE.format(threshold=context["threshold"]))


@role_required(*EVERY_ROLE)
def hotspots_pdf(request):
    context = _hotspot_context(request)
    if "hotspots" not in context:
        raise Http404("No data for this dataset yet")
    spec, partnership = context["spec"], context["partnership"]
    _record_export(request, f"{spec.code}")
    organisation = request.membership.organisation
    pdf = render_pdf(
        template_name="pdf/datasets/hotspots.html",
        context={**context, "note": EXPORT_NOTE.format(threshold=context["threshold"]), "generated_at": timezone.localtime()},
        marking_text=_marking(partnership),
        footer_text=download_footer(user=request.user, organisation_name=organisation.name if organisation else ""),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="hotspots-{spec.code}-{context["last_month"]:%Y-%m}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


def _trend_context(request):
    partnership = _partnership(request)
    specs = selectors.partnership_datasets(partnership=partnership)
    code = request.GET.get("dataset")
    spec = next((s for s in specs if s.code == code), specs[0] if specs else None)
    districts = selectors.dataset_districts(partnership=partnership, dataset_code=spec.code) if spec else []
    categories = list(spec.categories) if spec else []
    form, spec, first_month, last_month, specs = _aggregate_choices(
        request, partnership, TrendFilterForm, districts=districts, categories=categories
    )
    context = {"form": form, "spec": spec, "specs": specs, "partnership": partnership,
               "threshold": selectors.partnership_threshold(partnership=partnership)}
    if spec is None or first_month is None:
        return context
    if not request.GET.get("first_month"):
        first_month = max(selectors.dataset_months(partnership=partnership, dataset_code=spec.code)[0], selectors.add_months(last_month, -23))
    district = form.cleaned_data.get("district", "") if form.is_bound and form.is_valid() else ""
    category = form.cleaned_data.get("category", "") if form.is_bound and form.is_valid() else ""
    trend = selectors.trend_series(
        partnership=partnership, spec=spec, first_month=first_month, last_month=last_month, district=district, category=category
    )
    values = [trend.table.cell("series", month) for month in trend.months]
    context.update(
        trend=trend, values=values, rows=list(zip(trend.months, values, strict=True)), total=trend.table.row_total("series"),
        chart=trend_chart(months=trend.months, values=values), district=district,
        category_name=spec.category_names.get(category, "") if category else "", first_month=first_month, last_month=last_month,
    )
    return context


@role_required(*EVERY_ROLE)
def trends(request):
    return _render(request, "trends.html", _trend_context(request), section="trends")


@role_required(*EVERY_ROLE)
def trends_csv(request):
    context = _trend_context(request)
    if "trend" not in context:
        raise Http404("No data for this dataset yet")
    spec = context["spec"]
    _record_export(request, f"{spec.code}")
    rows = [["Month", "Records"]] + [[f"{m:%Y-%m}", _shown(v)] for m, v in context["rows"]] + [["Total", _shown(context["total"])]]
    scope = ", ".join(filter(None, [context["district"] or "all areas", context["category_name"] or "all categories"]))
    return _csv_response(
        rows, filename=f"trend-{spec.code}-{context['last_month']:%Y-%m}.csv", marking=_marking(context["partnership"]),
        note=f"{spec.name} ({scope}). " + EXPORT_NOTE.format(threshold=context["threshold"]),
    )


@role_required(*EVERY_ROLE)
def trends_pdf(request):
    context = _trend_context(request)
    if "trend" not in context:
        raise Http404("No data for this dataset yet")
    spec, partnership = context["spec"], context["partnership"]
    _record_export(request, f"{spec.code}")
    organisation = request.membership.organisation
    pdf = render_pdf(
        template_name="pdf/datasets/trend.html",
        context={**context, "note": EXPORT_NOTE.format(threshold=context["threshold"]), "generated_at": timezone.localtime()},
        marking_text=_marking(partnership),
        footer_text=download_footer(user=request.user, organisation_name=organisation.name if organisation else ""),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="trend-{spec.code}-{context["last_month"]:%Y-%m}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


# --- Feed tokens -------------------------------------------------------------------------------


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def feed_tokens(request):
    partnership = _partnership(request)
    form = FeedTokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            record, issued = services.feed_token_issue(
                membership=request.membership, partnership=partnership, name=form.cleaned_data["name"], acting_user=request.user
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            form = FeedTokenForm()
    page = Paginator(selectors.feed_tokens(partnership=partnership), PAGE_SIZE).get_page(request.GET.get("page"))
    feed_url = request.build_absolute_uri(f"/datasets/feed/{partnership.slug}/aggregates.json")
    return _render(request, "feed_tokens.html", {"form": form, "page_obj": page, "issued": issued, "feed_url": feed_url}, section="feed")


@role_required(Role.ADMIN)
@require_POST
def feed_token_revoke(request, pk: int):
    token = selectors.access_feed_token(membership=request.membership, pk=pk)
    try:
        services.feed_token_revoke(membership=request.membership, token=token, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"The token “{token.name}” is revoked")
    return redirect("datasets:feed_tokens")

