"""Queue and send notification emails (see portal/models/notifications.py).

Every message carries a reference and a link only (SSP Appendix 7). Each outbox row is sent on
its own, in its own transaction holding only that row: a failure is written to the row (attempts,
the error without the address, the next try) and the loop goes on to the next row (issue 15)."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from portal.jobs import enqueue
from portal.models import User
from portal.models.notifications import Notification
from portal.notifications.channels import DeliveryFailed, delivery_channel

logger = logging.getLogger(__name__)

# Notifications a run of the sweep sends before it queues the next batch.
SWEEP_BATCH_SIZE = 500
# The longest wait between two tries of one notification.
MAX_RETRY_DELAY = timedelta(hours=6)
# How many notifications one digest email lists at most (the rest say "and N more").
DIGEST_MAX_ITEMS = 50

BODY = """{subject}

Reference: {reference}

Sign in to the portal to see it:
{url}

This email does not contain any personal information. Do not reply to it.
"""

DIGEST_SUBJECT = "Your daily summary from the case-sharing portal: {count} update(s)"
DIGEST_BODY = """{count} thing(s) happened in the portal since your last summary.

{items}
Sign in to the portal to see them.

This email does not contain any personal information. Do not reply to it.
"""


def _url(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def notification_message(notification: Notification) -> tuple[str, str]:
    """The subject line and body of one notification's email."""
    subject = f"[{notification.reference}] {notification.subject}" if notification.reference else notification.subject
    body = BODY.format(subject=notification.subject, reference=notification.reference or "-", url=_url(notification.path))
    return subject, body


def digest_message(notifications: list[Notification]) -> tuple[str, str]:
    lines = [
        f"- {n.subject}\n  Reference: {n.reference or '-'}\n  {_url(n.path)}\n" for n in notifications[:DIGEST_MAX_ITEMS]
    ]
    if len(notifications) > DIGEST_MAX_ITEMS:
        lines.append(f"- and {len(notifications) - DIGEST_MAX_ITEMS} more\n")
    count = len(notifications)
    return DIGEST_SUBJECT.format(count=count), DIGEST_BODY.format(count=count, items="\n".join(lines))


def notify(
    *, recipients: Iterable[User], subject: str, reference: str, path: str, urgent: bool = False
) -> list[Notification]:
    """Queue an email to each recipient, in the caller's transaction; sent after commit.
    `subject` must not carry personal data: say what happened and give the reference.
    `urgent`: a clock is running (an approval waiting, a breach, an overdue review): it goes at
    once even to people who chose the daily digest."""
    unique = {user.pk: user for user in recipients if user is not None and user.is_active and user.email}
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient=user, subject=subject, reference=reference, path=path, urgent=urgent,
                held_for_digest=user.notification_digest and not urgent,
            )
            for user in unique.values()
        ]
    )
    ids = [n.pk for n in notifications if not n.held_for_digest]
    if ids:
        # A broker that is down leaves them pending: the periodic sweep sends them later.
        transaction.on_commit(lambda: enqueue("portal.send_notifications", ids))
    return notifications


