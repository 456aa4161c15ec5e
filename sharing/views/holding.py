"""The holding organisation's side of a disclosure request (DOMAIN.md §4 steps 3–6, §6; SSP 5.6,
7, 8.2, 9, Appendices 3 and 4): the inbox, assignment and pick-up, return for more information,
the key-questions flowchart, advice, sub judice consultation, and the decision.

Who gets what:
- the inbox is for the acting membership's organisation when the role is officer or designated
  officer (403 otherwise). It shows triage fields only, never the subject or what is asked for;
- picking up is for any officer of the holding organisation (they do not have need-to-know yet):
  the request is loaded by `access_for_assignment`; anyone else gets 404 (403 if they already
  have need-to-know, e.g. the requester);
- every other page loads the request through `access_disclosure` (404 for "missing" and "not
  yours" alike), then checks the person's part in it: someone with need-to-know but not the part
  this page needs gets 403. A page whose action the request's state does not allow sends the
  person back to the request page with a message.
Views parse input, call one service, render; pages that show personal data write the access log.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from portal.accountability.services import access_records
from portal.forms.errors import form_add_service_errors
from portal.models import FlowchartOutcome, Organisation
from portal.roles import Role
from portal.templatetags.portal_tags import form_error_list
from portal.uploads import max_upload_bytes, size_label, upload_limited
from portal.views.decorators import role_required
from sharing import lifecycle
from sharing.forms.holding import (
    MAX_ITEM_ROWS,
    AdviceForm,
    AssignForm,
    DecideForm,
    FlowchartAnswerForm,
    FlowchartOutcomeForm,
    InboxFilterForm,
    ReleaseItemFormSet,
    ReleaseItemRowsFormSet,
    ReturnForm,
    SeekAdviceForm,
    SubJudiceForm,
)
from sharing.models import NoteKind, Status, Urgency
from sharing.selectors import (
    INBOX_FILTERS,
    INBOX_STATUSES,
    InboxRow,
    access_disclosure,
    access_for_assignment,
    inbox_disclosures,
    inbox_page_rows,
    inbox_row_detail,
    inbox_summary,
    status_text,
    visible_disclosures,
    with_inbox_row_details,
)
from sharing.services import decide as decide_services
from sharing.services import review as review_services
from sharing.views.actions import Action
from sharing.views.common import (
    back_to_request,
    list_search,
    log_access,
    posted,
    search_requests,
)
from sharing.views.override import decide_page_context

INBOX_PER_PAGE = 25
ANSWER_LABELS = {"yes": "Yes", "no": "No", "not_sure": "Not sure"}


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _refuse(request, pk) -> None:
    """Someone who may see the request but not do this gets 403; anyone else 404."""
    if visible_disclosures(user=request.user).filter(pk=pk).exists():
        raise PermissionDenied("You cannot do this on this request")
    raise Http404("No such request")


def _outcome_label(run) -> str:
    if run is None:
        return ""
    return FlowchartOutcome(run.outcome).label if run.outcome in FlowchartOutcome.values else run.outcome


def _state_label(disclosure) -> str:
    return Status(disclosure.status).label.lower()


def _may(rule, request, disclosure) -> bool:
    """The action's `*_may_*` rule, for the person and the membership they act in."""
    return rule(user=request.user, membership=request.membership, disclosure=disclosure)


def _assignee_in_review(request, pk: int, rule):
    """The request, for the person `rule` (the action's `*_may_*` rule: its assignee) allows:
    (request, None) while it is in review, otherwise (request, a redirect to the request page
    with a message). 404/403 for everyone else."""
    disclosure = access_disclosure(user=request.user, pk=pk)
    if not _may(rule, request, disclosure):
        raise PermissionDenied("Only the officer this request is assigned to can do this")
    if disclosure.status != Status.IN_REVIEW:
        return disclosure, back_to_request(
            request,
            disclosure,
            f"This request is {_state_label(disclosure)}: that can only be done while it is in review.",
        )
    return disclosure, None


