"""Pages for the basis of a release (SSP 6): the consent relied on, the public-interest override
and its approval (four eyes), and the designated officers' queue.

Who gets what (docs/adr/0003-404-or-403.md):
- every request page here loads the request through `access_disclosure` (404 for "missing" and
  "not yours" alike); someone with need-to-know but not the part this page needs gets 403;
  the right person at the wrong moment is sent back to the request page with a message;
- choosing the consent relied on and proposing an override: the request's assignee, in review;
- deciding an override: a designated officer of the holding organisation, acting as such, who
  neither proposed it nor is the responder (403 for them: four eyes);
- the queue: designated officers (acting membership), for their own organisation; 403 otherwise.
Pages that show personal data write the access log.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from consent import services as consent_services
from portal.accountability.services import access_record
from portal.forms.errors import form_add_service_errors
from portal.models import FlowchartOutcome, LawfulBasis, Membership
from portal.models.protocol import LawfulBasisCategory
from portal.roles import Role
from portal.views.decorators import role_required
from sharing import selectors
from sharing.forms.override import ConsentChoiceForm, ConsentItemsForm, OverrideDecisionForm, OverrideForm
from sharing.models import OverrideStatus, Status
from sharing.selectors import access_disclosure
from sharing.services import consent_reliance as reliance_services
from sharing.services import override as override_services
from sharing.services.review import flowchart_latest_completed
from sharing.views import next_steps
from sharing.views.actions import Action
from sharing.views.common import back_to_request, log_access, posted

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _log_consents_shown(request, consents) -> None:
    """The consent records shown to the responder before relying on one are personal data too."""
    membership = request.membership
    for consent in consents:
        access_record(
            user=request.user,
            organisation=membership.organisation if membership else None,
            kind="view",
            object_type="consent_record",
            reference=consent.reference,
            path=request.path,
        )


def _assignee_in_review(request, pk, rule):
    """The request, for the person `rule` (the action's `*_may_*` rule: its assignee) allows,
    while in review; (request, redirect) at the wrong moment."""
    disclosure = access_disclosure(user=request.user, pk=pk)
    if not rule(user=request.user, membership=request.membership, disclosure=disclosure):
        raise PermissionDenied("Only the officer this request is assigned to can do this")
    if disclosure.status != Status.IN_REVIEW:
        state = Status(disclosure.status).label.lower()
        return disclosure, back_to_request(
            request, disclosure, f"This request is {state}: that can only be done while it is in review."
        )
    return disclosure, None


def _outcome_label(run) -> str:
    if run is None:
        return ""
    return FlowchartOutcome(run.outcome).label if run.outcome in FlowchartOutcome.values else run.outcome


# ---------------------------------------------------------------------------------------------
# Consent relied on
# ---------------------------------------------------------------------------------------------

NO_CONSENT_ROUTE = (
    "The key-questions flowchart did not end in sharing with consent, so there is no consent to rely on. "
    "Run the flowchart again if consent has been given."
)


def _consent_rows(consents, *, disclosure) -> list[dict]:
    today = timezone.localdate()
    linked = set(disclosure.subjects.values_list("subject_id", flat=True))
    rows = []
    for consent in consents:
        rows.append(
            {
                "consent": consent,
                "matched": consent.subject_id not in linked,
                "recipients": ", ".join(org.name for org in consent.recipients.all()),
                "disclosers": ", ".join(org.name for org in consent.disclosers.all()) or "Any partner",
                "purposes": [p.name for p in consent.purposes.all()],
                "problems": consent_services.consent_coverage_problems(
                    consent=consent,
                    recipient_organisation=disclosure.requesting_organisation,
                    purpose=disclosure.purpose,
                    information_items=None,
                    on_date=today,
                    disclosing_organisation=disclosure.holding_organisation,
                ),
            }
        )
    return rows


@require_http_methods(["GET", "POST"])
def consent_reliance(request, pk: int):
    disclosure, refused = _assignee_in_review(request, pk, reliance_services.consent_reliance_may_choose)
    if refused:
        return refused
    if not reliance_services.relies_on_consent(flowchart_latest_completed(disclosure=disclosure)):
        return back_to_request(request, disclosure, NO_CONSENT_ROUTE)
    consents = list(reliance_services.consent_candidates(disclosure=disclosure, viewer=request.user))
    current = reliance_services.consent_reliance_current(disclosure=disclosure)
    form = ConsentChoiceForm(
        posted(request), consents=consents, initial={"consent": current.consent_id} if current else {}
    )
    if request.method == "POST" and form.is_valid():
        return redirect("sharing:consent_reliance_items", pk=disclosure.pk, consent_pk=form.cleaned_data["consent"])
    log_access(request, disclosure)
    _log_consents_shown(request, consents)
    return render(
        request,
        "sharing/override/consent_choose.html",
        {
            "disclosure": disclosure,
            "form": form,
            "rows": _consent_rows(consents, disclosure=disclosure),
            "current": current,
        },
    )


@require_http_methods(["GET", "POST"])
def consent_reliance_items(request, pk: int, consent_pk: int):
    disclosure, refused = _assignee_in_review(request, pk, reliance_services.consent_reliance_may_choose)
    if refused:
        return refused
    if not reliance_services.relies_on_consent(flowchart_latest_completed(disclosure=disclosure)):
        return back_to_request(request, disclosure, NO_CONSENT_ROUTE)
    consent = next(
        (c for c in reliance_services.consent_candidates(disclosure=disclosure, viewer=request.user) if c.pk == consent_pk), None
    )
    if consent is None:
        raise Http404("No such consent record for this request")
    items = list(dict.fromkeys(consent.information_items or []))
    current = reliance_services.consent_reliance_current(disclosure=disclosure)
    initial = {}
    if current and current.consent_id == consent.pk:
        initial["information_items"] = [i for i, item in enumerate(items) if item in (current.information_items or [])]
    form = ConsentItemsForm(posted(request), items=items, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            reliance_services.consent_reliance_choose(
                disclosure=disclosure,
                consent=consent,
                information_items=form.chosen_items(),
                acting_user=request.user,
                acting_membership=request.membership,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"The release will rely on consent {consent.reference}. Now make your decision.")
            return redirect("sharing:request_decide", pk=disclosure.pk)
    log_access(request, disclosure)
    _log_consents_shown(request, [consent])
    return render(
        request,
        "sharing/override/consent_items.html",
        {"disclosure": disclosure, "form": form, "row": _consent_rows([consent], disclosure=disclosure)[0]},
    )


# ---------------------------------------------------------------------------------------------
# Public-interest override
# ---------------------------------------------------------------------------------------------


def _bases(disclosure, category: str):
    return list(LawfulBasis.objects.filter(pack_id=disclosure.protocol_pack_id, category=category).order_by("order"))


@require_http_methods(["GET", "POST"])
def override_propose(request, pk: int):
    disclosure, refused = _assignee_in_review(request, pk, override_services.override_may_propose)
    if refused:
        return refused
    run = flowchart_latest_completed(disclosure=disclosure)
    if not override_services.relies_on_public_interest(run):
        return back_to_request(
            request,
            disclosure,
            "An override is proposed when the key-questions flowchart ends in “share in the public interest”.",
        )
    live = override_services.override_live(disclosure=disclosure)
    if live is not None:
        return back_to_request(
            request,
            disclosure,
            "This request's override is already waiting for a designated officer's approval."
            if live.status == OverrideStatus.PROPOSED
            else "This request's override has already been approved.",
        )
    needed = override_services.override_conditions_needed(disclosure=disclosure)
    art6 = _bases(disclosure, LawfulBasisCategory.ART6)
    art9 = _bases(disclosure, LawfulBasisCategory.ART9) if needed["art9"] else None
    dpa = _bases(disclosure, LawfulBasisCategory.DPA_SCH1) if needed["dpa_sch1"] else None
    grounds = list(disclosure.protocol_pack.public_interest_grounds.order_by("order"))
    form = OverrideForm(posted(request), grounds=grounds, art6=art6, art9=art9, dpa_sch1=dpa)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        by_pk = {b.pk: b for b in [*art6, *(art9 or []), *(dpa or [])]}
        try:
            override_services.override_propose(
                disclosure=disclosure,
                consent_position=data["consent_position"],
                not_sought_reason=data.get("not_sought_reason") or "",
                consent_explanation=data.get("consent_explanation", ""),
                grounds=[g for g in grounds if g.pk in set(data["grounds"])],
                art6_condition=by_pk.get(data["art6_condition"]),
                art9_condition=by_pk.get(data.get("art9_condition")),
                dpa_sch1_condition=by_pk.get(data.get("dpa_sch1_condition")),
                proportionality=data["proportionality"],
                risk_of_not_sharing=data["risk_of_not_sharing"],
                alternatives_considered=data["alternatives_considered"],
                acting_user=request.user,
                acting_membership=request.membership,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, next_steps.after_override(disclosure, proposer_id=request.user.pk))
            return redirect("sharing:request_detail", pk=disclosure.pk)
    rejected = override_services.override_latest(disclosure=disclosure)
    log_access(request, disclosure)
    return render(
        request,
        "sharing/override/propose.html",
        {
            "disclosure": disclosure,
            "form": form,
            "run": run,
            "needed": needed,
            "rejected": rejected if rejected is not None and rejected.status == OverrideStatus.REJECTED else None,
        },
    )


def _override_for_decision(request, pk: int, override_pk: int):
    disclosure = access_disclosure(user=request.user, pk=pk)
    if not override_services.override_may_decide(user=request.user, membership=request.membership, disclosure=disclosure):
        raise PermissionDenied("Only the holding organisation's designated officer can decide an override")
    override = (
        disclosure.overrides.select_related(
            "proposed_by", "decided_by", "art6_condition", "art9_condition", "dpa_sch1_condition", "flowchart_run"
        )
        .prefetch_related("grounds")
        .filter(pk=override_pk)
        .first()
    )
    if override is None:
        raise Http404("No such override")
    problem = override_services.override_four_eyes_problem(user=request.user, override=override, disclosure=disclosure)
    if problem:
        raise PermissionDenied(problem)
    return disclosure, override


@require_http_methods(["GET", "POST"])
def override_decide(request, pk: int, override_pk: int):
    disclosure, override = _override_for_decision(request, pk, override_pk)
    if override.status != OverrideStatus.PROPOSED:
        return back_to_request(request, disclosure, "This override has already been decided.")
    if disclosure.status not in (Status.IN_REVIEW, Status.AWAITING_ADVICE):
        state = Status(disclosure.status).label.lower()
        return back_to_request(request, disclosure, f"This request is {state}: its override can no longer be decided.")
    form = OverrideDecisionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            decided = override_services.override_decide(
                override=override,
                approved=form.approved,
                reasons=form.cleaned_data["reasons"],
                acting_user=request.user,
                acting_membership=request.membership,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(
                request,
                "You approved the override: the responder may now release the information"
                if decided.status == OverrideStatus.APPROVED
                else "You rejected the override: it has gone back to the responder with your reasons",
            )
            return redirect("sharing:request_detail", pk=disclosure.pk)
    log_access(request, disclosure)
    return render(
        request,
        "sharing/override/decide.html",
        {
            "disclosure": disclosure,
            "override": override,
            "form": form,
            "run": override.flowchart_run,
            "run_outcome_label": _outcome_label(override.flowchart_run),
        },
    )


# ---------------------------------------------------------------------------------------------
# The designated officers' queue
# ---------------------------------------------------------------------------------------------


def age_label(since: datetime | None, *, now: datetime | None = None) -> str:
    """How long something has waited, in whole days (hours under a day)."""
    if since is None:
        return ""
    seconds = max(0, int(((now or timezone.now()) - since).total_seconds()))
    days, hours = seconds // 86400, seconds // 3600
    if days >= 1:
        return f"{days} day{'s' if days != 1 else ''}"
    if hours >= 1:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return "less than an hour"


def _queue_page_url(request, code: str, page: int) -> str:
    """This page with one section moved to `page`, the other sections' pages kept."""
    query = request.GET.copy()
    query[code] = str(page)
    return f"?{query.urlencode()}#{code}"


def _requesting_officers(sections) -> set[tuple[int, int]]:
    """(user, organisation) of the designated officers of the requesting organisations of the
    disputes shown: one query for the page."""
    disputes = next((section.rows for section in sections if section.code == "disputes"), [])
    organisation_ids = {row.request.requesting_organisation_id for row in disputes}
    if not organisation_ids:
        return set()
    return set(
        Membership.objects.active()
        .filter(organisation_id__in=organisation_ids, role=Role.DESIGNATED_OFFICER)
        .values_list("user_id", "organisation_id")
    )


def _dispute_next_step(dispute, *, organisation, officers) -> tuple[str, str, str]:
    """(url, note, label) for a dispute in the queue of `organisation` (SSP 9.2: both sides)."""
    disclosure = dispute.request
    requesting_id = disclosure.requesting_organisation_id
    has_officers = any(org == requesting_id for _, org in officers)
    view_awaited = (
        dispute.requesting_view_at is None and has_officers and (dispute.raised_by_id, requesting_id) not in officers
    )
    if organisation.pk == requesting_id:
        if view_awaited:
            return reverse("sharing:dispute_view", kwargs={"pk": disclosure.pk}), "", "Give your view"
        return "", f"Waiting for {disclosure.holding_organisation.name}'s designated officer to resolve it", ""
    if view_awaited:
        return "", f"Waiting for the view of {disclosure.requesting_organisation.name}'s designated officer", ""
    return reverse("sharing:dispute_decide", kwargs={"pk": disclosure.pk}), "", "Decide"


@role_required(Role.DESIGNATED_OFFICER)
@require_GET
def designated_queue(request):
    membership = request.membership
    now = timezone.now()
    wanted = {}
    for code in selectors.QUEUE_SECTIONS:
        value = request.GET.get(code, "")
        wanted[code] = int(value) if value.isdigit() and len(value) < 7 else 1
    sections = selectors.designated_queue(
        organisation_id=membership.organisation_id,
        cap=selectors.QUEUE_CAP,
        pages=wanted,
        partnership_id=membership.partnership_id,
    )
    officers = _requesting_officers(sections)
    shown = []
    for section in sections:
        rows = []
        for row in section.rows:
            if section.code == "overrides":
                disclosure, since = row.request, row.proposed_at
                problem = override_services.override_four_eyes_problem(user=request.user, override=row, disclosure=disclosure)
                url = (
                    ""
                    if problem
                    else reverse("sharing:override_decide", kwargs={"pk": disclosure.pk, "override_pk": row.pk})
                )
                note, label = problem, "Approve or reject"
                who = row.proposed_by.display_name
            elif section.code == "disputes":
                disclosure, since = row.request, row.raised_at
                url, note, label = _dispute_next_step(row, organisation=membership.organisation, officers=officers)
                who = row.raised_by.display_name
            elif section.code == "advice":
                disclosure, since = row, row.waiting_since
                url, note, label = reverse("sharing:request_advice", kwargs={"pk": disclosure.pk}), "", "Give advice"
                who = row.assignee.display_name if row.assignee_id else ""
            else:
                disclosure, since = row.request, row.requested_at
                url = reverse("sharing:onward_decide", kwargs={"pk": disclosure.pk, "onward_pk": row.pk})
                note, label = f"To {row.to_organisation.name}", "Decide"
                who = row.requested_by.display_name
            rows.append(
                {
                    "disclosure": disclosure,
                    "since": since,
                    "age": age_label(since, now=now),
                    "url": url,
                    "label": label,
                    "note": note,
                    "who": who,
                }
            )
        shown.append(
            {
                "code": section.code,
                "title": section.title,
                "rows": rows,
                "total": section.total,
                "first": section.first,
                "last": section.last,
                "page": section.page,
                "pages": section.pages,
                "previous_url": _queue_page_url(request, section.code, section.page - 1) if section.page > 1 else "",
                "next_url": _queue_page_url(request, section.code, section.page + 1) if section.page < section.pages else "",
            }
        )
    return render(
        request,
        "sharing/override/queue.html",
        {"sections": shown, "organisation": membership.organisation, "cap": selectors.QUEUE_CAP},
    )


# ---------------------------------------------------------------------------------------------
# The decide page's summary, the request page's section, and its buttons
# ---------------------------------------------------------------------------------------------


def decide_page_context(disclosure) -> dict:
    """What the decide page shows of the basis of a release: whether consent or an override is
    needed, and where it stands."""
    run = flowchart_latest_completed(disclosure=disclosure)
    return {
        "basis_consent_needed": reliance_services.relies_on_consent(run),
        "basis_reliance": reliance_services.consent_reliance_current(disclosure=disclosure),
        "basis_override_needed": override_services.relies_on_public_interest(run),
        "basis_override": override_services.override_latest(disclosure=disclosure),
    }


def request_page_context(*, user, membership, request, roles) -> dict:
    """The request page's "basis of the release" section, for the holding side only (like the
    flowchart runs): the consent relied on and the overrides with their decisions."""
    if not roles & {"assignee", "designated_holding"}:
        return {"basis_shown": False}
    overrides = list(
        request.overrides.select_related(
            "proposed_by", "decided_by", "art6_condition", "art9_condition", "dpa_sch1_condition"
        ).prefetch_related("grounds")
    )
    reliances = list(
        request.consent_reliances.select_related("consent", "chosen_by", "decision").order_by("-chosen_at", "-pk")
    )
    return {"basis_shown": bool(overrides or reliances), "basis_overrides": overrides, "basis_reliances": reliances}


def request_actions(*, user, membership, request, roles) -> list[Action]:
    """The buttons for the basis of a release, from the request's state and the person's part."""
    actions: list[Action] = []
    may_choose = reliance_services.consent_reliance_may_choose(user=user, membership=membership, disclosure=request)
    may_propose = override_services.override_may_propose(user=user, membership=membership, disclosure=request)
    if request.status == Status.IN_REVIEW and (may_choose or may_propose):
        run = flowchart_latest_completed(disclosure=request)
        if may_choose and reliance_services.relies_on_consent(run):
            chosen = reliance_services.consent_reliance_current(disclosure=request) is not None
            actions.append(
                Action(
                    "Change the consent relied on" if chosen else "Choose the consent relied on",
                    reverse("sharing:consent_reliance", kwargs={"pk": request.pk}),
                    style="secondary" if chosen else "primary",
                )
            )
        if (
            may_propose
            and override_services.relies_on_public_interest(run)
            and override_services.override_live(disclosure=request) is None
        ):
            actions.append(
                Action(
                    "Propose a public-interest override",
                    reverse("sharing:override_propose", kwargs={"pk": request.pk}),
                    style="primary",
                )
            )
    if request.status in (Status.IN_REVIEW, Status.AWAITING_ADVICE) and override_services.override_may_decide(
        user=user, membership=membership, disclosure=request
    ):
        pending = request.overrides.filter(status=OverrideStatus.PROPOSED).first()
        if pending is not None and not override_services.override_four_eyes_problem(
            user=user, override=pending, disclosure=request
        ):
            actions.append(
                Action(
                    "Approve or reject the override",
                    reverse("sharing:override_decide", kwargs={"pk": request.pk, "override_pk": pending.pk}),
                    style="primary",
                )
            )
    return actions


urlpatterns = [
    path("<int:pk>/consent/", consent_reliance, name="consent_reliance"),
    path("<int:pk>/consent/<int:consent_pk>/", consent_reliance_items, name="consent_reliance_items"),
    path("<int:pk>/override/", override_propose, name="override_propose"),
    path("<int:pk>/override/<int:override_pk>/", override_decide, name="override_decide"),
    path("designated-officer/", designated_queue, name="designated_queue"),
]
