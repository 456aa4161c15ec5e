"""Disputes (SSP 9.2; DOMAIN.md §4 step 7): disagreements about a decision not to share, or to
share only in part, go to the designated officers.

The requester (or the requesting organisation's designated officer) disputes a declined or
partly released request with their grounds: the request becomes *disputed* and the designated
officers of both organisations are told; it waits in both their queues. The two designated
officers resolve it together: the requesting organisation's records its view
(`dispute_view_record`; a dispute one of them raised carries their view in its grounds), then the
holding organisation's upholds the decision (the request goes back to declined / partly
released) or overturns it (it goes back to the responder, in review, to release), and the log
entry of the resolution records both views. Each step is logged with its reasons.

A decision is disputed once: when the designated officers have decided, any further
disagreement is for the heads of the two agencies (SSP 9.2), outside the portal.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from portal.models import Membership, User
from portal.roles import Role
from portal.text import clean_text
from sharing import lifecycle
from sharing.lifecycle import disclosure_decision_record
from sharing.models import Decision, DisclosureRequest, Dispute, DisputeStatus, Outcome, Status
from sharing.retention import disclosure_copies_record
from sharing.selectors import access_disclosure
from sharing.services.common import designated_officers, notify_about

DISPUTABLE_OUTCOMES = {Outcome.DECLINED, Outcome.PARTLY_RELEASED}
TEXT_MAX_LENGTH = 5000


def _acting_organisation_id(membership: Membership | None) -> int | None:
    return membership.organisation_id if membership else None


def dispute_may_raise(*, user: User, membership: Membership | None, disclosure: DisclosureRequest) -> bool:
    """Whether this person, acting in this membership, may dispute the request's decision: its
    requester, or a designated officer of the requesting organisation, acting for that organisation."""
    if _acting_organisation_id(membership) != disclosure.requesting_organisation_id:
        return False
    return disclosure.requester_id == user.pk or membership.role == Role.DESIGNATED_OFFICER


def dispute_may_decide(*, user: User, membership: Membership | None, disclosure: DisclosureRequest) -> bool:
    """Only the holding organisation's designated officer, acting as such, decides a dispute."""
    return (
        _acting_organisation_id(membership) == disclosure.holding_organisation_id
        and membership.role == Role.DESIGNATED_OFFICER
    )


def dispute_may_record_view(*, user: User, membership: Membership | None, disclosure: DisclosureRequest) -> bool:
    """The requesting organisation's designated officer, acting as such, gives its side's view."""
    return (
        _acting_organisation_id(membership) == disclosure.requesting_organisation_id
        and membership.role == Role.DESIGNATED_OFFICER
    )


def dispute_view_awaited(*, dispute: Dispute, disclosure: DisclosureRequest) -> bool:
    """The resolution waits for the requesting organisation's designated officer's view: not yet
    recorded, the dispute not raised by one of them, and the organisation has one to give it."""
    if dispute.requesting_view_at is not None or dispute.status != DisputeStatus.OPEN:
        return False
    officers = designated_officers(disclosure.requesting_organisation_id)
    return bool(officers) and dispute.raised_by_id not in {officer.pk for officer in officers}


def dispute_requesting_view(*, dispute: Dispute) -> tuple[str, User | None]:
    """The requesting side's view and whose it is: the recorded view, else the grounds of a
    dispute its designated officer raised."""
    if dispute.requesting_view_at is not None:
        return dispute.requesting_view, dispute.requesting_view_by
    return dispute.grounds, dispute.raised_by


def disputable_decision(*, disclosure: DisclosureRequest) -> Decision | None:
    """The request's current decision if it can be disputed now, else None: the request is
    declined or partly released, and that decision has not been disputed before."""
    if disclosure.status not in DISPUTABLE_OUTCOMES or not lifecycle.can_transition(disclosure, Status.DISPUTED):
        return None
    decision = disclosure.decisions.filter(is_current=True, outcome=disclosure.status).first()
    if decision is None or decision.disputes.exists():
        return None
    return decision


def open_dispute(*, disclosure: DisclosureRequest) -> Dispute | None:
    if disclosure.status != Status.DISPUTED:
        return None
    return (
        disclosure.disputes.filter(status=DisputeStatus.OPEN)
        .select_related("decision", "decision__marking", "raised_by")
        .order_by("-raised_at", "-pk")
        .first()
    )


@transaction.atomic
def dispute_raise(
    *, disclosure: DisclosureRequest, grounds: str, acting_user: User, acting_membership: Membership | None
) -> Dispute:
    """SSP 9.2: dispute a decline or a partial release. The request becomes disputed and the
    designated officers of both organisations are notified."""
    disclosure = access_disclosure(user=acting_user, pk=disclosure.pk, for_update=True)
    if not dispute_may_raise(user=acting_user, membership=acting_membership, disclosure=disclosure):
        raise PermissionDenied(
            "Only the requester or the requesting organisation's designated officer can dispute a decision"
        )
    grounds = clean_text(
        grounds, field="grounds", missing="Enter why you dispute the decision", label="Your grounds"
    )
    if disclosure.status not in DISPUTABLE_OUTCOMES:
        raise ValidationError("Only a declined or partly released request can be disputed")
    decision = disclosure.decisions.select_for_update().filter(is_current=True, outcome=disclosure.status).first()
    if decision is None:
        raise ValidationError("This request has no decision to dispute")
    if decision.disputes.exists():
        raise ValidationError(
            "This decision has already been disputed and the designated officers have decided. "
            "Take any further disagreement to the heads of the two organisations (SSP 9.2)"
        )
    dispute = Dispute.objects.create(request=disclosure, decision=decision, raised_by=acting_user, grounds=grounds)
    lifecycle.transition(
        disclosure,
        Status.DISPUTED,
        acting_user=acting_user,
        organisation=acting_membership.organisation,
        event="request.disputed",
        reasons=grounds,
        details={"dispute_id": dispute.pk, "decision_id": decision.pk, "disputed_outcome": decision.outcome},
    )
    notify_about(
        disclosure=disclosure,
        recipients=[
            *designated_officers(disclosure.requesting_organisation_id),
            *designated_officers(disclosure.holding_organisation_id),
        ],
        subject="A decision on a disclosure request has been disputed",
    )
    return dispute