# ---------------------------------------------------------------------------------------------
# Inbox
# ---------------------------------------------------------------------------------------------


# The row's links, by the request's id: each URL name reversed once a page, not once a row.
_INBOX_LINKS = ("sharing:request_detail", "sharing:request_pick_up", "sharing:request_assign")
_PK_MARK = 918273645546372819


def _inbox_entries(rows, details, *, is_designated: bool) -> list[dict]:
    """Everything the inbox's table shows of each row, worked out here so the template only
    prints it (25 rows of template lookups and `{% url %}`s were a third of the page's time)."""
    links = {name: reverse(name, args=[_PK_MARK]) for name in _INBOX_LINKS}
    mark = str(_PK_MARK)
    today = timezone.localdate()
    urgency = dict(Urgency.choices)
    nothing = InboxRow(False, False, ())
    entries = []
    for row in rows:
        pk = str(row.pk)
        detail = details.get(row.pk, nothing)
        can_assign = is_designated and row.status in review_services.ASSIGNABLE_STATUSES
        entries.append(
            {
                "request": row,
                "reference": row.reference,
                "href": links["sharing:request_detail"].replace(mark, pk) if detail.can_open else "",
                "can_open": detail.can_open,
                "destroyed": detail.destroyed,
                "about": ", ".join(detail.names),
                "from": row.requesting_organisation.name,
                "partnership": row.protocol_pack.partnership_name if row.protocol_pack_id else "",
                "purpose": row.purpose.name if row.purpose_id else "",
                "urgency": urgency.get(row.urgency, row.urgency) if row.urgency else "",
                "urgency_tag": {"immediate": "red", "urgent": "orange"}.get(row.urgency, ""),
                "needed_by": row.needed_by,
                "status": status_text(row),
                "assigned": row.assignee_id is not None,
                "assignee": row.assignee.display_name if row.assignee_id else "",
                "pick_up_url": links["sharing:request_pick_up"].replace(mark, pk)
                if row.status == Status.SUBMITTED and row.assignee_id is None
                else "",
                "assign_url": links["sharing:request_assign"].replace(mark, pk) if can_assign else "",
                "overdue": row.needed_by is not None and row.status in INBOX_STATUSES and row.needed_by < today,
            }
        )
    return entries


@role_required(Role.OFFICER, Role.DESIGNATED_OFFICER)
@require_http_methods(["GET", "POST"])
def inbox(request):
    """The holding organisation's requests, by tab and due date; searchable by reference, status
    and person (sharing.views.common.list_search), each row showing who it is about to those
    who may open it."""
    search, criteria, done = list_search(request, scope="inbox", keep=("show", "sort"))
    if done is not None:
        return done
    membership = request.membership
    filters = InboxFilterForm(request.GET)
    show, sort = filters.values()
    queryset = search_requests(
        inbox_disclosures(organisation_id=membership.organisation_id, user=request.user, show=show, sort=sort),
        request=request,
        criteria=criteria,
    )
    # Each row's need-to-know, destroyed copy and subject names, in the page's own query.
    queryset = with_inbox_row_details(queryset, user=request.user, organisation_id=membership.organisation_id)
    summary = inbox_summary(organisation_id=membership.organisation_id, user=request.user)
    counts = summary.counts
    paginator = Paginator(queryset, INBOX_PER_PAGE)
    if not criteria:
        # The tab's count is the page's total: no second COUNT(*) over the same rows.
        paginator.count = counts.get(show, counts["open"])
    page_obj = paginator.get_page(request.GET.get("page"))
    rows = inbox_page_rows(queryset, page_obj.object_list, show=show)
    page_obj.object_list = rows  # what the page's template iterates or tests (`{% if page_obj %}`): these rows
    details = {row.pk: inbox_row_detail(row) for row in rows}
    shown = [row.reference for row in rows if row.pk in details and details[row.pk].names]
    if shown:  # each request whose names are shown is logged as viewed, in one INSERT
        access_records(
            user=request.user, organisation=membership.organisation, kind="view",
            object_type="disclosure_request", references=shown, path=request.path,
        )
    entries = _inbox_entries(rows, details, is_designated=membership.role == Role.DESIGNATED_OFFICER)
    tabs = [
        {"code": code, "label": label, "count": counts.get(code, 0), "current": code == show}
        for code, label in INBOX_FILTERS.items()
    ]
    return render(
        request,
        "sharing/holding/inbox.html",
        {
            # Requests come under each partnership the organisation belongs to: each row says which.
            "several_partnerships": summary.several_partnerships,
            "inbox_marking": summary.marking,
            "filters": filters,
            "search": search,
            "searching": bool(criteria),
            "show": show,
            "sort": sort,
            "show_label": INBOX_FILTERS[show],
            "tabs": tabs,
            "page_obj": page_obj,
            "entries": entries,
            "organisation": membership.organisation,
        },
    )


