"""What every sharing service does alike: name the designated officers, log a decision that moves
no status, notify people. (A status change's own entry is written by `sharing.lifecycle.transition`.)"""
from __future__ import annotations

from django.urls import reverse

from portal.models import Membership, Organisation, User
from portal.notifications.services import notify
from portal.roles import Role
from sharing.lifecycle import disclosure_decision_record
from sharing.models import DisclosureRequest


def log_decision(
    *,
    request: DisclosureRequest,
    action: str,
    actor: User,
    organisation: Organisation,
    reasons: str,
    details: dict | None = None,
) -> None:
    """The decision-log entry of a decision that moves no status, in the caller's transaction
    (App 4 rule 7): `sharing.lifecycle.disclosure_decision_record` under the keywords its older
    callers use."""
    disclosure_decision_record(
        request, actor=actor, organisation=organisation, action=action, reasons=reasons, details=details
    )


def designated_officers(organisation_id: int) -> list[User]:
    return [
        m.user
        for m in Membership.objects.active()
        .filter(organisation_id=organisation_id, role=Role.DESIGNATED_OFFICER)
        .select_related("user")
    ]


def notify_about(*, request: DisclosureRequest, recipients, subject: str) -> None:
    """Email a link and the reference only: never names or content (SSP Appendix 7)."""
    notify(
        recipients=recipients,
        subject=subject,
        reference=request.reference,
        path=reverse("sharing:request_detail", kwargs={"pk": request.pk}),
    )
