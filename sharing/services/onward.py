"""Onward disclosure (SSP Appendix 2 q5, 8.2; SDP 5.1; DOMAIN.md §4 step 8): released information
is not passed on without the consent of the organisation it came from, which keeps ownership.

1. A recipient of a release (the requester, or a designated officer of the requesting
   organisation, acting for it) asks the originator through the portal: which released items,
   to which organisation, for what purpose of the protocol, and why (`onward_request_create`).
   Only items that originated with the holding organisation can be asked for here: an item that
   came from somewhere else is for that organisation to allow.
2. The originator (the request's responder, or a designated officer of the holding
   organisation) approves or declines, with reasons (`onward_decide`). Declined, nothing leaves.
3. Approved, the recipient shares the items through the portal (`onward_share`) as a new
   disclosure: a DisclosureRequest from the third organisation (its requesting, i.e. receiving,
   organisation) to the recipient's organisation (its holding organisation, now passing on what
   it holds), released at once under the approval. The person sharing is recorded as its
   requester and responder (nobody at the third organisation asked for it); the third
   organisation's designated officers see it through the ordinary need-to-know rules. Every item
   keeps its original originating organisation, the marking of the original release and its
   handling conditions are carried over, and the new request's page names the originator.

Each step is one atomic service on the locked original request, logged in the same transaction.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from portal.models import Membership, Organisation, PartnershipMember, Purpose, User
from portal.protocols.selectors import current_version_of
from portal.roles import Role
from portal.selectors.partnerships import partnership_member
from portal.sharing_conditions import sharing_block_message, sharing_blocks
from portal.text import clean_text, collect_text
from sharing import lifecycle
from sharing.lifecycle import disclosure_decision_record
from sharing.models import (
    Decision,
    DisclosureRequest,
    OnwardRequest,
    OnwardStatus,
    Outcome,
    ReleaseItem,
    RequestSubject,
    Status,
)
from sharing.retention import disclosure_copies_record, released_copy_record
from sharing.selectors import access_disclosure, released_data_tombstone
from sharing.services.common import designated_officers, notify_about

RELEASE_OUTCOMES = (Outcome.RELEASED, Outcome.PARTLY_RELEASED)
PERMISSION = "sharing.access_disclosure"


def _acting(user: User, membership: Membership | None) -> bool:
    return bool(membership is not None and membership.user_id == getattr(user, "pk", None) and membership.is_active)


# ---------------------------------------------------------------------------------------------
# Who may do what, and on which items
# ---------------------------------------------------------------------------------------------


def onward_may_request(*, user: User, membership: Membership | None, disclosure: DisclosureRequest) -> bool:
    """A recipient: the requester, or a designated officer of the requesting organisation, each
    acting for the requesting organisation."""
    if not _acting(user, membership) or membership.organisation_id != disclosure.requesting_organisation_id:
        return False
    return disclosure.requester_id == user.pk or membership.role == Role.DESIGNATED_OFFICER


def onward_may_decide(*, user: User, membership: Membership | None, disclosure: DisclosureRequest) -> bool:
    """The originator: the request's responder or a designated officer of the holding
    organisation, each acting for the holding organisation."""
    if not _acting(user, membership) or membership.organisation_id != disclosure.holding_organisation_id:
        return False
    return disclosure.assignee_id == user.pk or membership.role == Role.DESIGNATED_OFFICER


def onward_may_share(*, user: User, membership: Membership | None, disclosure: DisclosureRequest) -> bool:
    """A recipient, as for asking: the requester, or a designated officer of the requesting
    organisation, each acting for the requesting organisation."""
    return onward_may_request(user=user, membership=membership, disclosure=disclosure)


def onward_release(*, disclosure: DisclosureRequest) -> Decision | None:
    """The release the recipient holds: the current decision, if it released anything."""
    return (
        disclosure.decisions.filter(is_current=True, outcome__in=RELEASE_OUTCOMES)
        .select_related("marking")
        .order_by("-decided_at", "-pk")
        .first()
    )


def onward_destroyed_problem(*, disclosure: DisclosureRequest) -> str:
    """Why the recipient has nothing left to pass on (its copy of the released data was destroyed
    under retention), or "" while it still holds it."""
    tombstone = released_data_tombstone(request=disclosure)
    if tombstone is None:
        return ""
    return (
        f"The information released on {disclosure.reference} was destroyed under retention on "
        f"{tombstone.destroyed_at:%-d %B %Y}: there is nothing left to share onward."
    )


def onward_refused_destroyed(*, disclosure: DisclosureRequest) -> None:
    """Refuse when the recipient's copy of the released data was destroyed under retention."""
    problem = onward_destroyed_problem(disclosure=disclosure)
    if problem:
        raise ValidationError(problem)


