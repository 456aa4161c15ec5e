"""The non-compliance and suspension pages (SSP 13).

Who gets what (docs/adr/0003-404-or-403.md): the role is checked first (403): case handlers
(designated officers, DPOs) report, respond, record outcomes, suspend and lift; auditors read.
A report or suspension outside need-to-know is a 404, alike for missing and not-yours
(governance.selectors.noncompliance). The right person at the wrong moment is sent back to the
case with a message. A report's text may name people, so its page writes the access log.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from governance.forms.noncompliance import LiftForm, OutcomeForm, ReportForm, RespondForm, SuspendForm
from governance.roles import CASE_HANDLERS, CASE_READERS
from governance.selectors import noncompliance as selectors
from governance.services import noncompliance as services
from portal.accountability.services import access_record
from portal.forms.errors import form_add_service_errors
from portal.views.decorators import role_required

PER_PAGE = 25


def _posted(request):
    return request.POST if request.method == "POST" else None


@role_required(*CASE_READERS)
@require_GET
def noncompliance_list(request):
    membership = request.membership
    reports = Paginator(selectors.visible_noncompliance(membership=membership), PER_PAGE).get_page(request.GET.get("page"))
    suspensions = list(selectors.visible_suspensions(membership=membership).filter(lifted_at__isnull=True))
    return render(
        request,
        "governance/noncompliance/list.html",
        {
            "page_obj": reports,
            "suspensions": suspensions,
            "can_act": membership.role in CASE_HANDLERS,
            "mine": membership.organisation_id,
        },
    )


@role_required(*CASE_HANDLERS)
@require_http_methods(["GET", "POST"])
def noncompliance_new(request):
    places = selectors.reportable_partners(membership=request.membership)
    form = ReportForm(_posted(request), places=places)
    if request.method == "POST" and form.is_valid():
        place = form.chosen_place()
        try:
            report = services.noncompliance_report(
                partnership=place.partnership,
                concerns_organisation=place.organisation,
                details=form.cleaned_data["details"],
                request_references=form.cleaned_data["request_references"],
                acting_user=request.user,
                acting_membership=request.membership,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            return render(request, "governance/noncompliance/sent.html", {"report": report})
    return render(request, "governance/noncompliance/new.html", {"form": form})


@role_required(*CASE_READERS)
@require_GET
def noncompliance_detail(request, pk: int):
    membership = request.membership
    report = selectors.access_noncompliance(membership=membership, pk=pk)
    access_record(
        user=request.user,
        organisation=membership.organisation,
        kind="view",
        object_type="noncompliance_report",
        reference=report.reference,
        path=request.path,
    )
    return render(
        request,
        "governance/noncompliance/detail.html",
        {
            "report": report,
            "suspensions": list(report.suspensions.select_related("organisation", "deciding_organisation")),
            "may_respond": services.noncompliance_may_respond(membership=membership, report=report),
            "may_close": services.noncompliance_may_close(membership=membership, report=report),
            "may_suspend": membership.role in CASE_HANDLERS
            and membership.organisation_id == report.reporting_organisation_id,
        },
    )


@role_required(*CASE_HANDLERS)
@require_http_methods(["GET", "POST"])
def noncompliance_respond(request, pk: int):
    report = selectors.access_noncompliance(membership=request.membership, pk=pk)
    if not services.noncompliance_may_respond(membership=request.membership, report=report):
        messages.error(request, "This report is not waiting for your organisation's response")
        return redirect("governance:noncompliance_detail", pk=report.pk)
    form = RespondForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.noncompliance_respond(
                report=report,
                finding=form.cleaned_data["finding"],
                response=form.cleaned_data["response"],
                remedial_action=form.cleaned_data["remedial_action"],
                acting_user=request.user,
                acting_membership=request.membership,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"Your response to {report.reference} has been sent")
            return redirect("governance:noncompliance_detail", pk=report.pk)
    return render(request, "governance/noncompliance/respond.html", {"report": report, "form": form})


@role_required(*CASE_HANDLERS)
@require_http_methods(["GET", "POST"])
def noncompliance_outcome(request, pk: int):
    report = selectors.access_noncompliance(membership=request.membership, pk=pk)
    if not services.noncompliance_may_close(membership=request.membership, report=report):
        messages.error(request, "Only the reporting organisation records the outcome, once the partner has responded")
        return redirect("governance:noncompliance_detail", pk=report.pk)
    form = OutcomeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.noncompliance_close(
                report=report,
                outcome=form.cleaned_data["outcome"],
                acting_user=request.user,
                acting_membership=request.membership,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"The outcome of {report.reference} is recorded and the report is closed")
            return redirect("governance:noncompliance_detail", pk=report.pk)
    return render(request, "governance/noncompliance/outcome.html", {"report": report, "form": form})


@role_required(*CASE_HANDLERS)
@require_http_methods(["GET", "POST"])
def suspension_new(request):
    membership = request.membership
    report = None
    report_pk = request.GET.get("report") or request.POST.get("report")
    if report_pk:
        try:
            report = selectors.access_noncompliance(membership=membership, pk=int(report_pk))
        except (TypeError, ValueError, OverflowError):
            report = None
    places = selectors.reportable_partners(membership=membership)
    initial = {"organisation": f"{report.partnership_id}:{report.concerns_organisation_id}"} if report else None
    form = SuspendForm(_posted(request), places=places, initial=initial)
    if request.method == "POST" and form.is_valid():
        place = form.chosen_place()
        try:
            decision = services.suspension_decide(
                partnership=place.partnership,
                organisation=place.organisation,
                reasons=form.cleaned_data["reasons"],
                review_date=form.cleaned_data["review_date"],
                report=report,
                acting_user=request.user,
                acting_membership=membership,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            return render(request, "governance/suspension/decided.html", {"decision": decision})
    return render(request, "governance/suspension/new.html", {"form": form, "report": report})


@role_required(*CASE_READERS)
@require_GET
def suspension_detail(request, pk: int):
    decision = selectors.access_suspension(membership=request.membership, pk=pk)
    return render(
        request,
        "governance/suspension/detail.html",
        {"decision": decision, "may_lift": services.suspension_may_lift(membership=request.membership, decision=decision)},
    )


@role_required(*CASE_HANDLERS)
@require_http_methods(["GET", "POST"])
def suspension_lift(request, pk: int):
    decision = selectors.access_suspension(membership=request.membership, pk=pk)
    if not services.suspension_may_lift(membership=request.membership, decision=decision):
        messages.error(request, "Only the organisation that decided this suspension can lift it, while it stands")
        return redirect("governance:suspension_detail", pk=decision.pk)
    form = LiftForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.suspension_lift(
                decision=decision, reasons=form.cleaned_data["reasons"], acting_user=request.user, acting_membership=request.membership
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"Sharing with {decision.organisation.name} has resumed")
            return redirect("governance:suspension_detail", pk=decision.pk)
    return render(request, "governance/suspension/lift.html", {"decision": decision, "form": form})
