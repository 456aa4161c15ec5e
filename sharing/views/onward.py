"""Pages for onward disclosure (SSP Appendix 2 q5, 8.2; SDP 5.1): the recipient asks the
originator, the originator decides, the recipient shares as a new disclosure.

Who gets what (docs/adr/0003-404-or-403.md): every page loads the request through
`access_disclosure` (404 for "missing" and "not yours" alike); asking and sharing are for the
recipient (the requester, or a designated officer of the requesting organisation, acting for
it), deciding for the originator (the responder, or a designated officer of the holding
organisation, acting for it); anyone else with need-to-know gets 403. The right person at the
wrong moment goes back to the request page with a message. The pages show released items, so
they carry the release's marking and write the access log.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from portal.forms.errors import form_add_service_errors
from sharing.forms.onward import OnwardDecisionForm, OnwardRequestForm
from sharing.models import OnwardRequest, OnwardStatus
from sharing.selectors import access_disclosure, released_data_tombstone
from sharing.services import onward as onward_services
from sharing.views.actions import Action
from sharing.views.common import back_to_request, destroyed_message, log_access, posted, released_data_gone


def _onward(disclosure, onward_pk: int) -> OnwardRequest:
    onward = (
        disclosure.onward_requests.select_related(
            "to_organisation", "purpose", "requested_by", "decided_by", "decision", "decision__marking",
            "resulting_request",
        )
        .prefetch_related("items__originating_organisation")
        .filter(pk=onward_pk)
        .first()
    )
    if onward is None:
        raise Http404("No such onward disclosure request")
    return onward


@require_http_methods(["GET", "POST"])
def onward_request(request, pk: int):
    disclosure = access_disclosure(user=request.user, pk=pk)
    membership = request.membership
    if not onward_services.onward_may_request(user=request.user, membership=membership, disclosure=disclosure):
        raise PermissionDenied("Only the requester or the requesting organisation's designated officer can ask this")
    if (tombstone := released_data_gone(request, disclosure)) is not None:
        return back_to_request(request, disclosure, f"The released information: {destroyed_message(tombstone)}")
    decision = onward_services.onward_release(disclosure=disclosure)
    if decision is None:
        return back_to_request(
            request, disclosure, "Nothing has been released on this request, so there is nothing to share onward."
        )
    items = onward_services.onward_items(disclosure=disclosure, decision=decision)
    if not items:
        return back_to_request(
            request,
            disclosure,
            f"None of the items released on this request came from {disclosure.holding_organisation.name}: "
            "ask the organisation each item came from.",
        )
    organisations = list(onward_services.onward_destinations(disclosure=disclosure))
    purposes = list(disclosure.protocol_pack.purposes.order_by("order"))
    form = OnwardRequestForm(posted(request), items=items, organisations=organisations, purposes=purposes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        wanted = set(data["items"])
        try:
            onward_services.onward_request_create(
                disclosure=disclosure,
                items=[item for item in items if item.pk in wanted],
                to_organisation=next((o for o in organisations if o.pk == data["to_organisation"]), None),
                purpose=next((p for p in purposes if p.pk == data["purpose"]), None),
                reasons=data["reasons"],
                acting_user=request.user,
                acting_membership=membership,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Your request has been sent to {disclosure.holding_organisation.name}, "
                "which originated the information",
            )
            return redirect("sharing:request_detail", pk=disclosure.pk)
    log_access(request, disclosure)
    return render(
        request,
        "sharing/onward/request.html",
        {"disclosure": disclosure, "decision": decision, "form": form},
    )


@require_http_methods(["GET", "POST"])
def onward_decide(request, pk: int, onward_pk: int):
    disclosure = access_disclosure(user=request.user, pk=pk)
    if not onward_services.onward_may_decide(user=request.user, membership=request.membership, disclosure=disclosure):
        raise PermissionDenied("Only the responder or the holding organisation's designated officer can decide this")
    onward = _onward(disclosure, onward_pk)
    if onward.status != OnwardStatus.PENDING:
        return back_to_request(request, disclosure, "This onward disclosure request has already been decided.")
    form = OnwardDecisionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            decided = onward_services.onward_decide(
                onward=onward,
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
                f"You approved sharing the items with {onward.to_organisation.name}"
                if decided.status == OnwardStatus.APPROVED
                else "You declined: nothing will be shared onward",
            )
            return redirect("sharing:request_detail", pk=disclosure.pk)
    log_access(request, disclosure)
    return render(request, "sharing/onward/decide.html", {"disclosure": disclosure, "onward": onward, "form": form})


@require_http_methods(["GET", "POST"])
def onward_share(request, pk: int, onward_pk: int):
    disclosure = access_disclosure(user=request.user, pk=pk)
    if not onward_services.onward_may_share(user=request.user, membership=request.membership, disclosure=disclosure):
        raise PermissionDenied("Only the requester or the requesting organisation's designated officer can share this")
    if (tombstone := released_data_gone(request, disclosure)) is not None:
        return back_to_request(request, disclosure, f"The released information: {destroyed_message(tombstone)}")
    onward = _onward(disclosure, onward_pk)
    if onward.status != OnwardStatus.APPROVED:
        return back_to_request(
            request,
            disclosure,
            "These items have already been shared onward."
            if onward.status == OnwardStatus.SHARED
            else "Only an approved onward disclosure request can be shared.",
        )
    error_message = ""
    if request.method == "POST":
        try:
            new = onward_services.onward_share(
                onward=onward, acting_user=request.user, acting_membership=request.membership
            )
        except ValidationError as error:
            error_message = " ".join(error.messages)
        else:
            messages.success(
                request, f"The items have been shared with {onward.to_organisation.name} as {new.reference}"
            )
            return redirect("sharing:request_detail", pk=new.pk)
    log_access(request, disclosure)
    return render(
        request,
        "sharing/onward/share.html",
        {
            "disclosure": disclosure,
            "onward": onward,
            "error_message": error_message,
            "conditions": [
                line
                for line in onward_services.onward_handling_conditions(
                    onward=onward, original=onward.decision, originator=disclosure.holding_organisation
                ).splitlines()
                if line.strip()
            ],
        },
    )


# ---------------------------------------------------------------------------------------------
# The request page's section and its buttons
# ---------------------------------------------------------------------------------------------


def request_page_context(*, user, membership, request, roles) -> dict:
    """Onward disclosure on the request page: the onward requests made on it (everyone with
    need-to-know on the request sees them) and, on a request that is itself an onward
    disclosure, where it came from."""
    # One query for both: the onward requests made on it, and the one it resulted from.
    rows = list(
        OnwardRequest.objects.filter(Q(request_id=request.pk) | Q(resulting_request_id=request.pk))
        .select_related(
            "to_organisation", "purpose", "requested_by", "decided_by", "resulting_request",
            "request__holding_organisation", "request__requesting_organisation",
        )
        .prefetch_related("items")
        .order_by("-requested_at", "-pk")
    )
    onward_requests = [row for row in rows if row.request_id == request.pk]
    source = next((row for row in rows if row.resulting_request_id == request.pk), None)
    return {"onward_requests": onward_requests, "onward_source": source}


def request_actions(*, user, membership, request, roles, onward_requests: list | None = None) -> list[Action]:
    """The onward-disclosure buttons. `onward_requests`: the request's onward requests as the
    page's section read them (`request_page_context`), so they are not read again."""
    if onward_requests is None:
        onward_requests = list(request.onward_requests.select_related("to_organisation"))
    actions: list[Action] = []
    may_share = onward_services.onward_may_share(user=user, membership=membership, disclosure=request)
    may_request = onward_services.onward_may_request(user=user, membership=membership, disclosure=request)
    # A recipient whose copy of the released data was destroyed has nothing left to pass on.
    if (may_share or may_request) and released_data_tombstone(request=request) is None:
        if may_share:
            for onward in (row for row in onward_requests if row.status == OnwardStatus.APPROVED):
                actions.append(
                    Action(
                        f"Share onward with {onward.to_organisation.name}",
                        reverse("sharing:onward_share", kwargs={"pk": request.pk, "onward_pk": onward.pk}),
                        style="primary",
                    )
                )
        if may_request and onward_services.onward_items(disclosure=request):
            actions.append(Action("Ask to share onward", reverse("sharing:onward_request", kwargs={"pk": request.pk})))
    if onward_services.onward_may_decide(user=user, membership=membership, disclosure=request):
        pending = min(
            (row for row in onward_requests if row.status == OnwardStatus.PENDING),
            key=lambda row: (row.requested_at, row.pk),
            default=None,
        )
        if pending is not None:
            actions.append(
                Action(
                    "Decide the onward disclosure request",
                    reverse("sharing:onward_decide", kwargs={"pk": request.pk, "onward_pk": pending.pk}),
                    style="primary",
                )
            )
    return actions


urlpatterns = [
    path("<int:pk>/onward/", onward_request, name="onward_request"),
    path("<int:pk>/onward/<int:onward_pk>/", onward_decide, name="onward_decide"),
    path("<int:pk>/onward/<int:onward_pk>/share/", onward_share, name="onward_share"),
]