@transaction.atomic
def dispute_view_record(
    *, dispute: Dispute, view: str, acting_user: User, acting_membership: Membership | None
) -> Dispute:
    """SSP 9.2: the requesting organisation's designated officer records their view of the
    dispute, for the holding organisation's designated officer to resolve it with."""
    request = access_disclosure(user=acting_user, pk=dispute.request_id, for_update=True)
    if not dispute_may_record_view(user=acting_user, membership=acting_membership, disclosure=request):
        raise PermissionDenied("Only the requesting organisation's designated officer can record its view")
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk, request=request)
    view = clean_text(view, field="view", missing="Enter your view of the dispute", label="Your view")
    if dispute.status != DisputeStatus.OPEN or request.status != Status.DISPUTED:
        raise ValidationError("This dispute has already been decided")
    if dispute.requesting_view_at is not None:
        raise ValidationError("Your organisation's view of this dispute has already been recorded")
    dispute.requesting_view = view
    dispute.requesting_view_by = acting_user
    dispute.requesting_view_at = timezone.now()
    dispute.save(update_fields=["requesting_view", "requesting_view_by", "requesting_view_at"])
    disclosure_decision_record(
        request,
        action="dispute.view_recorded",
        actor=acting_user,
        organisation=acting_membership.organisation,
        reasons=view,
        details={"dispute_id": dispute.pk, "decision_id": dispute.decision_id},
    )
    notify_about(
        disclosure=request,
        recipients=designated_officers(request.holding_organisation_id),
        subject="The requesting organisation's designated officer has given their view of a dispute",
    )
    return dispute


def _resolution_reasons(*, request: DisclosureRequest, dispute: Dispute, reasons: str) -> str:
    view, _ = dispute_requesting_view(dispute=dispute)
    return (
        f"{request.holding_organisation.name} designated officer: {reasons}\n\n"
        f"{request.requesting_organisation.name} designated officer: {view or 'no designated officer to give a view'}"
    )


@transaction.atomic
def dispute_decide(
    *, dispute: Dispute, upheld: bool, reasons: str, acting_user: User, acting_membership: Membership | None
) -> Dispute:
    """The holding organisation's designated officer upholds the disputed decision (the request
    goes back to it) or overturns it (back to the responder, in review, to release)."""
    request = access_disclosure(user=acting_user, pk=dispute.request_id, for_update=True)
    if not dispute_may_decide(user=acting_user, membership=acting_membership, disclosure=request):
        raise PermissionDenied("Only the holding organisation's designated officer can decide a dispute")
    dispute = Dispute.objects.select_for_update().select_related("decision").get(pk=dispute.pk, request=request)
    reasons = clean_text(
        reasons, field="reasons", missing="Enter the reasons for your decision", label="Your reasons"
    )
    if dispute.status != DisputeStatus.OPEN or request.status != Status.DISPUTED:
        raise ValidationError("This dispute has already been decided")
    if dispute_view_awaited(dispute=dispute, disclosure=request):
        raise ValidationError(
            f"Wait for the view of {request.requesting_organisation.name}'s designated officer: the two designated "
            "officers resolve a dispute together (SSP 9.2)"
        )
    view, view_by = dispute_requesting_view(dispute=dispute)
    if upheld:
        to, dispute.status, action = dispute.decision.outcome, DisputeStatus.UPHELD, "dispute.upheld"
        subject = "A disputed decision on a disclosure request has been upheld"
    else:
        to, dispute.status, action = Status.IN_REVIEW, DisputeStatus.OVERTURNED, "dispute.overturned"
        subject = "A disputed decision on a disclosure request has been overturned"
    lifecycle.transition(
        request,
        to,
        acting_user=acting_user,
        organisation=acting_membership.organisation,
        event=action,
        reasons=_resolution_reasons(request=request, dispute=dispute, reasons=reasons),
        details={
            "dispute_id": dispute.pk,
            "decision_id": dispute.decision_id,
            "disputed_outcome": dispute.decision.outcome,
            "holding_view": reasons,
            "holding_officer_id": acting_user.pk,
            "requesting_view": view,
            "requesting_officer_id": view_by.pk if view_by else None,
        },
    )
    dispute.decided_by = acting_user
    dispute.decided_at = timezone.now()
    dispute.decision_reasons = reasons
    dispute.save(update_fields=["status", "decided_by", "decided_at", "decision_reasons"])
    disclosure_copies_record(request=request, closed=True)  # the dispute is closed: the clocks start again
    notify_about(
        disclosure=request,
        recipients=[
            request.requester, request.assignee, dispute.raised_by, *([view_by] if view_by else []),
        ],
        subject=subject,
    )
    return dispute