def onward_items(*, disclosure: DisclosureRequest, decision: Decision | None = None) -> list[ReleaseItem]:
    """The released items that may be asked for: those that originated with the holding
    organisation (the one that can allow their onward disclosure)."""
    decision = decision if decision is not None else onward_release(disclosure=disclosure)
    if decision is None:
        return []
    return list(
        decision.items.filter(originating_organisation_id=disclosure.holding_organisation_id)
        .select_related("originating_organisation")
        .order_by("order", "pk")
    )


def onward_destinations(*, disclosure: DisclosureRequest):
    """Organisations the items may be passed to: signatories not suspended, other than the two
    organisations of the request (the originator holds them already; the recipient is passing them)."""
    members = PartnershipMember.objects.sharing().filter(partnership_id=disclosure.protocol_pack.partnership_id)
    return (
        Organisation.objects.filter(pk__in=members.values("organisation"))
        .exclude(pk__in=[disclosure.requesting_organisation_id, disclosure.holding_organisation_id])
        .order_by("name")
    )


def _destination_problem(*, organisation: Organisation, disclosure: DisclosureRequest) -> str:
    if organisation.pk in (disclosure.requesting_organisation_id, disclosure.holding_organisation_id):
        return "Choose an organisation other than the two on this request"
    partnership = disclosure.protocol_pack.partnership
    member = partnership_member(partnership=partnership, organisation=organisation)
    if member is None:
        return f"{organisation.name} is not a member of {partnership.name}: information cannot leave the partnership"
    if member.sharing_suspended:
        return f"Sharing with {organisation.name} is suspended (SSP 13.3)"
    if not member.has_signed:
        return f"{organisation.name} has not signed the information sharing protocol"
    blocked = sharing_blocks(partnership=partnership, organisations=[organisation])
    if blocked:
        return sharing_block_message(*blocked[0])
    return ""


# ---------------------------------------------------------------------------------------------
# 1. The recipient asks
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def onward_request_create(
    *,
    disclosure: DisclosureRequest,
    items: list[ReleaseItem] | tuple = (),
    to_organisation: Organisation | None,
    purpose: Purpose | None,
    reasons: str,
    acting_user: User,
    acting_membership: Membership | None,
) -> OnwardRequest:
    """A recipient asks the originator for permission to pass released items to another
    organisation (SSP Appendix 2 q5)."""
    disclosure = access_disclosure(user=acting_user, pk=disclosure.pk, for_update=True)
    if not onward_may_request(user=acting_user, membership=acting_membership, disclosure=disclosure):
        raise PermissionDenied("Only the requester or the requesting organisation's designated officer can ask this")
    onward_refused_destroyed(disclosure=disclosure)
    decision = onward_release(disclosure=disclosure)
    if decision is None:
        raise ValidationError("Nothing has been released on this request, so there is nothing to share onward.")
    errors: dict[str, list[str]] = {}
    allowed = {item.pk: item for item in onward_items(disclosure=disclosure, decision=decision)}
    wanted = {getattr(item, "pk", item) for item in items or ()}
    if not wanted:
        errors["items"] = ["Select the items you want to share onward"]
    elif not wanted <= set(allowed):
        errors["items"] = [
            f"Select items released by {disclosure.holding_organisation.name} on this request: only the "
            "organisation an item came from can allow it to be shared onward"
        ]
    if not isinstance(to_organisation, Organisation):
        errors["to_organisation"] = ["Select the organisation you want to share the items with"]
    else:
        problem = _destination_problem(organisation=to_organisation, disclosure=disclosure)
        if problem:
            errors["to_organisation"] = [problem]
    if not isinstance(purpose, Purpose) or purpose.pack_id != disclosure.protocol_pack_id:
        errors["purpose"] = ["Select the purpose from this request's protocol"]
    reasons = collect_text(
        reasons, field="reasons", label="Your reasons", errors=errors, missing="Enter why you need to share the items"
    )
    if errors:
        raise ValidationError(errors)

    onward = OnwardRequest.objects.create(
        request=disclosure,
        decision=decision,
        to_organisation=to_organisation,
        purpose=purpose,
        reasons=reasons,
        requested_by=acting_user,
    )
    chosen = [allowed[pk] for pk in sorted(wanted, key=lambda pk: (allowed[pk].order, pk))]
    onward.items.set(chosen)
    disclosure_decision_record(
        disclosure,
        action="onward.requested",
        actor=acting_user,
        organisation=acting_membership.organisation,
        reasons=f"Asked to share {len(chosen)} item{'s' if len(chosen) != 1 else ''} with {to_organisation.name} "
        f"for {purpose.name}: {reasons}",
        details={
            "onward_id": onward.pk,
            "to_organisation": to_organisation.name,
            "to_organisation_id": to_organisation.pk,
            "purpose": purpose.code,
            "item_ids": [item.pk for item in chosen],
        },
    )
    recipients = {u.pk: u for u in designated_officers(disclosure.holding_organisation_id)}
    if disclosure.assignee_id:
        recipients.setdefault(disclosure.assignee_id, disclosure.assignee)
    notify_about(
        disclosure=disclosure,
        recipients=list(recipients.values()),
        subject="A recipient asks to share released information onward",
        urgent=True,
    )
    return onward


