"""Guarded reads of disclosure requests (SSP 8.2 need-to-know; SDP 5.1 d).

`access_disclosure` is the only way a view gets a request whose personal data it will show: it
answers 404 both for "missing" and for "not yours", so an id cannot be probed. Membership of an
organisation gives nothing by itself: only the requester, the assignee, the designated officers
of the two organisations and anyone granted `access_disclosure` on the object get through.
"""
from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from portal.models import Membership, User
from portal.roles import Role
from sharing.models import DisclosureRequest, DisclosureRequestUserObjectPermission, Status

ACCESS_PERMISSION = "access_disclosure"


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
    return request


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
