"""State changes of `oversight` (one function per change, atomic, keyword-only).

SSP 17, SDP 13: the protocol is reviewed by its review date. The partnership admin and the
designated officers of its organisations are told 60 and 14 days before, and when it has passed,
once each (`ReviewReminder` rows, unique per pack and kind, are the proof)."""
from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from oversight.models import REMINDER_DUE_AT, ReminderKind, ReviewReminder
from portal.models import Membership, PartnershipMember, ProtocolPack, User
from portal.notifications.services import notify
from portal.roles import Role

SUBJECTS = {
    ReminderKind.DAYS_60: "The {name} protocol is due for review in 60 days",
    ReminderKind.DAYS_14: "The {name} protocol is due for review in 14 days",
    ReminderKind.PASSED: "The {name} protocol's review date has passed",
}


def review_reminder_recipients(*, pack: ProtocolPack) -> list[User]:
    """The partnership's admins and the designated officers of its member organisations (those
    acting for every partnership of their organisation, or for this one)."""
    members = PartnershipMember.objects.filter(partnership_id=pack.partnership_id).values("organisation")
    memberships = Membership.objects.active().filter(
        Q(role=Role.ADMIN, partnership_id=pack.partnership_id)
        | Q(role=Role.DESIGNATED_OFFICER, organisation__in=members)
        & (Q(partnership__isnull=True) | Q(partnership_id=pack.partnership_id))
    )
    return list(User.objects.filter(pk__in=memberships.values("user")).order_by("pk"))


def _due_kinds(pack: ProtocolPack, today: date) -> list[str]:
    days_left = (pack.review_date - today).days
    return [kind for kind, at in REMINDER_DUE_AT if days_left <= at]


def review_reminder_send(*, pack: ProtocolPack, today: date | None = None) -> ReviewReminder | None:
    """Send the most urgent reminder now due for `pack`, if it has not gone; record the less urgent
    ones it overtakes as covered. Safe to run twice at once: the second finds the row."""
    due = _due_kinds(pack, today or timezone.localdate())
    if not due:
        return None
    latest, overtaken = due[-1], due[:-1]
    try:
        with transaction.atomic():
            reminder = ReviewReminder.objects.create(pack=pack, kind=latest, review_date=pack.review_date)
            ReviewReminder.objects.bulk_create(
                [ReviewReminder(pack=pack, kind=kind, review_date=pack.review_date, covered=True) for kind in overtaken],
                ignore_conflicts=True,
            )
            recipients = review_reminder_recipients(pack=pack)
            notify(
                recipients=recipients,
                subject=SUBJECTS[latest].format(name=pack.partnership_name),
                reference=f"{pack.slug}@{pack.version}",
                path=reverse("portal:protocol"),
            )
            reminder.recipients = len(recipients)
            reminder.save(update_fields=["recipients"])
    except IntegrityError:  # sent already (by this run yesterday, or by a concurrent one)
        return None
    return reminder


def review_reminders_send(*, today: date | None = None) -> int:
    """Daily (beat `protocol-review-reminders`): every pack in force. Returns reminders sent."""
    sent = 0
    for pack in ProtocolPack.objects.filter(is_current=True).order_by("pk"):
        if review_reminder_send(pack=pack, today=today) is not None:
            sent += 1
    return sent
