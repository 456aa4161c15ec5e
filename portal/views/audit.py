"""Auditors' view of the decision and access logs (DOMAIN.md §8; SSP Appendix 4 rule 7; SDP 4.5 j).

Auditors read everything in the logs and nothing else: who, what kind, why, when, for what purpose.
Exports and verification runs are themselves reads of the log, so each writes the access log.
"""
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from portal.accountability.exports import PDF_LIMIT, csv_filename, decision_log_csv, decision_log_pdf
from portal.accountability.registry import decision_event_label
from portal.accountability.selectors import (
    AccessLogFilter,
    DecisionLogFilter,
    access_decision_log_verification,
    access_log_page,
    decision_log_entries,
    decision_log_page,
    decision_log_verification_latest,
)
from portal.accountability.services import access_record, decision_log_verification_start
from portal.forms.audit import AccessLogFilterForm, DecisionLogFilterForm
from portal.models import DecisionLogVerification
from portal.roles import Role
from portal.selectors.partnerships import membership_partnership
from portal.views.decorators import role_required

# How often a running verification's page reloads itself (a <meta> refresh: no script, CSP-safe).
VERIFY_REFRESH_SECONDS = 3


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _partnership_id(request) -> int | None:
    """An auditor audits the partnership they serve (issue 16)."""
    partnership = membership_partnership(membership=request.membership)
    return partnership.pk if partnership else None


def _pk(obj):
    return obj.pk if obj else None


def _decision_filters(request) -> tuple[DecisionLogFilterForm, DecisionLogFilter | None]:
    """The form, and the filters it asks for (None when the input is invalid)."""
    form = DecisionLogFilterForm(request.GET or None)
    if not form.is_bound:
        return form, DecisionLogFilter(partnership_id=_partnership_id(request))
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, DecisionLogFilter(
        partnership_id=_partnership_id(request),
        organisation_id=_pk(data["organisation"]),
        actor_id=_pk(data["user"]),
        action=data["action"],
        reference=data["reference"],
        date_from=data["date_from"],
        date_to=data["date_to"],
    )


def _render_decision_log(request, form, filters):
    """The page. With invalid filters it shows the errors and no rows: rows that match none of
    what was asked for would read as the answer."""
    page, rows = None, []
    if filters is not None:
        page = decision_log_page(
            filters=filters, before=_int(request.GET.get("before")), after=_int(request.GET.get("after"))
        )
        rows = [(entry, decision_event_label(entry.action)) for entry in page.entries]
    return render(request, "portal/audit/decision_log.html", {"form": form, "page": page, "rows": rows, "pdf_limit": PDF_LIMIT})


@role_required(Role.AUDITOR)
def decision_log(request):
    form, filters = _decision_filters(request)
    return _render_decision_log(request, form, filters)


@role_required(Role.AUDITOR)
def decision_log_entry(request, pk):
    entries = decision_log_entries(filters=DecisionLogFilter(partnership_id=_partnership_id(request)))
    entry = get_object_or_404(entries, pk=pk)
    return render(
        request,
        "portal/audit/decision_log_entry.html",
        {"entry": entry, "action_label": decision_event_label(entry.action)},
    )


def _record_download(request, reference: str):
    access_record(
        user=request.user,
        organisation=request.membership.organisation,
        kind="download",
        object_type="decision_log",
        reference=reference,
        path=request.get_full_path(),
    )


@role_required(Role.AUDITOR)
def decision_log_csv_export(request):
    form, filters = _decision_filters(request)
    if filters is None:  # the filters are wrong: say so rather than export something else
        return _render_decision_log(request, form, filters)
    _record_download(request, "export")
    response = StreamingHttpResponse(decision_log_csv(filters=filters), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{csv_filename()}"'
    response["Cache-Control"] = "no-store"
    return response


@role_required(Role.AUDITOR)
def decision_log_pdf_export(request):
    form, filters = _decision_filters(request)
    if filters is None:
        return _render_decision_log(request, form, filters)
    _record_download(request, "export")
    organisation = request.membership.organisation
    pdf = decision_log_pdf(
        filters=filters,
        filter_summary=form.summary(),
        user=request.user,
        organisation_name=organisation.name if organisation else "",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{csv_filename().removesuffix(".csv")}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@role_required(Role.AUDITOR)
@require_http_methods(["GET", "POST"])
def decision_log_verification(request):
    """GET: the latest run, if any, and the button. POST: queue a run (Celery workers check the
    chain off the request, in parallel ranges) and go to its page, which follows its progress."""
    if request.method == "POST":
        run = decision_log_verification_start(source=DecisionLogVerification.Source.AUDITOR)
        access_record(
            user=request.user,
            organisation=request.membership.organisation,
            kind="view",
            object_type="decision_log",
            reference="verification",
            path=request.path,
        )
        return redirect("portal:audit_verify_run", pk=run.pk)
    return render(request, "portal/audit/verify.html", {"run": decision_log_verification_latest()})


@role_required(Role.AUDITOR)
def decision_log_verification_run(request, pk):
    """One run: its progress while workers check the chain (the page refreshes itself, with no
    script: CSP), then its result."""
    run = access_decision_log_verification(pk=pk)
    return render(
        request,
        "portal/audit/verify_run.html",
        {"run": run, "refresh_seconds": None if run.finished else VERIFY_REFRESH_SECONDS},
    )


def _access_filters(request) -> tuple[AccessLogFilterForm, AccessLogFilter | None]:
    """The form, and the filters it asks for (None when the input is invalid)."""
    form = AccessLogFilterForm(request.GET or None)
    if not form.is_bound:
        return form, AccessLogFilter(partnership_id=_partnership_id(request))
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, AccessLogFilter(
        partnership_id=_partnership_id(request),
        organisation_id=_pk(data["organisation"]),
        user_id=_pk(data["user"]),
        kind=data["kind"],
        reference=data["reference"],
        date_from=data["date_from"],
        date_to=data["date_to"],
    )


@role_required(Role.AUDITOR)
def access_log(request):
    form, filters = _access_filters(request)
    page = None  # invalid filters: the errors and no rows
    if filters is not None:
        page = access_log_page(
            filters=filters, before=_int(request.GET.get("before")), after=_int(request.GET.get("after"))
        )
    return render(request, "portal/audit/access_log.html", {"form": form, "page": page})
