"""The data-subject rights pages (SDP 9): the DPO's cases, the task list of one case, the search
for the person across the portal, the consultations, the final decision and the response pack.

Only data protection officers have these pages (403 for every other role, before anything is
looked up); a case or consultation outside need-to-know is a 404 alike for missing and not-yours
(governance.selectors.rights). Every page that shows a person's name or the records about them
writes the access log, one entry per person record shown.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from governance.forms.rights import (
    AnswerForm,
    AuditSearchForm,
    DecideForm,
    EraseForm,
    ExtendForm,
    LiftForm,
    LinkForm,
    ObjectionForm,
    OpenForm,
    RectifyForm,
    RestrictForm,
    SearchForm,
)
from governance.models import ConsultationStatus, ObjectionOutcome, RightKind, RightsStatus
from governance.selectors import rights as selectors
from governance.services import rights as services
from portal.accountability.exports import audit_marking_name
from portal.accountability.services import access_record, access_records
from portal.forms.errors import form_add_service_errors
from portal.pdf import download_footer, render_pdf
from portal.roles import Role
from portal.views.decorators import role_required

PER_PAGE = 25


def _posted(request):
    return request.POST if request.method == "POST" else None


def _log_subjects(request, subjects) -> None:
    access_records(
        user=request.user,
        organisation=request.membership.organisation,
        kind="view",
        object_type="data_subject",
        references=[f"subject {s.pk}" for s in subjects],
        path=request.path,
    )


def _deadline_context(case) -> dict:
    today = timezone.localdate()
    days = (case.deadline - today).days
    return {"deadline": case.deadline, "days_left": days, "overdue": case.status == RightsStatus.OPEN and days < 0}


@role_required(Role.DPO)
@require_GET
def rights_list(request):
    membership = request.membership
    cases = selectors.visible_rights_cases(membership=membership).filter(receiving_organisation_id=membership.organisation_id)
    page_obj = Paginator(cases, PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"case": case, **_deadline_context(case)} for case in page_obj.object_list]
    consultations = list(selectors.consultations_awaiting(membership=membership))
    return render(
        request, "governance/rights/list.html", {"page_obj": page_obj, "rows": rows, "consultations": consultations}
    )


@role_required(Role.DPO)
@require_http_methods(["GET", "POST"])
def rights_open(request):
    form = OpenForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            case = services.rights_case_open(
                right=form.cleaned_data["right"],
                received_on=form.cleaned_data["received_on"],
                request_summary=form.cleaned_data["request_summary"],
                acting_user=request.user,
                acting_membership=request.membership,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"Case {case.reference} opened: due by {case.deadline:%-d %B %Y}")
            return redirect("governance:rights_case", pk=case.pk)
    return render(request, "governance/rights/open.html", {"form": form})


@role_required(Role.DPO)
@require_GET
def rights_case(request, pk: int):
    membership = request.membership
    case = selectors.access_rights_case(membership=membership, pk=pk)
    if case.receiving_organisation_id != membership.organisation_id:
        mine = case.consultations.filter(organisation_id=membership.organisation_id).first()
        return redirect("governance:rights_consultation", pk=mine.pk)
    subjects = list(case.subjects.select_related("holder"))
    records = selectors.records_mentioning(subject_ids=[s.pk for s in subjects])
    consultations = list(case.consultations.select_related("organisation", "answered_by"))
    _log_subjects(request, subjects)
    access_record(user=request.user, organisation=membership.organisation, kind="view", object_type="rights_case",
                  reference=case.reference, path=request.path)
    waiting = [c for c in consultations if c.status == ConsultationStatus.AWAITING]
    standing = list(selectors.restrictions_standing(case=case))
    return render(
        request,
        "governance/rights/case.html",
        {
            "case": case,
            "subjects": subjects,
            "records": records,
            "consultations": consultations,
            "waiting": waiting,
            "is_open": case.status == RightsStatus.OPEN,
            "holds": selectors.case_holds(case=case).filter(lifted_at__isnull=True).count(),
            "standing": standing,
            **_action_task(case, standing),
            **_deadline_context(case),
        },
    )


ACTIONS = {
    RightKind.RECTIFICATION: ("governance:rights_rectify", "Rectify the record", "governance.rights_rectified"),
    RightKind.ERASURE: ("governance:rights_erase", "Erase your organisation's records", "governance.rights_erased"),
    RightKind.RESTRICTION: ("governance:rights_restrict", "Restrict processing", "governance.rights_restricted"),
    RightKind.OBJECTION: ("governance:rights_objection", "Record the objection's outcome", "governance.rights_objection"),
}


def _action_task(case, standing) -> dict:
    """The task list's step carrying out what was agreed, for every right but access."""
    if case.right not in ACTIONS:
        return {}
    url_name, label, event = ACTIONS[case.right]
    done = selectors.case_events(case=case, action=event)
    if case.right == RightKind.OBJECTION and case.objection_outcome:
        status = case.get_objection_outcome_display()
    else:
        status = f"Done ({done})" if done else ""
    return {"action_url": reverse(url_name, kwargs={"pk": case.pk}), "action_label": label, "action_done": status}


