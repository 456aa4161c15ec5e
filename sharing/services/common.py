"""What every sharing service does alike: name the designated officers and notify people. (A
status change's decision-log entry is written by `sharing.lifecycle.transition`; a decision that
moves no status calls `sharing.lifecycle.disclosure_decision_record` itself.)"""
from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from portal.models import Membership, User
from portal.notifications.services import notify
from portal.roles import Role
from sharing.models import DisclosureRequest


def designated_officers(organisation_id: int, *, partnership_id: int | None = None) -> list[User]:
    """The organisation's designated officers; with `partnership_id`, those whose role covers that
    partnership (not limited to another one)."""
    memberships = Membership.objects.active().filter(organisation_id=organisation_id, role=Role.DESIGNATED_OFFICER)
    if partnership_id is not None:
        memberships = memberships.filter(Q(partnership__isnull=True) | Q(partnership_id=partnership_id))
    return [m.user for m in memberships.select_related("user")]


def notify_about(*, disclosure: DisclosureRequest, recipients, subject: str, urgent: bool = False) -> None:
    """Email a link and the reference only: never names or content (SSP Appendix 7). `urgent`:
    a clock runs (an approval waiting), so it goes at once even to people on the daily digest."""
    notify(
        recipients=recipients,
        subject=subject,
        urgent=urgent,
        reference=disclosure.reference,
        path=reverse("sharing:request_detail", kwargs={"pk": disclosure.pk}),
    )