def retry_delay(attempts: int) -> timedelta:
    """How long after its `attempts`-th failure a notification is tried again: doubling from
    PORTAL_NOTIFICATION_RETRY_SECONDS, at most six hours."""
    return min(timedelta(seconds=settings.PORTAL_NOTIFICATION_RETRY_SECONDS * 2 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


def _record_failure(rows: list[Notification], failure: DeliveryFailed, *, now) -> None:
    for row in rows:
        row.attempts += 1
        row.last_error = failure.error
        if failure.permanent or row.attempts >= settings.PORTAL_NOTIFICATION_MAX_ATTEMPTS:
            row.failed_at, row.next_attempt_at = now, None
        else:
            row.next_attempt_at = now + retry_delay(row.attempts)
        row.save(update_fields=["attempts", "last_error", "failed_at", "next_attempt_at"])
    # The row id and the error only: the error has the address taken out (channels._scrubbed).
    logger.warning(
        "Notification(s) %s not delivered (%s): %s",
        ",".join(str(r.pk) for r in rows), "stopped" if rows[0].failed_at else "will retry", failure.error,
    )


def _due(queryset, *, now):
    return queryset.filter(sent_at__isnull=True, failed_at__isnull=True).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def notifications_send(*, ids: Iterable[int]) -> int:
    """Send the given notifications that are still due (unsent, not stopped, not waiting for a
    retry or a digest); safe to run twice. Returns how many were sent."""
    channel = delivery_channel()
    sent = 0
    for notification_id in ids:
        with transaction.atomic():
            now = timezone.now()
            notification = (
                # `of=("self",)`: lock the notification row only. Without it PostgreSQL locks
                # the joined portal_user row too, and a row whose recipient is locked elsewhere
                # (another send to them, their sign-in writing last_login) would be skipped.
                _due(Notification.objects.select_for_update(skip_locked=True, of=("self",)), now=now)
                .select_related("recipient")
                .filter(pk=notification_id, held_for_digest=False)
                .first()
            )
            if notification is None:
                continue
            subject, body = notification_message(notification)
            try:
                channel.send(
                    address=notification.recipient.email, subject=subject, body=body,
                    reference=f"portal-notification-{notification.pk}",
                )
            except DeliveryFailed as failure:
                _record_failure([notification], failure, now=now)
                continue
            notification.attempts += 1
            notification.sent_at = timezone.now()
            notification.last_error = ""
            notification.next_attempt_at = None
            notification.save(update_fields=["attempts", "sent_at", "last_error", "next_attempt_at"])
            sent += 1
    return sent


def notifications_send_pending(*, after: int = 0, batch_size: int = SWEEP_BATCH_SIZE) -> tuple[int, int | None]:
    """One batch of the periodic sweep: send what is due, oldest first, after the notification
    `after`. Returns how many were sent and, when the batch was full, the `after` of the next
    batch (the task queues it, so one run drains the outbox however long an outage made it),
    else None. A row another sender holds is left to that sender; a row waiting for its retry
    time, or stopped, is passed over, so nothing waits behind a failing address."""
    ids = list(
        _due(Notification.objects.filter(pk__gt=after, held_for_digest=False), now=timezone.now())
        .order_by("pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    return notifications_send(ids=ids), (ids[-1] if len(ids) == batch_size else None)


def notification_digests_send() -> int:
    """Daily (beat): one email to each person with notifications held for their digest, listing
    each one's subject, reference and link. A failure is recorded on the held rows like any other
    (they are tried again with the next digest after the backoff). Returns the emails sent."""
    channel = delivery_channel()
    recipients = (
        _due(Notification.objects.filter(held_for_digest=True), now=timezone.now())
        .values_list("recipient_id", flat=True).distinct()
    )
    sent = 0
    for recipient_id in list(recipients):
        with transaction.atomic():
            now = timezone.now()
            rows = list(
                _due(Notification.objects.select_for_update(skip_locked=True, of=("self",)), now=now)
                .select_related("recipient")
                .filter(recipient_id=recipient_id, held_for_digest=True)
                .order_by("pk")
            )
            if not rows:
                continue
            subject, body = digest_message(rows)
            try:
                channel.send(
                    address=rows[0].recipient.email, subject=subject, body=body,
                    reference=f"portal-digest-{rows[0].pk}",
                )
            except DeliveryFailed as failure:
                _record_failure(rows, failure, now=now)
                continue
            Notification.objects.filter(pk__in=[r.pk for r in rows]).update(
                sent_at=timezone.now(), attempts=F("attempts") + 1, last_error="", next_attempt_at=None
            )
            sent += 1
    return sent


def notification_digest_choose(*, user: User, digest: bool) -> User:
    """A person's choice: each notification at once, or one daily digest (clocks still go at
    once). Choosing "at once" releases what was held for the digest now."""
    with transaction.atomic():
        user.notification_digest = digest
        user.save(update_fields=["notification_digest"])
        released = []
        if not digest:
            held = Notification.objects.select_for_update().filter(
                recipient=user, held_for_digest=True, sent_at__isnull=True, failed_at__isnull=True
            )
            released = list(held.values_list("pk", flat=True))
            held.update(held_for_digest=False)
        if released:
            transaction.on_commit(lambda: enqueue("portal.send_notifications", released))
    return user
