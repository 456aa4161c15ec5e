"""The requesting officer's pages (DOMAIN.md §4 steps 1–2): raise a request as a draft, fill it
in through a GOV.UK task list, check the answers and submit; withdraw; answer a "returned for
more information"; list the requests one has raised.

Draft pages belong to the request's requester alone: anyone else gets 404, whether or not they
could see the submitted request (the requesting organisation's designated officer included). A
draft that has been submitted sends its requester on to the request page. Every page that shows
a subject's details, the information asked for or the checklist reasons writes the access log.
Views parse input, call one service from sharing.services.raising, and render. Flash messages
never carry a subject's details: Django keeps them in a cookie.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.forms.errors import form_add_service_errors
from portal.protocols.selectors import protocol_changes_since
from portal.roles import Role
from portal.views.decorators import role_required
from sharing import lifecycle
from sharing.forms.raising import (
    AnswerForm,
    ChecklistForm,
    InformationForm,
    PurposeForm,
    RaiseStartForm,
    SubjectForm,
    ThirdPartiesForm,
    UrgencyForm,
    WithdrawForm,
)
from sharing.models import NoteKind, RequestSubject, Status
from sharing.selectors import access_disclosure, destroyed_for, status_text, visible_disclosures, with_override_waiting
from sharing.services import raising as services
from sharing.views import next_steps
from sharing.views.actions import Action
from sharing.views.common import list_search, log_access, search_requests, subject_names_logged

REQUESTS_PER_PAGE = 25

# govuk-tag colour of each status in lists.
STATUS_TAGS = {
    Status.DRAFT: "govuk-tag--grey",
    Status.SUBMITTED: "govuk-tag--blue",
    Status.RETURNED: "govuk-tag--orange",
    Status.IN_REVIEW: "govuk-tag--light-blue",
    Status.AWAITING_ADVICE: "govuk-tag--yellow",
    Status.RELEASED: "govuk-tag--green",
    Status.PARTLY_RELEASED: "govuk-tag--turquoise",
    Status.DECLINED: "govuk-tag--red",
    Status.DISPUTED: "govuk-tag--pink",
    Status.WITHDRAWN: "govuk-tag--grey",
}

# Where each draft section is filled in, for the task list and the error summary's links.
SECTION_URLS = {
    "subjects": "sharing:draft_subjects",
    "purpose": "sharing:draft_purpose",
    "information": "sharing:draft_information",
    "urgency": "sharing:draft_urgency",
    "checklist": "sharing:draft_checklist",
}
SECTION_TITLES = {
    "subjects": "People the request is about",
    "purpose": "Purpose and legal basis",
    "information": "Information requested",
    "urgency": "Urgency",
    "checklist": "Necessity and proportionality checklist",
}

raisers_only = role_required(Role.OFFICER, Role.DESIGNATED_OFFICER)


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def draft_view(view):
    """Load the draft in the URL for its requester: 404 for anyone without need-to-know, 403 for
    others who can see the request (e.g. A's designated officer), and the request page for a
    requester whose draft has been submitted."""

    @wraps(view)
    def wrapped(http_request, pk, *args, **kwargs):
        disclosure = access_disclosure(user=http_request.user, pk=pk)
        if not services.draft_may_change(user=http_request.user, membership=http_request.membership, disclosure=disclosure):
            raise PermissionDenied("Only the requester can change a draft")
        if disclosure.status != Status.DRAFT:
            return redirect("sharing:request_detail", pk=disclosure.pk)
        return view(http_request, disclosure, *args, **kwargs)

    return wrapped


def _draft_subject(disclosure, subject_pk) -> RequestSubject:
    link = RequestSubject.objects.select_related("subject").filter(request=disclosure, pk=subject_pk).first()
    if link is None:
        raise Http404("No such person on this request")
    return link


def _to_tasks(disclosure):
    return redirect("sharing:draft_tasks", pk=disclosure.pk)


def _problem_href(disclosure, problem: services.Problem) -> str:
    if problem.subject_pk is not None:
        url = reverse("sharing:draft_subject_edit", kwargs={"pk": disclosure.pk, "subject_pk": problem.subject_pk})
    elif problem.section in SECTION_URLS:
        url = reverse(SECTION_URLS[problem.section], kwargs={"pk": disclosure.pk})
    else:
        return ""
    return f"{url}#{problem.anchor}" if problem.anchor else url


# ---------------------------------------------------------------------------------------------
# Raise
# ---------------------------------------------------------------------------------------------


@raisers_only
@require_http_methods(["GET", "POST"])
def raise_start(request):
    membership = request.membership
    form = RaiseStartForm(request.POST or None, requesting_organisation=membership.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            disclosure = services.disclosure_draft_create(
                requester=request.user,
                requesting_organisation=membership.organisation,
                holding_organisation=form.cleaned_data["holding_organisation"].organisation,
                partnership=form.cleaned_data["holding_organisation"].partnership,
                acting_user=request.user,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"Draft request {disclosure.reference} started")
            return _to_tasks(disclosure)
    return render(request, "sharing/raising/start.html", {"form": form})


@require_GET
@draft_view
def draft_tasks(request, disclosure):
    problems = services.disclosure_submit_problems(disclosure=disclosure)
    progress = services.draft_progress(disclosure=disclosure, problems=problems)
    tasks = [
        {
            "code": section,
            "title": SECTION_TITLES[section],
            "url": reverse(SECTION_URLS[section], kwargs={"pk": disclosure.pk}),
            "status": progress[section],
        }
        for section in services.SECTIONS
    ]
    completed = sum(1 for task in tasks if task["status"].completed)
    return render(
        request,
        "sharing/raising/tasks.html",
        {
            "disclosure": disclosure,
            "tasks": tasks,
            "completed": completed,
            "ready": not problems,
            "refusals": [p.message for p in problems if not p.section],
            # A newer version came into force after this draft was started (SSP 17, issue 12).
            "newer_protocol": protocol_changes_since(pack=disclosure.protocol_pack),
        },
    )


# --- People -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@draft_view
def draft_subjects(request, disclosure):
    form = ThirdPartiesForm(request.POST or None, initial={"third_parties": disclosure.third_parties})
    if request.method == "POST" and form.is_valid():
        try:
            services.disclosure_draft_third_parties_set(
                disclosure=disclosure, third_parties=form.cleaned_data["third_parties"], acting_user=request.user
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            return _to_tasks(disclosure)
    links = list(disclosure.subjects.select_related("subject"))
    log_access(request, disclosure)
    return render(
        request,
        "sharing/raising/subjects.html",
        {"disclosure": disclosure, "links": links, "form": form, "needs_nhs_number": bool(disclosure.special_category)},
    )


def _subject_form_page(request, disclosure, form, link=None):
    return render(
        request,
        "sharing/raising/subject_form.html",
        {"disclosure": disclosure, "form": form, "link": link, "needs_nhs_number": bool(disclosure.special_category)},
    )


@require_http_methods(["GET", "POST"])
@draft_view
def draft_subject_add(request, disclosure):
    form = SubjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.disclosure_draft_subject_add(disclosure=disclosure, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, "The person has been added to the request")
            return redirect("sharing:draft_subjects", pk=disclosure.pk)
    if request.method == "POST":
        log_access(request, disclosure)
    return _subject_form_page(request, disclosure, form)


@require_http_methods(["GET", "POST"])
@draft_view
def draft_subject_edit(request, disclosure, subject_pk: int):
    link = _draft_subject(disclosure, subject_pk)
    if request.method == "POST":
        form = SubjectForm(request.POST)
        if form.is_valid():
            try:
                services.disclosure_draft_subject_update(
                    disclosure=disclosure, request_subject_pk=link.pk, acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, "The person's details have been updated")
                return redirect("sharing:draft_subjects", pk=disclosure.pk)
    else:
        form = SubjectForm(initial=SubjectForm.initial_from(link))
    log_access(request, disclosure)
    return _subject_form_page(request, disclosure, form, link)


@require_http_methods(["GET", "POST"])
@draft_view
def draft_subject_remove(request, disclosure, subject_pk: int):
    link = _draft_subject(disclosure, subject_pk)
    error = None
    if request.method == "POST":
        try:
            services.disclosure_draft_subject_remove(
                disclosure=disclosure, request_subject_pk=link.pk, acting_user=request.user
            )
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(request, "The person has been removed from the request")
            return redirect("sharing:draft_subjects", pk=disclosure.pk)
    log_access(request, disclosure)
    return render(
        request, "sharing/raising/subject_remove.html", {"disclosure": disclosure, "link": link, "error": error}
    )


# --- Purpose, information, urgency, checklist --------------------------------------------------


@require_http_methods(["GET", "POST"])
@draft_view
def draft_purpose(request, disclosure):
    if request.method == "POST":
        form = PurposeForm(request.POST, request=disclosure)
        if form.is_valid():
            try:
                services.disclosure_draft_purpose_set(
                    disclosure=disclosure,
                    purpose=form.cleaned_data["purpose"],
                    forum=form.cleaned_data["forum"],
                    legal_gateway=form.cleaned_data["legal_gateway"],
                    lawful_bases=form.lawful_bases(),
                    acting_user=request.user,
                )
            except ValidationError as error:
                first_basis = form.basis_fields[0][0] if form.basis_fields else None
                form_add_service_errors(form, error, field_map={"lawful_bases": first_basis})
            else:
                return _to_tasks(disclosure)
    else:
        form = PurposeForm(initial=PurposeForm.initial_from(disclosure), request=disclosure)
    return render(request, "sharing/raising/purpose.html", {"disclosure": disclosure, "form": form})


@require_http_methods(["GET", "POST"])
@draft_view
def draft_information(request, disclosure):
    if request.method == "POST":
        form = InformationForm(request.POST)
        if form.is_valid():
            try:
                services.disclosure_draft_information_set(
                    disclosure=disclosure, acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                return _to_tasks(disclosure)
    else:
        form = InformationForm(initial=InformationForm.initial_from(disclosure))
    log_access(request, disclosure)
    return render(request, "sharing/raising/information.html", {"disclosure": disclosure, "form": form})


@require_http_methods(["GET", "POST"])
@draft_view
def draft_urgency(request, disclosure):
    if request.method == "POST":
        form = UrgencyForm(request.POST)
        if form.is_valid():
            try:
                services.disclosure_draft_urgency_set(disclosure=disclosure, acting_user=request.user, **form.cleaned_data)
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                return _to_tasks(disclosure)
    else:
        form = UrgencyForm(initial=UrgencyForm.initial_from(disclosure))
    return render(request, "sharing/raising/urgency.html", {"disclosure": disclosure, "form": form})


@require_http_methods(["GET", "POST"])
@draft_view
def draft_checklist(request, disclosure):
    questions = list(disclosure.protocol_pack.checklist_questions.order_by("order"))
    if request.method == "POST":
        form = ChecklistForm(request.POST, questions=questions)
        if form.is_valid():
            try:
                services.disclosure_draft_checklist_set(
                    disclosure=disclosure, answers=form.answers(), acting_user=request.user
                )
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                return _to_tasks(disclosure)
    else:
        form = ChecklistForm(
            initial=ChecklistForm.initial_from(disclosure.checklist_answers.all()), questions=questions
        )
    log_access(request, disclosure)
    return render(request, "sharing/raising/checklist.html", {"disclosure": disclosure, "form": form})


# --- Check answers and submit ------------------------------------------------------------------


def _check_answers_page(request, disclosure, *, errors: list[dict] | None = None, status: int = 200):
    problems = services.disclosure_submit_problems(disclosure=disclosure)
    links = list(disclosure.subjects.select_related("subject"))
    answers = {a.question_id: a for a in disclosure.checklist_answers.all()}
    questions = disclosure.protocol_pack.checklist_questions.order_by("order")
    checklist = [(question, answers.get(question.pk)) for question in questions]
    bases = list(disclosure.lawful_bases.order_by("order"))
    log_access(request, disclosure)
    return render(
        request,
        "sharing/raising/check_answers.html",
        {
            "disclosure": disclosure,
            "links": links,
            "checklist": checklist,
            "lawful_bases": bases,
            "errors": errors or [],
            "outstanding": [{"href": _problem_href(disclosure, p), "text": p.message} for p in problems],
            "urls": {section: reverse(name, kwargs={"pk": disclosure.pk}) for section, name in SECTION_URLS.items()},
        },
        status=status,
    )


@require_GET
@draft_view
def draft_check_answers(request, disclosure):
    return _check_answers_page(request, disclosure)


@require_POST
@draft_view
def draft_submit(request, disclosure):
    try:
        disclosure = services.disclosure_submit(
            disclosure=disclosure, acting_user=request.user, acting_membership=request.membership
        )
    except services.SubmitRefused as refused:
        errors = [{"href": _problem_href(disclosure, p), "text": p.message} for p in refused.problems]
        return _check_answers_page(request, disclosure, errors=errors)
    except ValidationError as refused:
        return _check_answers_page(request, disclosure, errors=[{"href": "", "text": m} for m in refused.messages])
    messages.success(request, next_steps.after_submit(disclosure))
    return redirect("sharing:request_detail", pk=disclosure.pk)


# ---------------------------------------------------------------------------------------------
# Withdraw, answer a return
# ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def request_withdraw(request, pk: int):
    disclosure = access_disclosure(user=request.user, pk=pk)
    if not services.disclosure_may_withdraw(user=request.user, membership=request.membership, disclosure=disclosure):
        raise PermissionDenied("Only the requester or their designated officer can withdraw a request")
    if not lifecycle.can_transition(disclosure, Status.WITHDRAWN):
        messages.error(request, f"This request is {disclosure.get_status_display().lower()}: it cannot be withdrawn")
        return redirect("sharing:request_detail", pk=disclosure.pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.disclosure_withdraw(
                disclosure=disclosure, reason=form.cleaned_data["reason"], acting_user=request.user
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"Request {disclosure.reference} has been withdrawn")
            return redirect("sharing:request_detail", pk=disclosure.pk)
    return render(request, "sharing/raising/withdraw.html", {"disclosure": disclosure, "form": form})


@require_http_methods(["GET", "POST"])
def request_answer(request, pk: int):
    disclosure = access_disclosure(user=request.user, pk=pk)
    if not services.disclosure_may_resubmit(user=request.user, membership=request.membership, disclosure=disclosure):
        raise PermissionDenied("Only the requester can answer a returned request")
    if disclosure.status != Status.RETURNED:
        messages.error(request, "This request is not waiting for more information from you")
        return redirect("sharing:request_detail", pk=disclosure.pk)
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.disclosure_resubmit(
                disclosure=disclosure,
                answer=form.cleaned_data["answer"],
                acting_user=request.user,
                acting_membership=request.membership,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"Your answer has been sent and request {disclosure.reference} resubmitted")
            return redirect("sharing:request_detail", pk=disclosure.pk)
    notes = list(
        disclosure.notes.filter(kind__in=[NoteKind.RETURNED, NoteKind.ANSWER]).select_related("author", "organisation")
    )
    log_access(request, disclosure)
    question = next((note for note in reversed(notes) if note.kind == NoteKind.RETURNED), None)
    return render(
        request,
        "sharing/raising/answer.html",
        {"disclosure": disclosure, "form": form, "notes": notes, "question": question},
    )


# ---------------------------------------------------------------------------------------------
# My requests
# ---------------------------------------------------------------------------------------------


def my_requests_queryset(*, user, membership):
    """The requests `user` raised for the acting organisation; a designated officer also sees
    every request the organisation has submitted (not other officers' unsubmitted drafts)."""
    own = Q(requester=user, requesting_organisation=membership.organisation)
    if membership.role == Role.DESIGNATED_OFFICER:
        own |= Q(requesting_organisation=membership.organisation) & ~Q(status=Status.DRAFT)
    return with_override_waiting(
        visible_disclosures(user=user)
        .filter(own)
        .select_related("holding_organisation")
        .only("pk", "reference", "status", "needed_by", "requester_id", "holding_organisation__name")
        .annotate(destroyed=destroyed_for(organisation_id=membership.organisation_id))
        .order_by("-pk")
    )


@raisers_only
@require_http_methods(["GET", "POST"])
def my_requests(request):
    """The requests raised for the acting organisation (sharing.views.raising.my_requests_queryset),
    searchable by reference, status and person (sharing.views.common.list_search), each row
    showing who it is about."""
    search, criteria, done = list_search(request, scope="my_requests")
    if done is not None:
        return done
    membership = request.membership
    queryset = search_requests(
        my_requests_queryset(user=request.user, membership=membership), request=request, criteria=criteria
    )
    page_obj = Paginator(queryset, REQUESTS_PER_PAGE).get_page(request.GET.get("page"))
    about = subject_names_logged(request, list(page_obj.object_list)) if page_obj.object_list else {}
    rows = [
        {
            "reference": r.reference,
            "url": reverse(
                "sharing:draft_tasks"
                if r.status == Status.DRAFT and r.requester_id == request.user.pk
                else "sharing:request_detail",
                kwargs={"pk": r.pk},
            ),
            "holding": r.holding_organisation.name if r.holding_organisation_id else "",
            # Destroyed under retention: the row stays (reference, organisation), the content is gone.
            "status": "Destroyed" if r.destroyed else status_text(r),
            "tag": "govuk-tag--grey" if r.destroyed else STATUS_TAGS.get(r.status, ""),
            "needed_by": r.needed_by,
            "about": about.get(r.pk, ""),
        }
        for r in page_obj
    ]
    return render(
        request,
        "sharing/raising/my_requests.html",
        {
            "search": search,
            "searching": bool(criteria),
            "page_obj": page_obj,
            "rows": rows,
            "designated": membership.role == Role.DESIGNATED_OFFICER,
        },
    )


# ---------------------------------------------------------------------------------------------
# Wiring
# ---------------------------------------------------------------------------------------------


def request_actions(*, user, membership, request, roles) -> list[Action]:
    """The requester's buttons on the request page: continue a draft, withdraw, answer a return."""
    actions = []
    kwargs = {"pk": request.pk}
    party = {"user": user, "membership": membership, "disclosure": request}
    if request.status == Status.DRAFT and services.draft_may_change(**party):
        actions.append(Action("Continue draft", reverse("sharing:draft_tasks", kwargs=kwargs), style="primary"))
    if request.status == Status.RETURNED and services.disclosure_may_resubmit(**party):
        actions.append(Action("Answer and resubmit", reverse("sharing:request_answer", kwargs=kwargs), style="primary"))
    if lifecycle.can_transition(request, Status.WITHDRAWN) and services.disclosure_may_withdraw(**party):
        actions.append(Action("Withdraw request", reverse("sharing:request_withdraw", kwargs=kwargs), style="warning"))
    return actions


urlpatterns = [
    path("raise/", raise_start, name="raise_start"),
    path("mine/", my_requests, name="my_requests"),
    path("<int:pk>/draft/", draft_tasks, name="draft_tasks"),
    path("<int:pk>/draft/people/", draft_subjects, name="draft_subjects"),
    path("<int:pk>/draft/people/add/", draft_subject_add, name="draft_subject_add"),
    path("<int:pk>/draft/people/<int:subject_pk>/", draft_subject_edit, name="draft_subject_edit"),
    path("<int:pk>/draft/people/<int:subject_pk>/remove/", draft_subject_remove, name="draft_subject_remove"),
    path("<int:pk>/draft/purpose/", draft_purpose, name="draft_purpose"),
    path("<int:pk>/draft/information/", draft_information, name="draft_information"),
    path("<int:pk>/draft/urgency/", draft_urgency, name="draft_urgency"),
    path("<int:pk>/draft/checklist/", draft_checklist, name="draft_checklist"),
    path("<int:pk>/draft/check-answers/", draft_check_answers, name="draft_check_answers"),
    path("<int:pk>/draft/submit/", draft_submit, name="draft_submit"),
    path("<int:pk>/withdraw/", request_withdraw, name="request_withdraw"),
    path("<int:pk>/answer/", request_answer, name="request_answer"),
]
