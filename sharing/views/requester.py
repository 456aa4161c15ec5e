"""The request page and what hangs off it: released information under its protective marking,
the PDF copy, attachment downloads, and disputes (DOMAIN.md §4–§5; SSP 7.4, 8.2, 9.2, App 7).

Every view loads the request through `access_disclosure`, so "missing" and "not yours" are the
same 404, and writes the access log when it shows personal data (view) or hands it over
(download). Released items are shown only while the request's current decision is a release in
full or in part (a partial release that is disputed stays released: the recipient holds it).
"""
from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from consent import services as consent_services
from portal.marked import Stamp, marked_file, marked_response, read_stored
from portal.models import FlowchartNode, FlowchartOutcome
from portal.pdf import download_footer, marked_download_footer, pdf_text, render_pdf
from portal.protocols.markings import marking_allowed_here, marking_refusal
from sharing import lifecycle
from sharing.forms.requester import DisputeDecisionForm, DisputeForm, DisputeViewForm
from sharing.models import Decision, DisclosureRequest, Outcome, ReleaseAttachment, ReleaseItem, Status
from sharing.selectors import (
    DisclosureDestroyed,
    access_disclosure,
    disclosure_role,
    disclosure_sections_present,
    status_text,
)
from sharing.services import disputes as dispute_services
from sharing.views import holding, next_steps, onward, override, raising
from sharing.views.actions import Action
from sharing.views.common import destroyed_message, log_access, released_data_gone

RELEASE_OUTCOMES = (Outcome.RELEASED, Outcome.PARTLY_RELEASED)

# SSP 8.2; SDP 5.1: what every recipient of released information agrees to.
STANDARD_HANDLING_CONDITIONS = (
    "Use this information only for the purpose it was requested for.",
    "Do not share it with anyone else without the consent of the organisation it came from, "
    "which remains its owner.",
)

STATUS_TAG_CLASSES = {
    Status.DRAFT: "govuk-tag--grey",
    Status.SUBMITTED: "govuk-tag--blue",
    Status.RETURNED: "govuk-tag--yellow",
    Status.IN_REVIEW: "govuk-tag--light-blue",
    Status.AWAITING_ADVICE: "govuk-tag--purple",
    Status.RELEASED: "govuk-tag--green",
    Status.PARTLY_RELEASED: "govuk-tag--turquoise",
    Status.DECLINED: "govuk-tag--red",
    Status.DISPUTED: "govuk-tag--orange",
    Status.WITHDRAWN: "govuk-tag--grey",
}

# Attachments are checked on upload (holding part); this is the last line: a stored type outside
# these is never trusted to be stamped, only wrapped in a ZIP with its handling conditions.
ATTACHMENT_CONTENT_TYPES = {
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "image/png",
    "image/jpeg",
}
HOLDING_SIDE = {"assignee", "designated_holding"}


def _released_decision(disclosure: DisclosureRequest, *, with_items: bool = False) -> Decision | None:
    """The current decision if it released anything (in full or in part), else None."""
    queryset = disclosure.decisions.filter(is_current=True, outcome__in=RELEASE_OUTCOMES).select_related(
        "marking", "organisation", "decided_by", "protocol_pack"
    )
    if with_items:
        queryset = queryset.prefetch_related(
            Prefetch("items", queryset=ReleaseItem.objects.select_related("originating_organisation"))
        )
    return queryset.order_by("-decided_at", "-pk").first()


def _flowchart_runs(disclosure: DisclosureRequest) -> list[dict]:
    """Each run with its path spelt out (question, answer, note) for the page."""
    runs = list(disclosure.flowchart_runs.select_related("responder"))
    if not runs:
        return []
    nodes = {
        node.code: node
        for node in FlowchartNode.objects.filter(pack_id=disclosure.protocol_pack_id).only("code", "question", "order")
    }
    answer_labels = {"yes": "Yes", "no": "No", "not_sure": "Not sure"}
    shown = []
    for run in runs:
        steps = []
        for step in run.path if isinstance(run.path, list) else []:
            if not isinstance(step, dict):
                continue
            node = nodes.get(step.get("node"))
            steps.append(
                {
                    "question": node.question if node else str(step.get("node", "")),
                    "answer": answer_labels.get(step.get("answer"), str(step.get("answer", ""))),
                    "note": str(step.get("note", "") or ""),
                }
            )
        outcome = run.outcome
        outcome_label = FlowchartOutcome(outcome).label if outcome in FlowchartOutcome.values else outcome
        shown.append({"run": run, "steps": steps, "outcome_label": outcome_label})
    return shown


