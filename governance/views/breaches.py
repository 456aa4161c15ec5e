"""The breach pages (SDP 8): report (form, check answers, confirmation), the list and the DPO's
queue with the 72-hour clock, the case's task list, and the DPO's steps.

Who gets what (docs/adr/0003-404-or-403.md): every page needs an acting membership (403 first);
a breach the visitor may not see is 404 alike for missing and not-yours (`access_breach`); the
DPO's steps are 403 for anyone else who may see the case. Every page that shows a case is in
the access log: it describes an incident and lists the people it touches.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from governance.forms.breaches import BreachReportForm, IcoDecisionForm, InvestigationForm, LessonsForm, SummaryForm
from governance.models import BreachStatus, DataCategory, IcoDecision
from governance.selectors.breaches import (
    LINK_KINDS,
    access_breach,
    breach_clock,
    breach_link_choices,
    breach_links,
    breach_may_handle,
    breach_occurred_choices,
    breach_subjects,
    breaches_for_list,
)
from governance.services import breaches as services
from portal.accountability.services import access_record, access_records
from portal.forms.errors import form_add_service_errors
from portal.roles import Role
from portal.views.decorators import role_required

ANY_ROLE = tuple(Role)
PER_PAGE = 25


def _log(request, breach) -> None:
    access_record(
        user=request.user, organisation=request.membership.organisation, kind="view", object_type="breach",
        reference=breach.reference, path=request.get_full_path(),
    )


def _log_offered_subjects(request, links) -> None:
    """The report form names the people the reporter may link: each is a view of personal data."""
    if links.subjects:
        access_records(
            user=request.user, organisation=request.membership.organisation, kind="view", object_type="data_subject",
            references=[f"subject-{s.pk}" for s in links.subjects], path=request.path,
        )


def _handled(request, pk):
    breach = access_breach(user=request.user, pk=pk)
    if not breach_may_handle(membership=request.membership, breach=breach):
        raise PermissionDenied("Only the data protection officer of the organisation where it occurred handles it")
    return breach


def _case_context(request, breach) -> dict:
    return {"breach": breach, "clock": breach_clock(breach), "can_handle": breach_may_handle(membership=request.membership, breach=breach)}


@role_required(*ANY_ROLE)
@require_GET
def breach_list(request):
    """Everyone's reports; for a DPO, the queue of their organisation's open breaches with the clock."""
    show = "closed" if request.GET.get("show") == "closed" else "open"
    breaches = breaches_for_list(user=request.user, membership=request.membership, show=show)
    page_obj = Paginator(breaches, PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"breach": b, "clock": breach_clock(b)} for b in page_obj.object_list]
    if rows:
        access_records(
            user=request.user, organisation=request.membership.organisation, kind="view", object_type="breach",
            references=[row["breach"].reference for row in rows], path=request.get_full_path(),
        )
    return render(
        request,
        "governance/breaches/list.html",
        {"page_obj": page_obj, "rows": rows, "show": show, "is_dpo": request.membership.role == Role.DPO},
    )


def _report_summary(form: BreachReportForm) -> list[dict]:
    data = form.cleaned_data

    def labels(field):
        return [form.choice_label(field, v) for v in data.get(field) or []]

    return [
        {"key": "What happened", "value": data["what_happened"].strip(), "field": "what_happened", "text": True},
        {"key": "When it happened", "value": f"{data['happened_at']:%d/%m/%Y %H:%M}", "field": "happened_date"},
        {"key": "When it was discovered", "value": f"{data['discovered_at']:%d/%m/%Y %H:%M}", "field": "discovered_date"},
        {"key": "Organisation whose staff were involved", "value": form.choice_label("occurred_organisation", data["occurred_organisation"]), "field": "occurred_organisation"},
        {"key": "Kinds of information", "list": [DataCategory(c).label for c in data["data_categories"]], "field": "data_categories"},
        {"key": "Roughly how many people", "value": f"{data['people_affected']:,}", "field": "people_affected"},
        {"key": "Requests", "list": labels("requests") or ["None"], "field": "requests"},
        {"key": "Released information", "list": labels("releases") or ["None"], "field": "releases"},
        {"key": "Meetings", "list": labels("meetings") or ["None"], "field": "meetings"},
        {"key": "People", "list": labels("subjects") or ["None"], "field": "subjects"},
    ]


def _int(value) -> int:
    value = str(value or "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 5 else 1


def _as_initial(post) -> dict:
    multiple = {"data_categories", *LINK_KINDS}
    return {key: post.getlist(key) if key in multiple else post.get(key) for key in post if key != "csrfmiddlewaretoken"}


@role_required(*ANY_ROLE)
@require_http_methods(["GET", "POST"])
def breach_report(request):
    """Step 1, the form; step 2, check your answers (the answers travel as hidden fields, so a
    change keeps everything typed); sending reports it and starts the clock."""
    data = request.POST if request.method == "POST" else None
    step = request.POST.get("step", "") if data else ""
    searching = step == "search" or any(f"page_{kind}" in request.POST for kind in LINK_KINDS)
    links = breach_link_choices(
        user=request.user,
        queries={kind: (data or {}).get(f"q_{kind}", "") for kind in LINK_KINDS},
        pages={kind: _int((data or {}).get(f"page_{kind}")) for kind in LINK_KINDS},
        selected={kind: data.getlist(kind) for kind in LINK_KINDS} if data else {},
    )
    organisations = breach_occurred_choices(membership=request.membership)
    if searching:
        # A search or a page of one kind: everything typed comes back as it was, without errors yet.
        form = BreachReportForm(initial=_as_initial(request.POST), organisations=organisations, links=links)
        _log_offered_subjects(request, links)
        return render(request, "governance/breaches/report.html", {"form": form, "links": links})
    form = BreachReportForm(data, organisations=organisations, links=links)
    if request.method == "POST" and form.is_valid() and step != "change":
        if step == "send":
            data = form.cleaned_data
            try:
                breach = services.breach_report(
                    reporter=request.user,
                    membership=request.membership,
                    what_happened=data["what_happened"],
                    happened_at=data["happened_at"],
                    discovered_at=data["discovered_at"],
                    occurred_organisation_id=data["occurred_organisation"],
                    data_categories=data["data_categories"],
                    people_affected=data["people_affected"],
                    request_ids=data["requests"],
                    release_ids=data["releases"],
                    meeting_ids=data["meetings"],
                    subject_ids=data["subjects"],
                )
            except ValidationError as error:
                form_add_service_errors(
                    form, error, field_map={"happened_at": "happened_date", "discovered_at": "discovered_date"}
                )
            else:
                return redirect("governance:breach_reported", pk=breach.pk)
        else:
            _log_offered_subjects(request, links)
            return render(request, "governance/breaches/report_check.html", {"form": form, "rows": _report_summary(form)})
    _log_offered_subjects(request, links)
    return render(request, "governance/breaches/report.html", {"form": form, "links": links})


@role_required(*ANY_ROLE)
@require_GET
def breach_reported(request, pk: int):
    breach = access_breach(user=request.user, pk=pk)
    _log(request, breach)
    return render(request, "governance/breaches/reported.html", _case_context(request, breach))


@role_required(*ANY_ROLE)
@require_GET
def breach_detail(request, pk: int):
    """The case: the clock, what was reported, the links, and for the DPO the task list."""
    breach = access_breach(user=request.user, pk=pk)
    _log(request, breach)
    context = _case_context(request, breach)
    context.update(
        links=breach_links(breach=breach),
        subjects=list(breach_subjects(breach=breach)),
        categories=[DataCategory(c).label for c in breach.data_categories],
        sources=list(breach.source_organisations.order_by("name")),
        tasks=_tasks(breach) if context["can_handle"] or breach.status == BreachStatus.CLOSED else [],
        close_problems=services.breach_close_problems(breach),
    )
    return render(request, "governance/breaches/detail.html", context)


def _tasks(breach) -> list[dict]:
    def status(done: bool, can_start: bool = True) -> dict:
        if done:
            return {"completed": True, "label": "Completed"}
        return {"completed": False, "label": "Not yet started" if can_start else "Cannot start yet", "can_start": can_start}

    return [
        {"code": "ico", "title": "Decide whether to report it to the ICO", "url": reverse("governance:breach_ico", args=[breach.pk]),
         "status": status(breach.ico_decided_at is not None)},
        {"code": "investigation", "title": "Record the investigation", "url": reverse("governance:breach_investigation", args=[breach.pk]),
         "status": status(breach.investigation_recorded_at is not None)},
        {"code": "summary", "title": "Share the summary incident report", "url": reverse("governance:breach_summary", args=[breach.pk]),
         "status": status(breach.summary_shared_at is not None, breach.investigation_recorded_at is not None)},
        {"code": "lessons", "title": "Lessons learnt for the protocol review", "url": reverse("governance:breach_lessons", args=[breach.pk]),
         "status": {"completed": True, "label": "Marked"} if breach.lessons_learnt else {"completed": False, "label": "Optional", "can_start": True}},
    ]


def _step(request, pk, *, form_class, template, service, fields, success, initial=None, field_map=None):
    breach = _handled(request, pk)
    form = form_class(request.POST if request.method == "POST" else None, initial=initial(breach) if initial else None)
    if request.method == "POST" and form.is_valid():
        try:
            service(breach=breach, acting_user=request.user, membership=request.membership, **fields(form.cleaned_data))
        except ValidationError as error:
            form_add_service_errors(form, error, field_map=field_map)
        else:
            messages.success(request, success)
            return redirect("governance:breach_detail", pk=breach.pk)
    _log(request, breach)
    return render(request, template, {**_case_context(request, breach), "form": form})


@role_required(*ANY_ROLE)
@require_http_methods(["GET", "POST"])
def breach_ico(request, pk: int):
    breach = _handled(request, pk)
    if breach.ico_decided_at is not None:
        messages.error(request, "The ICO decision has already been recorded")
        return redirect("governance:breach_detail", pk=breach.pk)
    return _step(
        request, pk, form_class=IcoDecisionForm, template="governance/breaches/ico.html",
        service=services.breach_ico_decide,
        fields=lambda d: {"decision": d["decision"], "reasons": d["reasons"], "ico_reference": d["ico_reference"],
                          "reported_at": d["reported_at"]},
        success="ICO decision recorded: the 72-hour clock has stopped",
        field_map={"reported_at": "reported_date"},
    )


@role_required(*ANY_ROLE)
@require_http_methods(["GET", "POST"])
def breach_investigation(request, pk: int):
    return _step(
        request, pk, form_class=InvestigationForm, template="governance/breaches/investigation.html",
        service=services.breach_investigation_record, fields=lambda d: {"findings": d["findings"]},
        success="Investigation recorded", initial=lambda b: {"findings": b.investigation},
    )


@role_required(*ANY_ROLE)
@require_http_methods(["GET", "POST"])
def breach_summary(request, pk: int):
    return _step(
        request, pk, form_class=SummaryForm, template="governance/breaches/summary.html",
        service=services.breach_summary_share, fields=lambda d: {"summary": d["summary"]},
        success="Summary incident report shared with the partners involved", initial=lambda b: {"summary": b.summary_report},
    )


@role_required(*ANY_ROLE)
@require_http_methods(["GET", "POST"])
def breach_lessons(request, pk: int):
    return _step(
        request, pk, form_class=LessonsForm, template="governance/breaches/lessons.html",
        service=services.breach_lessons_mark,
        fields=lambda d: {"lessons_learnt": d["lessons_learnt"], "note": d["note"]},
        success="Lessons learnt saved", initial=lambda b: {"lessons_learnt": b.lessons_learnt, "note": b.lessons_note},
    )


@role_required(*ANY_ROLE)
@require_http_methods(["GET", "POST"])
def breach_close(request, pk: int):
    """Check your answers for the whole case, then close it (its legal holds are lifted)."""
    breach = _handled(request, pk)
    problems = services.breach_close_problems(breach)
    if request.method == "POST":
        try:
            services.breach_close(breach=breach, acting_user=request.user, membership=request.membership)
        except ValidationError as error:
            problems = error.messages
        else:
            return redirect("governance:breach_closed", pk=breach.pk)
    _log(request, breach)
    return render(request, "governance/breaches/close.html", {
        **_case_context(request, breach), "problems": problems,
        "ico_label": IcoDecision(breach.ico_decision).label if breach.ico_decision else "",
        "holds": breach.holds.filter(lifted_at__isnull=True).count(),
    })


@role_required(*ANY_ROLE)
@require_GET
def breach_closed(request, pk: int):
    breach = access_breach(user=request.user, pk=pk)
    _log(request, breach)
    return render(request, "governance/breaches/closed.html", _case_context(request, breach))