def _receiving_case(request, pk: int):
    case = selectors.access_rights_case(membership=request.membership, pk=pk)
    if case.receiving_organisation_id != request.membership.organisation_id or case.status != RightsStatus.OPEN:
        messages.error(request, "Only the organisation that received the request acts on it, while it is open")
        return case, redirect("governance:rights_case", pk=case.pk)
    return case, None


@role_required(Role.DPO)
@require_http_methods(["GET", "POST"])
def rights_search(request, pk: int):
    case, back = _receiving_case(request, pk)
    if back:
        return back
    search = SearchForm(request.GET if "name" in request.GET or "nhs_number" in request.GET else None)
    found = []
    if search.is_bound and search.is_valid():
        found = list(
            selectors.subjects_matching(
                name=search.cleaned_data["name"],
                date_of_birth=search.cleaned_data["date_of_birth"],
                nhs_number=search.cleaned_data["nhs_number"],
            )
        )
    if request.method == "POST":
        chosen = request.POST.getlist("subjects")
        ids = [int(v) for v in chosen if v.isdigit() and len(v) < 19]
        found = list(selectors.subjects_matching_ids(ids=ids)) if ids else found
    form = LinkForm(_posted(request), subjects=found)
    if request.method == "POST" and form.is_valid():
        try:
            opened = services.rights_case_subjects_link(
                case=case, subject_ids=form.cleaned_data["subjects"], acting_user=request.user, acting_membership=request.membership
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"Linked; {len(opened)} organisation{'s' if len(opened) != 1 else ''} consulted")
            return redirect("governance:rights_case", pk=case.pk)
    _log_subjects(request, found)
    records = selectors.records_mentioning(subject_ids=[s.pk for s in found]) if found else []
    by_subject: dict[int, list] = {}
    for record in records:
        by_subject.setdefault(record.subject_id, []).append(record)
    rows = [{"subject": s, "records": by_subject.get(s.pk, [])} for s in found]
    return render(
        request, "governance/rights/search.html", {"case": case, "search": search, "form": form, "rows": rows}
    )


@role_required(Role.DPO)
@require_http_methods(["GET", "POST"])
def rights_extend(request, pk: int):
    case, back = _receiving_case(request, pk)
    if back:
        return back
    form = ExtendForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            case = services.rights_case_extend(
                case=case, extended_to=form.cleaned_data["extended_to"], reasons=form.cleaned_data["reasons"],
                acting_user=request.user, acting_membership=request.membership,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"The deadline is now {case.deadline:%-d %B %Y}")
            return redirect("governance:rights_case", pk=case.pk)
    return render(request, "governance/rights/extend.html", {"case": case, "form": form, **_deadline_context(case)})


@role_required(Role.DPO)
@require_http_methods(["GET", "POST"])
def rights_decide(request, pk: int):
    case, back = _receiving_case(request, pk)
    if back:
        return back
    form = DecideForm(_posted(request))
    consultations = list(case.consultations.select_related("organisation"))
    if request.method == "POST" and form.is_valid():
        try:
            case = services.rights_case_decide(
                case=case,
                decision=form.cleaned_data["decision"],
                reasons=form.cleaned_data["reasons"],
                released=form.cleaned_data["released"],
                redactions=form.cleaned_data["redactions"],
                acting_user=request.user,
                acting_membership=request.membership,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            return render(request, "governance/rights/decided.html", {"case": case})
    return render(request, "governance/rights/decide.html", {"case": case, "form": form, "consultations": consultations})


@role_required(Role.DPO)
@require_GET
def rights_pack(request, pk: int):
    """The final response pack: what is released, what is redacted and why, each partner's answer."""
    membership = request.membership
    case = selectors.access_rights_case(membership=membership, pk=pk)
    if case.receiving_organisation_id != membership.organisation_id or case.status != RightsStatus.CLOSED:
        messages.error(request, "The response pack is ready once the final decision is recorded")
        return redirect("governance:rights_case", pk=case.pk)
    subjects = list(case.subjects.select_related("holder"))
    pdf = render_pdf(
        template_name="governance/rights/pack_pdf.html",
        context={
            "case": case,
            "subjects": subjects,
            "consultations": list(case.consultations.select_related("organisation", "answered_by")),
            "generated_at": timezone.localtime(),
        },
        marking_text=audit_marking_name(),
        footer_text=download_footer(user=request.user, organisation_name=membership.organisation.name),
    )
    access_record(user=request.user, organisation=membership.organisation, kind="download", object_type="rights_case",
                  reference=case.reference, path=request.path)
    _log_subjects(request, subjects)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{case.reference}-response-pack.pdf"'
    return response


@role_required(Role.DPO)
@require_http_methods(["GET", "POST"])
def rights_consultation(request, pk: int):
    membership = request.membership
    consultation = selectors.access_consultation(membership=membership, pk=pk)
    case = consultation.case
    may_answer = consultation.organisation_id == membership.organisation_id and case.status == RightsStatus.OPEN
    form = AnswerForm(_posted(request)) if may_answer else None
    if request.method == "POST":
        if not may_answer:
            messages.error(request, "Only the organisation consulted answers, while the case is open")
            return redirect("governance:rights_consultation", pk=consultation.pk)
        if form.is_valid():
            try:
                services.rights_consultation_answer(
                    consultation=consultation,
                    answer=form.cleaned_data["answer"],
                    exemption=form.cleaned_data["exemption"],
                    reasons=form.cleaned_data["reasons"],
                    third_party_information=form.third_party(),
                    acting_user=request.user,
                    acting_membership=membership,
                )
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, f"Your answer on {case.reference} has been sent to {case.receiving_organisation.name}")
                return redirect("governance:rights_consultation", pk=consultation.pk)
    subjects = list(case.subjects.select_related("holder"))
    _log_subjects(request, subjects)
    return render(
        request,
        "governance/rights/consultation.html",
        {"consultation": consultation, "case": case, "subjects": subjects, "form": form, **_deadline_context(case)},
    )


