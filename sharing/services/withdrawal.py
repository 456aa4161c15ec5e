"""A consent withdrawn while requests still rely on it (SSP 6.1, Appendix 5): the listener the
consent app calls from `consent.services.consent_withdraw` (registered in SharingConfig.ready()).

Each request still being handled that relies on the withdrawn consent is flagged to its
responder; any later release relying on it is refused by the coverage check at release
(sharing/services/consent_reliance.py). No person acts on the requests here, so they are locked
with the named system lock.
"""

from __future__ import annotations

from django.utils import timezone

from consent.models import ConsentRecord
from portal.models import User
from sharing.lifecycle import OPEN_STATUSES, disclosure_decision_record
from sharing.models import ConsentReliance, DisclosureRequest, NoteKind, RequestNote, Status
from sharing.selectors import lock_disclosure_for_system
from sharing.services.common import designated_officers, notify_about

# A consent withdrawn while a request relying on it is still being handled is flagged on it.
FLAGGED_STATUSES = {*OPEN_STATUSES, Status.DISPUTED}


def consent_withdrawal_flag(*, consent: ConsentRecord, acting_user: User) -> list[DisclosureRequest]:
    """Listener for `consent.services.consent_withdraw`, run inside the withdrawal's transaction:
    every request still being handled that relies on the consent gets a note for its responder,
    a decision-log entry and a notification. Any later release relying on it is refused by the
    coverage check."""
    flagged = []
    reliances = (
        ConsentReliance.objects.filter(consent_id=consent.pk, is_current=True, request__status__in=FLAGGED_STATUSES)
        .order_by("request_id")
        .values_list("request_id", flat=True)
    )
    when = timezone.localtime(consent.withdrawn_at).strftime("%d %B %Y") if consent.withdrawn_at else "today"
    text = (
        f"Consent {consent.reference}, which this request relies on, was withdrawn on {when}. It no longer covers "
        "any release: choose another basis for sharing (run the key-questions flowchart again) or decline."
    )
    for request_id in reliances:
        request = lock_disclosure_for_system(pk=request_id)
        if request.status not in FLAGGED_STATUSES:
            continue
        RequestNote.objects.create(
            request=request,
            author=acting_user,
            organisation=consent.holder,
            kind=NoteKind.CONSENT_WITHDRAWN,
            text=text,
        )
        disclosure_decision_record(
            request,
            action="consent.withdrawal_flagged",
            actor=acting_user,
            organisation=consent.holder,
            reasons=text,
            details={"consent": consent.reference, "consent_id": consent.pk},
        )
        recipients = [request.assignee] if request.assignee_id else designated_officers(request.holding_organisation_id)
        notify_about(
            disclosure=request, recipients=recipients, subject="Consent relied on for a request has been withdrawn"
        )
        flagged.append(request)
    return flagged


