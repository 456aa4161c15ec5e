"""The complaint pages (SSP 12): the list, recording one, the case with each organisation's part,
recording a part, and the agreed outcome (check answers, then close).

Who gets what (docs/adr/0003-404-or-403.md): data protection officers and designated officers
only (403 for every other role, before anything is looked up); a complaint the visitor's
organisation takes no part in is 404 (`access_complaint`); a step the visitor may not take is 403.
A complaint names no one, but it is about requests that do: every page of one is access-logged.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from governance.forms.complaints import ComplaintForm, OutcomeForm, PartForm
from governance.selectors.complaints import (
    COMPLAINT_ROLES,
    REQUEST_CHOICES_LIMIT,
    access_complaint,
    complaint_may_record_outcome,
    complaint_part_of,
    complaint_parts,
    complaint_request_choices,
    complaints_for_list,
)
from governance.services import complaints as services
from portal.accountability.services import access_record
from portal.forms.errors import form_add_service_errors
from portal.views.decorators import role_required

PER_PAGE = 25


def _log(request, complaint) -> None:
    access_record(
        user=request.user, organisation=request.membership.organisation, kind="view", object_type="complaint",
        reference=complaint.reference, path=request.get_full_path(),
    )


def _context(request, complaint) -> dict:
    parts = complaint_parts(complaint=complaint)
    return {
        "complaint": complaint,
        "parts": parts,
        "joint": len(parts) > 1,
        "my_part": complaint_part_of(complaint=complaint, membership=request.membership),
        "can_record_outcome": complaint_may_record_outcome(complaint=complaint, membership=request.membership),
        "requests": list(complaint.requests.order_by("reference").values_list("pk", "reference")),
    }


@role_required(*COMPLAINT_ROLES)
@require_GET
def complaint_list(request):
    show = "closed" if request.GET.get("show") == "closed" else "open"
    page_obj = Paginator(complaints_for_list(user=request.user, show=show), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "governance/complaints/list.html", {"page_obj": page_obj, "show": show})


@role_required(*COMPLAINT_ROLES)
@require_http_methods(["GET", "POST"])
def complaint_new(request):
    choices = list(complaint_request_choices(organisation_id=request.membership.organisation_id)[:REQUEST_CHOICES_LIMIT])
    form = ComplaintForm(request.POST if request.method == "POST" else None, requests=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complaint = services.complaint_record(
                membership=request.membership, acting_user=request.user, about=data["about"], summary=data["summary"],
                received_on=data["received_on"], acknowledged_on=data["acknowledged_on"], request_ids=data["requests"],
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"Complaint {complaint.reference} recorded: what it concerns is kept from destruction while it is open")
            return redirect("governance:complaint_detail", pk=complaint.pk)
    return render(request, "governance/complaints/new.html", {"form": form, "has_choices": bool(choices)})


@role_required(*COMPLAINT_ROLES)
@require_GET
def complaint_detail(request, pk: int):
    complaint = access_complaint(user=request.user, pk=pk)
    _log(request, complaint)
    return render(request, "governance/complaints/detail.html", {
        **_context(request, complaint), "problems": services.complaint_outcome_problems(complaint),
    })


@role_required(*COMPLAINT_ROLES)
@require_http_methods(["GET", "POST"])
def complaint_part(request, pk: int):
    complaint = access_complaint(user=request.user, pk=pk)
    part = complaint_part_of(complaint=complaint, membership=request.membership)
    if part is None:
        raise PermissionDenied("Your organisation has no part to record in this complaint")
    form = PartForm(request.POST if request.method == "POST" else None, initial={"findings": part.findings})
    if request.method == "POST" and form.is_valid():
        try:
            services.complaint_part_record(
                complaint=complaint, findings=form.cleaned_data["findings"], acting_user=request.user,
                membership=request.membership,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, "Your organisation's part is recorded")
            return redirect("governance:complaint_detail", pk=complaint.pk)
    _log(request, complaint)
    return render(request, "governance/complaints/part.html", {**_context(request, complaint), "form": form, "part": part})


@role_required(*COMPLAINT_ROLES)
@require_http_methods(["GET", "POST"])
def complaint_outcome(request, pk: int):
    """Check every organisation's part, then record the agreed outcome: the complaint closes."""
    complaint = access_complaint(user=request.user, pk=pk)
    if not complaint_may_record_outcome(complaint=complaint, membership=request.membership):
        raise PermissionDenied("Only the receiving organisation records the agreed outcome")
    problems = services.complaint_outcome_problems(complaint)
    form = OutcomeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complaint_outcome_record(
                complaint=complaint, outcome=form.cleaned_data["outcome"], outcome_text=form.cleaned_data["outcome_text"],
                acting_user=request.user, membership=request.membership,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            return redirect("governance:complaint_closed", pk=complaint.pk)
    _log(request, complaint)
    return render(request, "governance/complaints/outcome.html", {**_context(request, complaint), "form": form, "problems": problems})


@role_required(*COMPLAINT_ROLES)
@require_GET
def complaint_closed(request, pk: int):
    complaint = access_complaint(user=request.user, pk=pk)
    _log(request, complaint)
    return render(request, "governance/complaints/closed.html", {"complaint": complaint})