# --- carrying out what was agreed (rectify, erase, restrict, objection; lift) ----------------


def _action_case(request, pk: int, right: str):
    case, back = _receiving_case(request, pk)
    if back is None and case.right != right:
        messages.error(request, "That step belongs to another kind of rights case")
        back = redirect("governance:rights_case", pk=case.pk)
    return case, back


@role_required(Role.DPO)
@require_http_methods(["GET", "POST"])
def rights_rectify(request, pk: int):
    """Choose a person record the organisation holds, correct it, check the answers, confirm."""
    case, back = _action_case(request, pk, RightKind.RECTIFICATION)
    if back:
        return back
    held = list(case.subjects.filter(holder_id=request.membership.organisation_id).select_related("holder"))
    chosen_id = request.POST.get("subject") or request.GET.get("subject")
    subject = next((s for s in held if str(s.pk) == chosen_id), None)
    if subject is None:
        _log_subjects(request, held)
        return render(request, "governance/rights/rectify_choose.html", {"case": case, "held": held})
    _log_subjects(request, [subject])
    initial = {f: getattr(subject, f) for f in RectifyForm.FIELDS}
    form = RectifyForm(_posted(request), initial=initial)
    context = {"case": case, "subject": subject, "form": form}
    if request.method == "POST" and form.is_valid():
        changes = form.changes_from(subject)
        if not changes:
            form.add_error(None, "Nothing was changed: enter the corrected details")
        elif "confirm" in request.POST:
            try:
                services.rights_case_rectify(case=case, subject_id=subject.pk, changes=changes,
                                             acting_user=request.user, acting_membership=request.membership)
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                return render(request, "governance/rights/done.html", {
                    "case": case, "title": "Record rectified",
                    "body": f"{len(changes)} detail{'s' if len(changes) != 1 else ''} corrected",
                    "next": "Tell the person, and each organisation the record was shared with (Art 19)."})
        elif "change" not in request.POST:
            rows = [{"label": form.fields[f].label, "before": getattr(subject, f), "after": v} for f, v in changes.items()]
            return render(request, "governance/rights/rectify_check.html", {**context, "rows": rows})
    return render(request, "governance/rights/rectify.html", context)


@role_required(Role.DPO)
@require_http_methods(["GET", "POST"])
def rights_erase(request, pk: int):
    """Choose the people, give the reasons, check what will be destroyed, confirm."""
    case, back = _action_case(request, pk, RightKind.ERASURE)
    if back:
        return back
    subjects = list(case.subjects.select_related("holder"))
    form = EraseForm(_posted(request), subjects=subjects)
    _log_subjects(request, subjects)
    if request.method == "POST" and form.is_valid():
        ids = form.cleaned_data["subjects"]
        if "confirm" in request.POST:
            try:
                erasure = services.rights_case_erase(case=case, subject_ids=ids, reasons=form.cleaned_data["reasons"],
                                                     acting_user=request.user, acting_membership=request.membership)
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                return render(request, "governance/rights/erased.html", {"case": case, "erasure": erasure})
        elif "change" not in request.POST:
            copies = selectors.copies_to_erase(organisation=request.membership.organisation, subject_ids=ids)
            return render(request, "governance/rights/erase_check.html", {"case": case, "form": form, "copies": copies})
    return render(request, "governance/rights/erase.html", {"case": case, "form": form})