# ---------------------------------------------------------------------------------------------
# Assignment and pick-up
# ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def request_assign(request, pk: int):
    disclosure = access_disclosure(user=request.user, pk=pk)
    if not _may(review_services.disclosure_may_assign, request, disclosure):
        raise PermissionDenied("Only the holding organisation's designated officer can assign this request")
    if disclosure.status not in review_services.ASSIGNABLE_STATUSES:
        return back_to_request(
            request, disclosure, f"This request is {_state_label(disclosure)}: it cannot be assigned now."
        )
    officers = review_services.assignable_officers(organisation_id=disclosure.holding_organisation_id)
    initial = {"assignee": disclosure.assignee_id} if disclosure.assignee_id else {}
    form = AssignForm(posted(request), officers=officers, initial=initial)
    if request.method == "POST" and form.is_valid():
        assignee = next(m.user for m in officers if m.user_id == form.cleaned_data["assignee"])
        try:
            review_services.disclosure_assign(
                disclosure=disclosure, assignee=assignee, acting_user=request.user, acting_membership=request.membership
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"{disclosure.reference} has been assigned to {assignee.display_name}")
            return redirect("sharing:inbox")
    return render(request, "sharing/holding/assign.html", {"form": form, "disclosure": disclosure})


@require_POST
def request_pick_up(request, pk: int):
    try:
        disclosure = access_for_assignment(user=request.user, membership=request.membership, pk=pk)
    except Http404:
        _refuse(request, pk)
    try:
        review_services.disclosure_pick_up(
            disclosure=disclosure, acting_user=request.user, acting_membership=request.membership
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("sharing:inbox")
    messages.success(request, f"You have picked up {disclosure.reference}")
    return redirect("sharing:request_detail", pk=disclosure.pk)


# ---------------------------------------------------------------------------------------------
# Return for more information
# ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def request_return(request, pk: int):
    disclosure = access_disclosure(user=request.user, pk=pk)
    if not _may(review_services.disclosure_may_return, request, disclosure):
        raise PermissionDenied("Only the assigned officer or the designated officer can return this request")
    if not lifecycle.can_transition(disclosure, Status.RETURNED):
        return back_to_request(
            request,
            disclosure,
            f"This request is {_state_label(disclosure)}: it cannot be returned for more information.",
        )
    form = ReturnForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            review_services.disclosure_return(
                disclosure=disclosure,
                text=form.cleaned_data["text"],
                acting_user=request.user,
                acting_membership=request.membership,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"{disclosure.reference} has been returned to the requester for more information")
            return redirect("sharing:request_detail", pk=disclosure.pk)
    return render(request, "sharing/holding/return.html", {"form": form, "disclosure": disclosure})


# ---------------------------------------------------------------------------------------------
# The key-questions flowchart
# ---------------------------------------------------------------------------------------------


def _flowchart_context(disclosure) -> dict:
    data = disclosure.protocol_pack.data
    flowchart = data.get("flowchart", {})
    return {
        "golden_rules": data.get("golden_rules", []),
        "safeguarding": flowchart.get("safeguarding", {}),
        "outcome_texts": {item["code"]: item for item in flowchart.get("outcomes", [])},
        "safeguarding_route": disclosure.holding_organisation.safeguarding_route,
    }


def _next_url(disclosure, position) -> str:
    if position.outcome:
        return reverse("sharing:flowchart_outcome", kwargs={"pk": disclosure.pk})
    return reverse("sharing:flowchart_question", kwargs={"pk": disclosure.pk, "code": position.next_node})


@require_http_methods(["GET", "POST"])
def flowchart_start(request, pk: int):
    disclosure, refused = _assignee_in_review(request, pk, review_services.flowchart_may_run)
    if refused:
        return refused
    if request.method == "POST":
        try:
            run = review_services.flowchart_run_start(disclosure=disclosure, acting_user=request.user)
        except ValidationError as error:
            return back_to_request(request, disclosure, " ".join(error.messages))
        nodes = review_services.flowchart_nodes(disclosure=disclosure)
        return redirect(_next_url(disclosure, review_services.flowchart_position(run=run, nodes=nodes)))
    run = review_services.flowchart_open_run(disclosure=disclosure, user=request.user)
    latest = review_services.flowchart_latest_completed(disclosure=disclosure)
    checklist = list(disclosure.checklist_answers.select_related("question").order_by("question__order"))
    advice = list(disclosure.notes.filter(kind__in=[NoteKind.ADVICE_SOUGHT, NoteKind.ADVICE]).select_related("author"))
    log_access(request, disclosure)
    return render(
        request,
        "sharing/holding/flowchart_start.html",
        {
            "disclosure": disclosure,
            "run": run,
            "checklist": checklist,
            "advice_notes": advice,
            "latest": latest,
            "latest_outcome_label": _outcome_label(latest),
            **_flowchart_context(disclosure),
        },
    )


def _open_run_or_redirect(request, disclosure):
    run = review_services.flowchart_open_run(disclosure=disclosure, user=request.user)
    if run is None:
        messages.error(request, "Start the key-questions flowchart first.")
        return None, redirect("sharing:flowchart_start", pk=disclosure.pk)
    return run, None


def _path_rows(disclosure, run, nodes) -> list[dict]:
    position = review_services.flowchart_position(run=run, nodes=nodes)
    rows = []
    for step, code in zip(run.path or [], position.answered):
        node = nodes[code]
        rows.append(
            {
                "code": code,
                "question": node.question,
                "answer": ANSWER_LABELS.get(step.get("answer"), step.get("answer")),
                "url": reverse("sharing:flowchart_question", kwargs={"pk": disclosure.pk, "code": code}),
            }
        )
    return rows


@require_http_methods(["GET", "POST"])
def flowchart_question(request, pk: int, code: str):
    disclosure, refused = _assignee_in_review(request, pk, review_services.flowchart_may_run)
    if refused:
        return refused
    run, refused = _open_run_or_redirect(request, disclosure)
    if refused:
        return refused
    nodes = review_services.flowchart_nodes(disclosure=disclosure)
    node = nodes.get(code)
    if node is None:
        raise Http404("No such question")
    position = review_services.flowchart_position(run=run, nodes=nodes)
    if code not in position.answered and code != position.next_node:
        return redirect(_next_url(disclosure, position))
    previous = next((step for step in run.path or [] if isinstance(step, dict) and step.get("node") == code), None)
    initial = {"answer": previous.get("answer"), "note": previous.get("note", "")} if previous else {}
    form = FlowchartAnswerForm(posted(request), question=node.question, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            run, target = review_services.flowchart_answer(
                run=run,
                node_code=code,
                answer=form.cleaned_data["answer"],
                note=form.cleaned_data["note"],
                safeguarding_concern=form.cleaned_data["safeguarding_concern"],
                acting_user=request.user,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            if form.cleaned_data["safeguarding_concern"]:
                messages.success(
                    request,
                    "Your safeguarding concern has been recorded. "
                    "Follow your organisation's safeguarding procedures now.",
                )
            if target.get("node"):
                return redirect("sharing:flowchart_question", pk=disclosure.pk, code=target["node"])
            return redirect("sharing:flowchart_outcome", pk=disclosure.pk)
    number = list(nodes).index(code) + 1
    before = position.answered[: position.answered.index(code)] if code in position.answered else position.answered
    back_url = (
        reverse("sharing:flowchart_question", kwargs={"pk": disclosure.pk, "code": before[-1]})
        if before
        else reverse("sharing:flowchart_start", kwargs={"pk": disclosure.pk})
    )
    return render(
        request,
        "sharing/holding/flowchart_question.html",
        {
            "disclosure": disclosure,
            "run": run,
            "node": node,
            "number": number,
            "form": form,
            "back_url": back_url,
            **_flowchart_context(disclosure),
        },
    )


@require_http_methods(["GET", "POST"])
def flowchart_outcome(request, pk: int):
    disclosure, refused = _assignee_in_review(request, pk, review_services.flowchart_may_run)
    if refused:
        return refused
    run, refused = _open_run_or_redirect(request, disclosure)
    if refused:
        return refused
    nodes = review_services.flowchart_nodes(disclosure=disclosure)
    position = review_services.flowchart_position(run=run, nodes=nodes)
    if not position.outcome:
        return redirect(_next_url(disclosure, position))
    outcome = position.outcome
    seek_advice = outcome == FlowchartOutcome.SEEK_ADVICE
    share = outcome in review_services.SHARE_OUTCOMES
    if seek_advice:
        form = SeekAdviceForm(posted(request))
    else:
        form = FlowchartOutcomeForm(
            posted(request),
            confirmations=disclosure.protocol_pack.data["flowchart"]["share_confirmations"],
            share=share,
            needs_justification=review_services.justification_required(run),
        )
    if request.method == "POST" and form.is_valid():
        try:
            if seek_advice:
                review_services.advice_seek(run=run, question=form.cleaned_data["question"], acting_user=request.user)
            else:
                review_services.flowchart_complete(
                    run=run,
                    outcome=outcome,
                    confirmations=form.cleaned_data.get("confirmations", []),
                    reasons=form.cleaned_data["reasons"],
                    justification=form.cleaned_data.get("justification", ""),
                    acting_user=request.user,
                )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            if seek_advice:
                messages.success(request, "Your designated officer has been asked for advice")
                return redirect("sharing:request_detail", pk=disclosure.pk)
            messages.success(request, "The flowchart's outcome has been recorded. Now make your decision.")
            return redirect("sharing:request_decide", pk=disclosure.pk)
    context = _flowchart_context(disclosure)
    return render(
        request,
        "sharing/holding/flowchart_outcome.html",
        {
            "disclosure": disclosure,
            "run": run,
            "form": form,
            "outcome": outcome,
            "outcome_text": context["outcome_texts"].get(
                outcome, {"title": FlowchartOutcome(outcome).label, "guidance": ""}
            ),
            "seek_advice": seek_advice,
            "share": share,
            "path_rows": _path_rows(disclosure, run, nodes),
            **context,
        },
    )


# ---------------------------------------------------------------------------------------------
# Advice
# ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def request_advice(request, pk: int):
    disclosure = access_disclosure(user=request.user, pk=pk)
    if not _may(review_services.advice_may_give, request, disclosure):
        raise PermissionDenied("Only the holding organisation's designated officer can give advice")
    if disclosure.status != Status.AWAITING_ADVICE:
        return back_to_request(request, disclosure, "This request is not waiting for advice.")
    form = AdviceForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            review_services.advice_give(
                disclosure=disclosure,
                advice=form.cleaned_data["advice"],
                acting_user=request.user,
                acting_membership=request.membership,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, "Your advice has been recorded and the request is back in review")
            return redirect("sharing:request_detail", pk=disclosure.pk)
    sought = (
        disclosure.notes.filter(kind=NoteKind.ADVICE_SOUGHT)
        .select_related("author")
        .order_by("-created_at", "-pk")
        .first()
    )
    latest_run = (
        disclosure.flowchart_runs.filter(outcome=FlowchartOutcome.SEEK_ADVICE).order_by("-completed_at", "-pk").first()
    )
    nodes = review_services.flowchart_nodes(disclosure=disclosure)
    log_access(request, disclosure)
    return render(
        request,
        "sharing/holding/advice.html",
        {
            "form": form,
            "disclosure": disclosure,
            "sought": sought,
            "path_rows": _path_rows(disclosure, latest_run, nodes) if latest_run else [],
        },
    )


# ---------------------------------------------------------------------------------------------
# Sub judice (SSP 5.6)
# ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def sub_judice_record(request, pk: int):
    disclosure = access_disclosure(user=request.user, pk=pk)
    if not _may(review_services.sub_judice_may_record, request, disclosure):
        raise PermissionDenied("Only the officer this request is assigned to can record a consultation")
    if not disclosure.sub_judice:
        return back_to_request(
            request, disclosure, "This request is not marked as under investigation or prosecution."
        )
    if disclosure.status not in (Status.IN_REVIEW, Status.AWAITING_ADVICE):
        return back_to_request(
            request,
            disclosure,
            f"This request is {_state_label(disclosure)}: a consultation can only be recorded during the review.",
        )
    form = SubJudiceForm(posted(request))
    if request.method == "POST" and form.is_valid():
        consulted_at = form.consulted_at()
        if consulted_at is None:
            form.add_error("consulted_on", "Enter the date of the consultation as a real date, for example 27/3/2024")
        else:
            try:
                review_services.sub_judice_consultation_record(
                    disclosure=disclosure,
                    consulted_name=form.cleaned_data["consulted_name"],
                    consulted_role=form.cleaned_data["consulted_role"],
                    consulted_at=consulted_at,
                    outcome=form.cleaned_data["outcome"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, "The consultation has been recorded")
                return redirect("sharing:request_detail", pk=disclosure.pk)
    consultations = list(disclosure.sub_judice_consultations.select_related("recorded_by").order_by("consulted_at"))
    return render(
        request,
        "sharing/holding/sub_judice.html",
        {"form": form, "disclosure": disclosure, "consultations": consultations},
    )


# ---------------------------------------------------------------------------------------------
# The decision
# ---------------------------------------------------------------------------------------------


def _organisation_choices(disclosure) -> tuple[list[tuple[int, str]], dict[int, Organisation]]:
    """Who may have originated released information: the members of the request's partnership."""
    organisations = list(
        Organisation.objects.filter(partnership_places__partnership_id=disclosure.protocol_pack.partnership_id).order_by(
            "name"
        )
    )
    return [(org.pk, org.name) for org in organisations], {org.pk: org for org in organisations}


def _total_rows(data) -> int:
    try:
        total = int(data.get("items-TOTAL_FORMS", "1"))
    except (TypeError, ValueError):
        total = 1
    return max(1, min(total, MAX_ITEM_ROWS))


def _typed_rows(data, *, choices, default_org: int, add_row: bool):
    """An unbound formset showing the item rows as typed (and a blank one more, if asked), so
    the page can be shown again without judging rows that were not submitted for checking."""
    rows = [
        {
            "text": data.get(f"items-{i}-text", ""),
            "fact_or_opinion": data.get(f"items-{i}-fact_or_opinion", ""),
            "originating_organisation": data.get(f"items-{i}-originating_organisation") or default_org,
        }
        for i in range(_total_rows(data))
    ]
    if add_row and len(rows) < MAX_ITEM_ROWS:
        rows.append({"originating_organisation": default_org})
    return ReleaseItemRowsFormSet(prefix="items", initial=rows, form_kwargs={"organisations": choices})


def _error_items(form, formset, item_errors: list[str]) -> list[dict]:
    """One error summary for the decision form and its item rows (formset None: rows unchecked)."""
    items = list(form_error_list(form))
    for message in item_errors:
        items.append({"href": "#items", "text": message})
    if formset is not None:
        for message in formset.non_form_errors():
            items.append({"href": "#items", "text": message})
        for number, item_form in enumerate(formset.forms, start=1):
            for entry in form_error_list(item_form):
                items.append({"href": entry["href"], "text": f"Item {number}: {entry['text']}"})
    return items


@upload_limited
@require_http_methods(["GET", "POST"])
def request_decide(request, pk: int):
    disclosure, refused = _assignee_in_review(request, pk, decide_services.disclosure_may_decide)
    if refused:
        return refused
    markings = list(decide_services.marking_choices(disclosure=disclosure))
    choices, organisations = _organisation_choices(disclosure)
    default_org = disclosure.holding_organisation_id
    item_kwargs = {"organisations": choices, "initial": {"originating_organisation": default_org}}
    item_errors: list[str] = []
    items_checked = False

    if request.method == "POST" and "add_item" in request.POST:
        # "Add another item": the form again, everything typed kept, one more row, no errors yet.
        form = DecideForm(
            markings=markings,
            initial={name: request.POST.get(name, "") for name in ("outcome", "reasons", "withheld", "marking")},
        )
        formset = _typed_rows(request.POST, choices=choices, default_org=default_org, add_row=True)
        if request.FILES:
            messages.info(request, "Files are not kept when you add another item: choose them again before you save.")
    elif request.method == "POST":
        form = DecideForm(request.POST, request.FILES, markings=markings)
        formset = ReleaseItemFormSet(request.POST, prefix="items", form_kwargs=item_kwargs)
        form_ok = form.is_valid()
        # Items only matter for a release: a decline ignores whatever is in the item rows.
        items_checked = request.POST.get("outcome") in decide_services.RELEASES
        releasing = form_ok and form.cleaned_data["outcome"] in decide_services.RELEASES
        items_ok = formset.is_valid() if items_checked else True
        if form_ok and items_ok:
            marking = next((m for m in markings if m.pk == form.cleaned_data["marking"]), None)
            items = []
            if releasing:
                items = [
                    decide_services.ItemInput(
                        text=row["text"],
                        fact_or_opinion=row["fact_or_opinion"],
                        originating_organisation=organisations[row["originating_organisation"]],
                    )
                    for row in formset.cleaned_data
                    if row
                ]
            try:
                decide_services.disclosure_decide(
                    disclosure=disclosure,
                    outcome=form.cleaned_data["outcome"],
                    reasons=form.cleaned_data["reasons"],
                    withheld=form.cleaned_data["withheld"],
                    marking=marking if releasing else None,
                    items=items,
                    attachments=form.cleaned_data["attachments"] if releasing else [],
                    acting_user=request.user,
                    acting_membership=request.membership,
                )
            except ValidationError as error:
                form_add_service_errors(form, error, extra={"items": item_errors})
            else:
                messages.success(request, f"Your decision on {disclosure.reference} has been recorded")
                return redirect("sharing:request_detail", pk=disclosure.pk)
        if not items_checked:
            formset = _typed_rows(request.POST, choices=choices, default_org=default_org, add_row=False)
    else:
        form = DecideForm(markings=markings)
        formset = ReleaseItemFormSet(prefix="items", form_kwargs=item_kwargs)

    latest = review_services.flowchart_latest_completed(disclosure=disclosure)
    consulted = disclosure.sub_judice_consultations.exists() if disclosure.sub_judice else False
    error_items = _error_items(form, formset if items_checked else None, item_errors)
    log_access(request, disclosure)
    return render(
        request,
        "sharing/holding/decide.html",
        {
            "disclosure": disclosure,
            "form": form,
            "formset": formset,
            "error_items": error_items,
            "item_errors": item_errors,
            "latest": latest,
            "latest_outcome_label": _outcome_label(latest),
            "sub_judice_consulted": consulted,
            "max_rows": MAX_ITEM_ROWS,
            "attachments_hint": (
                f"Optional. PDF, Word (DOCX), PNG or JPEG files, up to {size_label(max_upload_bytes())} each. "
                "Choose them after adding all your items."
            ),
            "markings": markings,
            "can_add_item": formset.total_form_count() < MAX_ITEM_ROWS,
            **_release_basis(disclosure),
        },
    )


def _release_basis(disclosure) -> dict:
    """The consent relied on or the public-interest override, for the decide page."""
    return decide_page_context(disclosure)


# ---------------------------------------------------------------------------------------------
# URLs and the request page's buttons
# ---------------------------------------------------------------------------------------------

urlpatterns = [
    path("inbox/", inbox, name="inbox"),
    path("<int:pk>/assign/", request_assign, name="request_assign"),
    path("<int:pk>/pick-up/", request_pick_up, name="request_pick_up"),
    path("<int:pk>/return/", request_return, name="request_return"),
    path("<int:pk>/flowchart/", flowchart_start, name="flowchart_start"),
    path("<int:pk>/flowchart/question/<slug:code>/", flowchart_question, name="flowchart_question"),
    path("<int:pk>/flowchart/outcome/", flowchart_outcome, name="flowchart_outcome"),
    path("<int:pk>/advice/", request_advice, name="request_advice"),
    path("<int:pk>/sub-judice/", sub_judice_record, name="sub_judice_record"),
    path("<int:pk>/decide/", request_decide, name="request_decide"),
]


def request_actions(*, user, membership, request, roles) -> list[Action]:
    """The holding organisation's buttons on the request page, from the transition table and the
    person's part in the request."""
    actions: list[Action] = []
    status = request.status
    allowed = lifecycle.allowed_next(request)
    party = {"user": user, "membership": membership, "disclosure": request}

    def url(name: str) -> str:
        return reverse(f"sharing:{name}", kwargs={"pk": request.pk})

    if status == Status.IN_REVIEW and review_services.flowchart_may_run(**party):
        actions.append(Action("Run the key-questions flowchart", url("flowchart_start"), style="primary"))
    if (
        request.sub_judice
        and status in (Status.IN_REVIEW, Status.AWAITING_ADVICE)
        and review_services.sub_judice_may_record(**party)
    ):
        actions.append(Action("Record sub judice consultation", url("sub_judice_record")))
    if decide_services.disclosure_decidable(disclosure=request) and decide_services.disclosure_may_decide(**party):
        actions.append(Action("Make a decision", url("request_decide"), style="primary"))
    if Status.RETURNED in allowed and review_services.disclosure_may_return(**party):
        actions.append(Action("Return for more information", url("request_return")))
    if status == Status.SUBMITTED and review_services.disclosure_may_pick_up(**party):
        label = "Pick up this request" if request.assignee_id is None else "Resume the review"
        actions.append(Action(label, url("request_pick_up"), method="post", style="primary"))
    if status in review_services.ASSIGNABLE_STATUSES and review_services.disclosure_may_assign(**party):
        actions.append(Action("Assign" if request.assignee_id is None else "Reassign", url("request_assign")))
    if status == Status.AWAITING_ADVICE and review_services.advice_may_give(**party):
        actions.append(Action("Give advice", url("request_advice"), style="primary"))
    return actions