def _actions(request, disclosure: DisclosureRequest, roles: set[str], *, onward_requests: list) -> list[Action]:
    membership = request.membership or None
    actions: list[Action] = []
    for module in (raising, holding, override):
        actions.extend(module.request_actions(user=request.user, membership=membership, request=disclosure, roles=roles))
    actions.extend(onward.request_actions(
        user=request.user, membership=membership, request=disclosure, roles=roles, onward_requests=onward_requests
    ))
    actions.extend(request_actions(user=request.user, membership=membership, request=disclosure, roles=roles))
    return actions


@require_GET
def request_detail(request, pk: int):
    # The acting membership first: loading it remembers the person's memberships for this page,
    # so need-to-know and their part in the request are worked out without asking again.
    bool(request.membership)
    try:
        disclosure = access_disclosure(user=request.user, pk=pk)
    except DisclosureDestroyed as gone:
        # The person's organisation no longer holds it: what was held and when it went, no content.
        return render(
            request, "sharing/requester/destroyed.html", {"disclosure": gone.request, "tombstone": gone.tombstone}
        )
    roles = disclosure_role(user=request.user, request=disclosure)
    log_access(request, disclosure, "view")

    # Which sections have anything in them, in one query: an empty one is not read.
    present = disclosure_sections_present(request=disclosure)
    if not present["overrides"]:
        disclosure.override_waiting = False  # what status_text would otherwise ask
    subjects = list(disclosure.subjects.select_related("subject"))
    lawful_bases = list(disclosure.lawful_bases.all())
    checklist = list(disclosure.checklist_answers.select_related("question"))
    notes = list(disclosure.notes.select_related("author", "organisation")) if present["notes"] else []
    consultations = (
        list(disclosure.sub_judice_consultations.select_related("recorded_by").order_by("consulted_at", "pk"))
        if present["consultations"] else []
    )
    decisions = list(
        disclosure.decisions.select_related("marking", "decided_by", "organisation", "protocol_pack").prefetch_related(
            Prefetch("items", queryset=ReleaseItem.objects.select_related("originating_organisation")),
            Prefetch("attachments", queryset=ReleaseAttachment.objects.order_by("uploaded_at", "pk")),
        )
    ) if present["decisions"] else []
    current = next((d for d in decisions if d.is_current), None)
    earlier = [d for d in decisions if d is not current]
    released = current if current is not None and current.outcome in RELEASE_OUTCOMES else None
    disputes = (
        list(disclosure.disputes.select_related("raised_by", "decided_by", "decision", "requesting_view_by"))
        if present["disputes"] else []
    )
    holding_side = bool(roles & HOLDING_SIDE)
    released_tombstone = released_data_gone(request, disclosure) if released is not None else None

    context = {
        "disclosure": disclosure,
        "status_tag_class": STATUS_TAG_CLASSES.get(disclosure.status, ""),
        "status_text": status_text(disclosure),
        "subjects": subjects,
        "lawful_bases": lawful_bases,
        "checklist": checklist,
        "notes": notes,
        "show_flowchart": holding_side,
        "flowchart_runs": _flowchart_runs(disclosure) if holding_side and present["flowchart_runs"] else [],
        "consultations": consultations,
        "decision": current,
        "earlier_decisions": earlier,
        "released": released,
        "released_tombstone": released_tombstone,
        "handling_conditions": _handling_conditions(released) if released else [],
        "disputes": disputes,
    }
    context.update(_basis_and_onward_context(request, disclosure, roles, present))
    context["actions"] = _actions(request, disclosure, roles, onward_requests=context["onward_requests"])
    return render(request, "sharing/requester/request_detail.html", context)


