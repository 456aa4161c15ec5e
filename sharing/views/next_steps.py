""""What happens next" (issue 18): what the confirmation after sending a request, a dispute or
an override says, naming who acts and by when. The protocol sets no deadline of its own for a
decision, a dispute or an override approval, so "by when" is the needed-by date and urgency the
requester gave, which everyone acting on the request sees.

Each returns the banner's text: its first line is the heading, the rest its paragraphs
(base.html shows a message's lines that way)."""
from __future__ import annotations

from django.utils.formats import date_format

from portal.models import Membership
from portal.roles import Role
from sharing.models import DisclosureRequest, Urgency


def _designated_officer_names(organisation_id: int, *, leaving_out: int | None = None) -> str:
    names = [
        m.user.display_name
        for m in Membership.objects.active()
        .filter(organisation_id=organisation_id, role=Role.DESIGNATED_OFFICER)
        .exclude(user_id=leaving_out)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    ]
    return ", ".join(names) if names else "none at present: ask your partnership admin"


def _by_when(disclosure: DisclosureRequest) -> str:
    urgency = disclosure.get_urgency_display() or "Routine"
    if disclosure.needed_by:
        when = f"by {date_format(disclosure.needed_by, 'j F Y')}"
    else:
        when = "with no date set"
    rush = " Immediate requests should also be raised by telephone." if disclosure.urgency == Urgency.IMMEDIATE else ""
    return f"The answer is needed {when} ({urgency.lower()}).{rush}"


def after_submit(disclosure: DisclosureRequest) -> str:
    holding = disclosure.holding_organisation
    return "\n".join(
        [
            f"Request {disclosure.reference} has been sent to {holding.name}",
            f"What happens next: {holding.name}'s designated officers "
            f"({_designated_officer_names(holding.pk)}) assign it to an officer, or an officer picks it "
            "up, who decides whether to share, return it to you with a question, or decline.",
            _by_when(disclosure),
            "You will be emailed when it is decided or returned to you; My requests shows where it is.",
        ]
    )


def after_dispute(disclosure: DisclosureRequest) -> str:
    holding, requesting = disclosure.holding_organisation, disclosure.requesting_organisation
    return "\n".join(
        [
            "Your dispute has been sent to the designated officers of both organisations",
            f"What happens next: {holding.name}'s designated officers ({_designated_officer_names(holding.pk)}) "
            f"and {requesting.name}'s ({_designated_officer_names(requesting.pk)}) resolve it together "
            "(SSP 9.2), and the decision is upheld or changed, with reasons.",
            f"{_by_when(disclosure)} The protocol sets no other deadline for a dispute.",
            "You will be emailed when it has been resolved.",
        ]
    )


def after_override(disclosure: DisclosureRequest, *, proposer_id: int) -> str:
    holding = disclosure.holding_organisation
    return "\n".join(
        [
            "Your override has been sent to your organisation's designated officers for approval",
            f"What happens next: a designated officer of {holding.name} other than you "
            f"({_designated_officer_names(holding.pk, leaving_out=proposer_id)}) approves or rejects it. "
            "Until then the request waits, and nothing is released.",
            f"{_by_when(disclosure)} The protocol sets no other deadline for an approval.",
            "You will be emailed when it has been approved; you can then record the release.",
        ]
    )
