"""What every sharing service does alike: lock the request, log the decision, notify people."""
from __future__ import annotations

from django.urls import reverse

from portal.accountability.services import decision_record
from portal.models import Membership, Organisation, User
from portal.notifications.services import notify
from portal.roles import Role
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
    """Write the decision log for a request, in the caller's transaction (App 4 rule 7)."""
    recipient = (
        request.holding_organisation
        if organisation.pk == request.requesting_organisation_id
        else request.requesting_organisation
    )
    decision_record(
        actor=actor,
        organisation=organisation,
        action=action,
        reasons=reasons,
        reference=request.reference,
        recipient=recipient,
        purpose=request.purpose.name if request.purpose_id else "",
        protocol_version=f"{request.protocol_pack.slug}@{request.protocol_pack.version}",
        details=details,
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
