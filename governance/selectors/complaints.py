"""Guarded reads of complaints (SSP 12).

A complaint is seen by the data protection officers and designated officers of every
organisation taking part in it (the receiving organisation and those party to the requests it
concerns), and by whoever recorded it; `access_complaint` answers 404 alike for missing and
not-yours. A DPO or designated officer records their own organisation's part; the receiving
organisation records the agreed outcome once every part is in.
"""
from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from governance.models import Complaint, ComplaintPart, ComplaintStatus
from portal.models import Membership, User
from portal.roles import Role
from sharing.models import DisclosureRequest, Status

COMPLAINT_ROLES = (Role.DPO, Role.DESIGNATED_OFFICER)
REQUEST_CHOICES_LIMIT = 50


def _complaint_organisation_ids(user: User) -> list[int]:
    return list(
        Membership.objects.active().filter(user=user, role__in=COMPLAINT_ROLES).values_list("organisation_id", flat=True)
    )


def visible_complaints(*, user: User) -> QuerySet[Complaint]:
    if not user.is_authenticated or not user.is_active:
        return Complaint.objects.none()
    organisation_ids = _complaint_organisation_ids(user)
    if not organisation_ids:
        return Complaint.objects.none()
    ids = ComplaintPart.objects.filter(organisation_id__in=organisation_ids).values("complaint_id")
    return Complaint.objects.filter(Q(pk__in=ids) | Q(received_by_id__in=organisation_ids))


def access_complaint(*, user: User, pk: int | str, for_update: bool = False) -> Complaint:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such complaint") from None
    queryset = visible_complaints(user=user).select_related("received_by", "recorded_by", "partnership", "outcome_recorded_by")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    complaint = queryset.filter(pk=pk).first()
    if complaint is None:
        raise Http404("No such complaint")
    return complaint


def complaint_parts(*, complaint: Complaint) -> list[ComplaintPart]:
    return list(complaint.parts.select_related("organisation", "recorded_by"))


def complaint_part_of(*, complaint: Complaint, membership: Membership | None) -> ComplaintPart | None:
    """The acting organisation's part, if the acting role may record it."""
    if membership is None or membership.role not in COMPLAINT_ROLES or complaint.status != ComplaintStatus.OPEN:
        return None
    return complaint.parts.filter(organisation_id=membership.organisation_id).first()


def complaint_may_record_outcome(*, complaint: Complaint, membership: Membership | None) -> bool:
    return bool(
        membership is not None
        and membership.role in COMPLAINT_ROLES
        and membership.organisation_id == complaint.received_by_id
        and complaint.status == ComplaintStatus.OPEN
    )


def complaint_request_choices(*, organisation_id: int) -> QuerySet[DisclosureRequest]:
    """Requests the organisation is party to (requesting or holding, sent): references only."""
    return (
        DisclosureRequest.objects.filter(
            Q(requesting_organisation_id=organisation_id) | Q(holding_organisation_id=organisation_id)
        )
        .exclude(status=Status.DRAFT)
        .exclude(reference="")
        .select_related("protocol_pack", "requesting_organisation", "holding_organisation")
        .order_by("-pk")
    )


def complaints_for_list(*, user: User, show: str = "open") -> QuerySet[Complaint]:
    status = ComplaintStatus.CLOSED if show == "closed" else ComplaintStatus.OPEN
    return visible_complaints(user=user).filter(status=status).select_related("received_by").order_by("-received_on", "-pk")


def complaint_officers(*, organisation_ids) -> QuerySet[User]:
    return User.objects.filter(
        memberships__in=Membership.objects.active().filter(organisation_id__in=organisation_ids, role__in=COMPLAINT_ROLES)
    ).distinct()


def complaint_parts_waiting_count(*, organisation_id: int) -> int:
    """Open complaints whose part for this organisation is not recorded yet."""
    return ComplaintPart.objects.filter(
        organisation_id=organisation_id, recorded_at__isnull=True, complaint__status=ComplaintStatus.OPEN
    ).count()