def _basis_and_onward_context(request, disclosure: DisclosureRequest, roles: set[str], present: dict) -> dict:
    """The sections of the basis of a release (override part) and of onward disclosure; those
    `present` (`disclosure_sections_present`) says are empty are not read."""
    kwargs = dict(user=request.user, membership=request.membership or None, request=disclosure, roles=roles)
    basis = (
        override.request_page_context(**kwargs)
        if present["overrides"] or present["reliances"]
        else {"basis_shown": False}
    )
    onward_section = onward.request_page_context(**kwargs) if present["onward"] else {
        "onward_requests": [], "onward_source": None
    }
    return {**basis, **onward_section}


def _handling_conditions(decision: Decision) -> list[str]:
    """The conditions written on the release (one a line); for a release recorded without them,
    the standard conditions and the marking level's handling rules."""
    written = [line.strip() for line in (decision.handling_conditions or "").splitlines() if line.strip()]
    if written:
        return written
    rules = decision.marking.handling_rules if decision.marking_id and decision.marking.handling_rules else []
    return [
        *STANDARD_HANDLING_CONDITIONS,
        *(f"{rule.get('action', '')}: {rule.get('rule', '')}".strip(": ") for rule in rules if isinstance(rule, dict)),
    ]


def _safe_reference(reference: str) -> str:
    return "".join(ch for ch in reference if ch.isascii() and (ch.isalnum() or ch in "-_")) or "request"


@require_GET
def request_pdf(request, pk: int):
    """A PDF copy of the released information, marked top and bottom of every page, with who
    downloaded it and when (DOMAIN.md §5)."""
    disclosure = access_disclosure(user=request.user, pk=pk)
    decision = _released_decision(disclosure, with_items=True)
    if decision is None:
        raise Http404("Nothing has been released on this request")
    if (tombstone := released_data_gone(request, disclosure)) is not None:
        messages.error(request, f"The released information: {destroyed_message(tombstone)}")
        return redirect("sharing:request_detail", pk=disclosure.pk)
    if decision.marking_id and not marking_allowed_here(decision.marking):
        messages.error(request, marking_refusal(decision.marking, "share the released information"))
        return redirect("sharing:request_detail", pk=disclosure.pk)
    membership = request.membership
    footer = download_footer(
        user=request.user, organisation_name=membership.organisation.name if membership else ""
    )
    pdf = render_pdf(
        template_name="sharing/requester/release_pdf.html",
        context={
            "disclosure": disclosure,
            "decision": decision,
            "reasons": pdf_text(decision.reasons),
            "withheld": pdf_text(decision.withheld),
            "items": [
                {
                    "text": pdf_text(item.text),
                    "label": item.get_fact_or_opinion_display(),
                    "origin": item.originating_organisation.name,
                }
                for item in decision.items.all()
            ],
            "subjects": list(disclosure.subjects.select_related("subject")),
            "handling_conditions": [pdf_text(line) for line in _handling_conditions(decision)],
        },
        marking_text=decision.marking.name if decision.marking_id else "",
        footer_text=footer,
    )
    log_access(request, disclosure, "download")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_safe_reference(disclosure.reference)}-released.pdf"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def attachment_download(request, pk: int, attachment_pk: int):
    """An attachment of the request's current release, only through need-to-know (the files are
    stored outside the web root under random names), marked: a PDF or image comes as a PDF
    stamped with the marking and who downloaded it, when; anything else in a ZIP with its
    handling conditions (portal/marked.py; DOMAIN.md §5)."""
    disclosure = access_disclosure(user=request.user, pk=pk)
    decision = _released_decision(disclosure)
    if decision is None:
        raise Http404("Nothing has been released on this request")
    if (tombstone := released_data_gone(request, disclosure)) is not None:
        messages.error(request, f"The released information: {destroyed_message(tombstone)}")
        return redirect("sharing:request_detail", pk=disclosure.pk)
    attachment = decision.attachments.filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404("No such attachment")
    if decision.marking_id and not marking_allowed_here(decision.marking):
        messages.error(request, marking_refusal(decision.marking, "share the attachment"))
        return redirect("sharing:request_detail", pk=disclosure.pk)
    data = read_stored(attachment.file)
    if data is None:
        raise Http404("The file is not available")
    membership = request.membership
    stamp = Stamp(
        marking=decision.marking.name if decision.marking_id else "",
        footer=marked_download_footer(
            user=request.user,
            organisation_name=membership.organisation.name if membership else "",
            reference=disclosure.reference,
        ),
        reference=_safe_reference(disclosure.reference),
        handling_conditions=tuple(_handling_conditions(decision)),
    )
    marked = marked_file(
        data,
        content_type=attachment.content_type if attachment.content_type in ATTACHMENT_CONTENT_TYPES else "",
        original_name=attachment.original_name,
        stamp=stamp,
    )
    log_access(request, disclosure, "download")
    return marked_response(marked)


