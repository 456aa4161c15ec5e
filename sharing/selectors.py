"""Guarded reads of disclosure requests (SSP 8.2 need-to-know; SDP 5.1 d).

`access_disclosure` is the only way a view gets a request whose personal data it will show: it
answers 404 both for "missing" and for "not yours", so an id cannot be probed. Membership of an
organisation gives nothing by itself: only the requester, the assignee, the designated officers
of the two organisations and anyone granted `access_disclosure` on the object get through.

Retention (sharing/retention.py): once the copy a person's organisation held of the request is
destroyed, `access_disclosure` refuses it too, with `DisclosureDestroyed` (a 404 carrying the
tombstone, which the request page shows instead of the content); once the requesting
organisation's copy of the released data is destroyed, its people no longer see the released
items and attachments (`released_data_tombstone`).
"""
from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from portal.models import HeldCopy, Membership, RetentionRecordKind, User
from portal.roles import Role
from sharing.models import DisclosureRequest, DisclosureRequestUserObjectPermission, Status

ACCESS_PERMISSION = "access_disclosure"
RETENTION_CONTENT_TYPE = "sharing.request"


class DisclosureDestroyed(Http404):
    """The person's organisation no longer holds the request: its copy was destroyed under
    retention. A 404 like any other unless the view shows `tombstone` (the request page does)."""

    def __init__(self, request: DisclosureRequest, tombstone: HeldCopy):
        super().__init__("This request was destroyed under retention")
        self.request = request
        self.tombstone = tombstone


def designated_organisation_ids(user: User) -> list[int]:
    return list(
        Membership.objects.active()
        .filter(user=user, role=Role.DESIGNATED_OFFICER)
        .values_list("organisation_id", flat=True)
    )


def visible_disclosures(*, user: User) -> QuerySet[DisclosureRequest]:
    """Every request whose personal data `user` may see."""
    if not user.is_authenticated or not user.is_active:
        return DisclosureRequest.objects.none()
    granted = DisclosureRequestUserObjectPermission.objects.filter(
        content_object=OuterRef("pk"), user=user, permission__codename=ACCESS_PERMISSION
    )
    designated = designated_organisation_ids(user)
    rule = Q(requester=user) | Q(assignee=user) | Q(Exists(granted))
    if designated:
        # A draft is the requesting side's own work: the holding side sees it once submitted.
        rule |= Q(requesting_organisation_id__in=designated) | (
            Q(holding_organisation_id__in=designated) & ~Q(status=Status.DRAFT)
        )
    return DisclosureRequest.objects.filter(rule)


def access_disclosure(*, user: User, pk: int | str, for_update: bool = False) -> DisclosureRequest:
    """The request, if `user` may see its personal data; Http404 otherwise, whatever the reason."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such request") from None
    queryset = visible_disclosures(user=user).select_related(
        "requesting_organisation", "holding_organisation", "requester", "assignee", "purpose", "forum",
        "legal_gateway", "protocol_pack",
    )
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    request = queryset.filter(pk=pk).first()
    if request is None:
        raise Http404("No such request")
    tombstone = disclosure_tombstone(user=user, request=request)
    if tombstone is not None:
        raise DisclosureDestroyed(request, tombstone)
    return request


def lock_disclosure_for_system(*, pk: int) -> DisclosureRequest:
    """The request, locked for this transaction, for work no person asked for (the consent
    withdrawal listener, sweeps): the one unguarded lock, named so that a person's action can
    never reach it by accident. People's actions lock through `access_disclosure(...,
    for_update=True)` or `access_for_assignment(..., for_update=True)`."""
    return (
        DisclosureRequest.objects.select_for_update(of=("self",))
        .select_related(
            "requesting_organisation", "holding_organisation", "purpose", "protocol_pack", "assignee", "requester"
        )
        .get(pk=pk)
    )


def disclosure_tombstone(*, user: User, request: DisclosureRequest) -> HeldCopy | None:
    """The tombstone of the copy of the request that `user`'s organisation held, if it has been
    destroyed; None while their organisation still holds it. `user`'s organisation is whichever of
    the request's two organisations they belong to (if both, it is gone only when both copies
    are); someone who belongs to neither sees it only while some copy is left. One query while
    nothing is destroyed."""
    copies = list(
        HeldCopy.objects.filter(
            content_type=RETENTION_CONTENT_TYPE, content_id=request.pk, kind=RetentionRecordKind.REQUESTS
        ).select_related("holder")
    )
    if not any(copy.destroyed_at for copy in copies):
        return None
    member_of = set(
        Membership.objects.active()
        .filter(user=user, organisation_id__in=[copy.holder_id for copy in copies])
        .values_list("organisation_id", flat=True)
    )
    theirs = [copy for copy in copies if copy.holder_id in member_of] or copies
    if all(copy.destroyed_at for copy in theirs):
        return max(theirs, key=lambda copy: copy.destroyed_at)
    return None


def released_data_tombstone(*, request: DisclosureRequest) -> HeldCopy | None:
    """The tombstone of the requesting organisation's copy of the released data, if destroyed:
    from then on the requesting side no longer sees the released items and attachments (the
    holding organisation keeps its record of what it released under its own copy)."""
    return (
        HeldCopy.objects.filter(
            content_type=RETENTION_CONTENT_TYPE,
            content_id=request.pk,
            kind=RetentionRecordKind.RELEASED_DATA,
            holder_id=request.requesting_organisation_id,
            destroyed_at__isnull=False,
        )
        .select_related("holder")
        .first()
    )


def destroyed_for(*, organisation_id: int) -> Exists:
    """An annotation for a list of requests: whether `organisation_id`'s copy of each has been
    destroyed under retention. Part of the list's own query (evaluated for the rows of the page),
    so a list marks them without a query a row."""
    return Exists(
        HeldCopy.objects.filter(
            content_type=RETENTION_CONTENT_TYPE,
            content_id=OuterRef("pk"),
            kind=RetentionRecordKind.REQUESTS,
            holder_id=organisation_id,
            destroyed_at__isnull=False,
        )
    )


def disclosure_role(*, user: User, request: DisclosureRequest) -> set[str]:
    """What `user` is to this request: any of requester, assignee, designated_requesting,
    designated_holding, granted. Views use it to offer only the actions that fit."""
    roles = set()
    if request.requester_id == user.pk:
        roles.add("requester")
    if request.assignee_id == user.pk:
        roles.add("assignee")
    designated = designated_organisation_ids(user)
    if request.requesting_organisation_id in designated:
        roles.add("designated_requesting")
    if request.holding_organisation_id in designated:
        roles.add("designated_holding")
    return roles