# ---------------------------------------------------------------------------------------------
# 2. The originator decides
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def onward_decide(
    *,
    onward: OnwardRequest,
    approved: bool,
    reasons: str,
    acting_user: User,
    acting_membership: Membership | None,
) -> OnwardRequest:
    """The originator approves (the recipient may then share) or declines (nothing leaves)."""
    request = access_disclosure(user=acting_user, pk=onward.request_id, for_update=True)
    if not onward_may_decide(user=acting_user, membership=acting_membership, disclosure=request):
        raise PermissionDenied("Only the responder or the holding organisation's designated officer can decide this")
    onward = OnwardRequest.objects.select_for_update().select_related("to_organisation", "purpose").get(
        pk=onward.pk, request=request
    )
    if onward.status != OnwardStatus.PENDING:
        raise ValidationError("This onward disclosure request has already been decided.")
    reasons = clean_text(reasons, field="reasons", label="Your reasons", missing="Enter the reasons for your decision")
    onward.status = OnwardStatus.APPROVED if approved else OnwardStatus.DECLINED
    onward.decided_by = acting_user
    onward.decided_at = timezone.now()
    onward.decision_reasons = reasons
    onward.save(update_fields=["status", "decided_by", "decided_at", "decision_reasons"])
    disclosure_decision_record(
        request,
        action="onward.approved" if approved else "onward.declined",
        actor=acting_user,
        organisation=request.holding_organisation,
        reasons=reasons,
        details={
            "onward_id": onward.pk,
            "to_organisation": onward.to_organisation.name,
            "to_organisation_id": onward.to_organisation_id,
            "purpose": onward.purpose.code,
        },
    )
    notify_about(
        disclosure=request,
        recipients=[onward.requested_by],
        subject="Your request to share information onward has been approved"
        if approved
        else "Your request to share information onward has been declined",
    )
    return onward


# ---------------------------------------------------------------------------------------------
# 3. The recipient shares, as a new disclosure
# ---------------------------------------------------------------------------------------------


def onward_handling_conditions(*, onward: OnwardRequest, original: Decision, originator: Organisation) -> str:
    lines = [line for line in (original.handling_conditions or "").splitlines() if line.strip()]
    lines.append(
        f"Shared onward by {onward.request.requesting_organisation.name} with the consent of {originator.name}, "
        f"which keeps ownership. Do not share it further without the consent of {originator.name} (SSP 8.2; SDP 5.1)."
    )
    return "\n".join(lines)


def onward_share_problem(*, onward: OnwardRequest, original: DisclosureRequest) -> str:
    """Why the approved items cannot be shared now, or "" when they can (reads only)."""
    if onward.status == OnwardStatus.SHARED:
        return "These items have already been shared onward."
    if onward.status != OnwardStatus.APPROVED:
        return "Only an approved onward disclosure request can be shared."
    return onward_destroyed_problem(disclosure=original) or _destination_problem(
        organisation=onward.to_organisation, disclosure=original
    )