def _put_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


@require_http_methods(["GET", "POST"])
def request_dispute(request, pk: int):
    """SSP 9.2: the requester (or the requesting organisation's designated officer) disputes a
    decline or a partial release."""
    disclosure = access_disclosure(user=request.user, pk=pk)
    membership = request.membership or None
    if not dispute_services.dispute_may_raise(user=request.user, membership=membership, disclosure=disclosure):
        raise PermissionDenied("Only the requester or their designated officer can dispute this decision")
    decision = dispute_services.disputable_decision(disclosure=disclosure)
    if decision is None:
        messages.error(request, "This request's decision cannot be disputed now")
        return redirect("sharing:request_detail", pk=disclosure.pk)
    form = DisputeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            dispute_services.dispute_raise(
                disclosure=disclosure,
                grounds=form.cleaned_data["grounds"],
                acting_user=request.user,
                acting_membership=membership,
            )
        except ValidationError as error:
            _put_errors(form, error)
        else:
            messages.success(request, next_steps.after_dispute(disclosure))
            return redirect("sharing:request_detail", pk=disclosure.pk)
    log_access(request, disclosure, "view")
    return render(
        request, "sharing/requester/dispute_raise.html", {"form": form, "disclosure": disclosure, "decision": decision}
    )


@require_http_methods(["GET", "POST"])
def dispute_decide(request, pk: int):
    """SSP 9.2: the holding organisation's designated officer upholds or overturns the disputed
    decision, with reasons."""
    disclosure = access_disclosure(user=request.user, pk=pk)
    membership = request.membership or None
    if not dispute_services.dispute_may_decide(user=request.user, membership=membership, disclosure=disclosure):
        raise PermissionDenied("Only the holding organisation's designated officer can decide a dispute")
    dispute = dispute_services.open_dispute(disclosure=disclosure)
    if dispute is None:
        messages.error(request, "There is no open dispute on this request")
        return redirect("sharing:request_detail", pk=disclosure.pk)
    form = DisputeDecisionForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            decided = dispute_services.dispute_decide(
                dispute=dispute,
                upheld=form.upheld,
                reasons=form.cleaned_data["reasons"],
                acting_user=request.user,
                acting_membership=membership,
            )
        except ValidationError as error:
            _put_errors(form, error)
        else:
            messages.success(
                request,
                "You upheld the decision"
                if decided.status == "upheld"
                else "You overturned the decision: the request is back with the responder to release",
            )
            return redirect("sharing:request_detail", pk=disclosure.pk)
    log_access(request, disclosure, "view")
    return render(
        request, "sharing/requester/dispute_decide.html", {"form": form, "disclosure": disclosure, "dispute": dispute}
    )


