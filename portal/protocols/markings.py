"""The one rule of where marked material may go (DOMAIN.md §5; SSP Appendix 7): material at a
level the protocol forbids on the internet (Confidential) goes through the portal only when the
deployment declares it runs on a secure network (settings.PORTAL_SECURE_NETWORK). Releases,
meetings, their papers, summaries and minutes all ask here."""
from __future__ import annotations

from django.conf import settings

from portal.models import MarkingLevel


def marking_allowed_here(marking: MarkingLevel) -> bool:
    """Whether material at `marking` may go through this portal."""
    return marking.internet_allowed or settings.PORTAL_SECURE_NETWORK


def marking_refusal(marking: MarkingLevel, what: str) -> str:
    """The message refusing `what` ("release it", "hold the meeting") at a level not allowed here."""
    return (
        f"{marking.name} material can only go through the portal on a secure network, and this portal is not "
        f"declared to run on one: choose another level or {what} another way"
    )
