"""Queue and send notification emails (see portal/models/notifications.py)."""
from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from portal.jobs import enqueue
from portal.models import User
from portal.models.notifications import Notification

# Notifications a run of the sweep sends before it queues the next batch.
SWEEP_BATCH_SIZE = 500

BODY = """{subject}

Reference: {reference}

Sign in to the portal to see it:
{url}

This email does not contain any personal information. Do not reply to it.
"""


def notify(*, recipients: Iterable[User], subject: str, reference: str, path: str) -> list[Notification]:
    """Queue an email to each recipient, in the caller's transaction; sent after commit.
    `subject` must not carry personal data: say what happened and give the reference."""
    unique = {user.pk: user for user in recipients if user is not None and user.is_active and user.email}
    notifications = Notification.objects.bulk_create(
        [Notification(recipient=user, subject=subject, reference=reference, path=path) for user in unique.values()]
    )
    if notifications:
        ids = [n.pk for n in notifications]
        # A broker that is down leaves them pending: the periodic sweep sends them later.
        transaction.on_commit(lambda: enqueue("portal.send_notifications", ids))
    return notifications


def notifications_send(*, ids: Iterable[int]) -> int:
    """Send the given notifications that are still unsent; safe to run twice."""
    sent = 0
    for notification_id in ids:
        with transaction.atomic():
            notification = (
                # `of=("self",)`: lock the notification row only. Without it PostgreSQL locks
                # the joined portal_user row too, and a row whose recipient is locked elsewhere
                # (another send to them, their sign-in writing last_login) would be skipped.
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient")
                .filter(pk=notification_id, sent_at__isnull=True)
                .first()
            )
            if notification is None:
                continue
            notification.attempts += 1
            url = settings.PORTAL_BASE_URL.rstrip("/") + notification.path
            send_mail(
                subject=f"[{notification.reference}] {notification.subject}" if notification.reference else notification.subject,
                message=BODY.format(subject=notification.subject, reference=notification.reference or "-", url=url),
                from_email=None,
                recipient_list=[notification.recipient.email],
            )
            notification.sent_at = timezone.now()
            notification.save(update_fields=["attempts", "sent_at"])
            sent += 1
    return sent


def notifications_send_pending(*, after: int = 0, batch_size: int = SWEEP_BATCH_SIZE) -> tuple[int, int | None]:
    """One batch of the periodic sweep: send what is still unsent, oldest first, after the
    notification `after`. Returns how many were sent and, when the batch was full, the `after`
    of the next batch (the task queues it, so one run drains the outbox however long an outage
    made it), else None. A row another sender holds is left to that sender."""
    ids = list(
        Notification.objects.filter(sent_at__isnull=True, pk__gt=after)
        .order_by("pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    return notifications_send(ids=ids), (ids[-1] if len(ids) == batch_size else None)