@require_http_methods(["GET", "POST"])
def dispute_view(request, pk: int):
    """SSP 9.2: the requesting organisation's designated officer records their view of the
    dispute, before the holding organisation's designated officer resolves it."""
    disclosure = access_disclosure(user=request.user, pk=pk)
    membership = request.membership or None
    if not dispute_services.dispute_may_record_view(user=request.user, membership=membership, disclosure=disclosure):
        raise PermissionDenied("Only the requesting organisation's designated officer can record its view")
    dispute = dispute_services.open_dispute(disclosure=disclosure)
    if dispute is None or not dispute_services.dispute_view_awaited(dispute=dispute, disclosure=disclosure):
        messages.error(request, "There is no open dispute waiting for your view on this request")
        return redirect("sharing:request_detail", pk=disclosure.pk)
    form = DisputeViewForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            dispute_services.dispute_view_record(
                dispute=dispute, view=form.cleaned_data["view"], acting_user=request.user, acting_membership=membership
            )
        except ValidationError as error:
            _put_errors(form, error)
        else:
            messages.success(
                request,
                f"Your view is recorded: {disclosure.holding_organisation.name}'s designated officer resolves the dispute",
            )
            return redirect("sharing:request_detail", pk=disclosure.pk)
    log_access(request, disclosure, "view")
    return render(
        request, "sharing/requester/dispute_view.html", {"form": form, "disclosure": disclosure, "dispute": dispute}
    )


def _dispute_actions(*, user, membership, request) -> list[Action]:
    if request.status != Status.DISPUTED:
        return []
    if dispute_services.dispute_may_decide(user=user, membership=membership, disclosure=request):
        return [
            Action("Decide the dispute", reverse("sharing:dispute_decide", kwargs={"pk": request.pk}), style="primary")
        ]
    if dispute_services.dispute_may_record_view(user=user, membership=membership, disclosure=request):
        dispute = dispute_services.open_dispute(disclosure=request)
        if dispute is not None and dispute_services.dispute_view_awaited(dispute=dispute, disclosure=request):
            return [
                Action(
                    "Give your view on the dispute",
                    reverse("sharing:dispute_view", kwargs={"pk": request.pk}),
                    style="primary",
                )
            ]
    return []


def request_actions(*, user, membership, request, roles) -> list[Action]:
    """The requester part's buttons on the request page (the PDF link is in the page body)."""
    actions: list[Action] = []
    if Status.DISPUTED in lifecycle.allowed_next(request) and dispute_services.dispute_may_raise(
        user=user, membership=membership, disclosure=request
    ):
        if dispute_services.disputable_decision(disclosure=request) is not None:
            actions.append(
                Action("Dispute this decision", reverse("sharing:request_dispute", kwargs={"pk": request.pk}))
            )
    actions.extend(_dispute_actions(user=user, membership=membership, request=request))
    actions.extend(_consent_actions(user=user, membership=membership, request=request))
    return actions


CONSENT_STATUSES = {Status.SUBMITTED, Status.RETURNED, Status.IN_REVIEW, Status.AWAITING_ADVICE}


def _consent_actions(*, user, membership, request) -> list[Action]:
    """SSP Appendix 5: the requesting officer (or their designated officer) records the consent
    they witnessed for a person the request is about, and comes back to the request."""
    if (
        request.status not in CONSENT_STATUSES
        or membership is None
        or membership.role not in consent_services.RECORDING_ROLES
        or not dispute_services.dispute_may_raise(user=user, membership=membership, disclosure=request)
    ):
        return []
    people = [link.subject for link in request.subjects.select_related("subject").order_by("pk") if link.subject.full_name]
    back = quote(reverse("sharing:request_detail", kwargs={"pk": request.pk}))
    return [
        Action(
            "Record consent for this person" if len(people) == 1 else f"Record consent for {person.full_name}",
            f"{reverse('consent:record')}?subject={person.pk}&next={back}",
        )
        for person in people
    ]


urlpatterns = [
    path("<int:pk>/", request_detail, name="request_detail"),
    path("<int:pk>/released.pdf", request_pdf, name="request_pdf"),
    path("<int:pk>/attachments/<int:attachment_pk>/", attachment_download, name="attachment_download"),
    path("<int:pk>/dispute/", request_dispute, name="request_dispute"),
    path("<int:pk>/dispute/decision/", dispute_decide, name="dispute_decide"),
    path("<int:pk>/dispute/view/", dispute_view, name="dispute_view"),
]