@role_required(Role.DPO)
@require_http_methods(["GET", "POST"])
def rights_restrict(request, pk: int):
    case, back = _action_case(request, pk, RightKind.RESTRICTION)
    if back:
        return back
    subjects = list(case.subjects.select_related("holder"))
    form = RestrictForm(_posted(request), subjects=subjects)
    _log_subjects(request, subjects)
    if request.method == "POST" and form.is_valid():
        try:
            placed = services.rights_case_restrict(case=case, subject_ids=form.cleaned_data["subjects"],
                                                   reasons=form.cleaned_data["reasons"], acting_user=request.user,
                                                   acting_membership=request.membership)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            return render(request, "governance/rights/done.html", {
                "case": case, "title": "Processing restricted",
                "body": f"{len(placed)} person record{'s' if len(placed) != 1 else ''} restricted",
                "next": "No request about this person can be raised, sent or released by your organisation until the restriction is lifted."})
    return render(request, "governance/rights/restrict.html", {"case": case, "form": form, "heading": "Restrict processing",
                                                                "button": "Restrict processing"})


@role_required(Role.DPO)
@require_http_methods(["GET", "POST"])
def rights_objection(request, pk: int):
    case, back = _action_case(request, pk, RightKind.OBJECTION)
    if back:
        return back
    subjects = list(case.subjects.select_related("holder"))
    form = ObjectionForm(_posted(request), subjects=subjects)
    _log_subjects(request, subjects)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.rights_case_objection(
                case=case, outcome=form.cleaned_data["outcome"], reasons=form.cleaned_data["reasons"],
                subject_ids=form.cleaned_data["subjects"], acting_user=request.user, acting_membership=request.membership)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            upheld = case.objection_outcome == ObjectionOutcome.UPHELD
            return render(request, "governance/rights/done.html", {
                "case": case, "title": "Objection's outcome recorded", "body": case.get_objection_outcome_display(),
                "next": "Processing of the person's information is restricted until lifted." if upheld else
                "Tell the person the compelling legitimate grounds and their right to complain to the ICO."})
    return render(request, "governance/rights/restrict.html", {"case": case, "form": form,
                                                                "heading": "Record the objection's outcome", "button": "Record the outcome"})


@role_required(Role.DPO)
@require_http_methods(["GET", "POST"])
def rights_restriction_lift(request, pk: int):
    case = selectors.access_rights_case(membership=request.membership, pk=pk)
    standing = list(selectors.restrictions_standing(case=case))
    if case.receiving_organisation_id != request.membership.organisation_id or not standing:
        messages.error(request, "No restriction of your organisation stands on this case")
        return redirect("governance:rights_case", pk=case.pk)
    form = LiftForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            lifted = services.rights_restriction_lift(case=case, reasons=form.cleaned_data["reasons"],
                                                      acting_user=request.user, acting_membership=request.membership)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            return render(request, "governance/rights/done.html", {
                "case": case, "title": "Restriction lifted", "body": f"{lifted} person record{'s' if lifted != 1 else ''}",
                "next": "Tell the person before processing resumes (Art 18(3))."})
    _log_subjects(request, [r.subject for r in standing])
    return render(request, "governance/rights/lift.html", {"case": case, "form": form, "standing": standing})


# --- the auditor's read-only view (access-logged) ---------------------------------------------


@role_required(Role.AUDITOR)
@require_GET
def rights_audit_list(request):
    form = AuditSearchForm(request.GET or None)
    q, status = "", ""
    if form.is_bound and form.is_valid():
        q, status = form.cleaned_data["q"], form.cleaned_data["status"]
    cases = selectors.audit_rights_cases(membership=request.membership, q=q, status=status)
    page_obj = Paginator(cases, PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"case": case, **_deadline_context(case)} for case in page_obj.object_list]
    access_records(user=request.user, organisation=request.membership.organisation, kind="view",
                   object_type="rights_case", references=[r["case"].reference for r in rows], path=request.path)
    return render(request, "governance/rights/audit_list.html", {"form": form, "page_obj": page_obj, "rows": rows})


@role_required(Role.AUDITOR)
@require_GET
def rights_audit_case(request, pk: int):
    case = selectors.audit_rights_case(membership=request.membership, pk=pk)
    access_record(user=request.user, organisation=request.membership.organisation, kind="view", object_type="rights_case",
                  reference=case.reference, path=request.path)
    return render(request, "governance/rights/audit_case.html", {
        "case": case,
        "subject_count": case.subjects.count(),
        "consultations": list(case.consultations.select_related("organisation")),
        "restrictions": list(case.restrictions.select_related("organisation")),
        "entries": selectors.case_log(case=case),
        **_deadline_context(case),
    })