@transaction.atomic
def onward_share(
    *, onward: OnwardRequest, acting_user: User, acting_membership: Membership | None
) -> DisclosureRequest:
    """Pass the approved items to the third organisation as a new, released disclosure that
    names the original originator on every item."""
    original = access_disclosure(user=acting_user, pk=onward.request_id, for_update=True)
    if not onward_may_share(user=acting_user, membership=acting_membership, disclosure=original):
        raise PermissionDenied("Only the requester or the requesting organisation's designated officer can share this")
    onward = (
        OnwardRequest.objects.select_for_update(of=("self",))
        .select_related("to_organisation", "purpose", "decision", "decision__marking", "decided_by")
        .get(pk=onward.pk, request=original)
    )
    onward.request = original
    problem = onward_share_problem(onward=onward, original=original)
    if problem:
        raise ValidationError(problem)
    now = timezone.now()
    new = _onward_disclosure_create(onward=onward, original=original, acting_user=acting_user, now=now)
    items = list(onward.items.select_related("originating_organisation").order_by("order", "pk"))
    decision = _onward_release_create(onward=onward, original=original, new=new, items=items, acting_user=acting_user)
    originator = original.holding_organisation
    new.decided_at = now
    new.decided_under = decision.protocol_pack
    lifecycle.transition(
        new,
        Status.RELEASED,
        acting_user=acting_user,
        organisation=original.requesting_organisation,
        event="onward.shared",
        reasons=(
            f"{len(items)} item{'s' if len(items) != 1 else ''} of {original.reference} shared onward with "
            f"{onward.to_organisation.name}, with the approval of {originator.name}: {onward.reasons}"
        ),
        details={
            "onward_id": onward.pk,
            "original_reference": original.reference,
            "originator": originator.name,
            "decision_id": decision.pk,
            "items": len(items),
            "marking": onward.decision.marking.code if onward.decision.marking_id else "",
        },
        update_fields=["decided_at", "decided_under"],
    )
    # The new disclosure's copies: the third organisation holds the request and the released data
    # (no officer of its own yet: its designated officers look after them), the recipient passing
    # it on holds its record of the sharing.
    disclosure_copies_record(request=new, closed=True, requesting_officer=None)
    released_copy_record(request=new, decision=decision, officer=None)

    onward.status = OnwardStatus.SHARED
    onward.shared_by = acting_user
    onward.shared_at = now
    onward.resulting_request = new
    onward.save(update_fields=["status", "shared_by", "shared_at", "resulting_request"])
    notify_about(
        disclosure=new,
        recipients=designated_officers(onward.to_organisation_id),
        subject="Information has been shared with your organisation",
    )
    notify_about(
        disclosure=original,
        recipients=[onward.decided_by] if onward.decided_by_id else [],
        subject="Information you approved for onward disclosure has been shared",
    )
    return new


def _onward_disclosure_create(
    *, onward: OnwardRequest, original: DisclosureRequest, acting_user: User, now
) -> DisclosureRequest:
    """The new disclosure from the third organisation to the recipient, in review, its subjects
    those of the original, the person sharing its requester and responder."""
    originator = original.holding_organisation
    new = DisclosureRequest.objects.create(
        reference=f"NEW-{uuid.uuid4().hex[:16]}",
        status=Status.IN_REVIEW,
        protocol_pack=original.protocol_pack,
        requesting_organisation=onward.to_organisation,
        requester=acting_user,
        holding_organisation=original.requesting_organisation,
        assignee=acting_user,
        purpose=onward.purpose,
        information_requested=(
            f"Onward disclosure of information {originator.name} released to "
            f"{original.requesting_organisation.name} on {original.reference}, shared with the consent of "
            f"{originator.name}."
        ),
        special_category=original.special_category,
        criminal_offence_data=original.criminal_offence_data,
        victim_witness_information=original.victim_witness_information,
        sub_judice=False,
        submitted_at=now,
        assigned_at=now,
    )
    new.reference = f"DR-{timezone.localdate():%Y}-{new.pk:06d}"
    new.save(update_fields=["reference"])
    RequestSubject.objects.bulk_create(
        RequestSubject(request=new, subject_id=link.subject_id, role=link.role) for link in original.subjects.all()
    )
    assign_perm(PERMISSION, acting_user, new)
    return new


def _onward_release_create(
    *, onward: OnwardRequest, original: DisclosureRequest, new: DisclosureRequest, items, acting_user: User
) -> Decision:
    """The new disclosure's release: the approved items, each naming its original originator,
    under the original release's marking and handling conditions."""
    originator = original.holding_organisation
    decision = Decision.objects.create(
        request=new,
        outcome=Outcome.RELEASED,
        reasons=(
            f"Shared onward with {onward.to_organisation.name} for {onward.purpose.name}, with the approval of "
            f"{originator.name} ({timezone.localtime(onward.decided_at):%d %B %Y}): {onward.decision_reasons}\n\n"
            f"Why it is shared: {onward.reasons}"
        ),
        marking=onward.decision.marking,
        handling_conditions=onward_handling_conditions(onward=onward, original=onward.decision, originator=originator),
        decided_by=acting_user,
        organisation=original.requesting_organisation,
        protocol_pack=current_version_of(original.protocol_pack),
        is_current=True,
    )
    ReleaseItem.objects.bulk_create(
        ReleaseItem(
            decision=decision,
            text=item.text,
            fact_or_opinion=item.fact_or_opinion,
            originating_organisation_id=item.originating_organisation_id,
            order=order,
        )
        for order, item in enumerate(items)
    )
    return decision
