"""Notifications go out promptly however they are sent (issue 19, item 3), with real Celery
workers on Redis (tests/workers.py).

- Two workers sending to one recipient at once send every notification at once: the sender locks
  the notification row only. Before the fix its `SELECT … FOR UPDATE SKIP LOCKED` joined the
  recipient and locked their `portal_user` row too, so each sender skipped the other's rows (and
  anything else holding the user row, a sign-in writing `last_login`, made it skip): those emails
  waited for the five-minute sweep.
- After an outage one run of the sweep empties the outbox, in batches, however long it is; before,
  a run sent at most 500 and the rest waited five minutes a batch."""
from __future__ import annotations

import time
from threading import Thread

import pytest
from django.db import connection, transaction
from django.utils import timezone

from portal.models import Notification, User
from portal.notifications.services import notify
from portal.tasks import send_pending_notifications
from tests.portal.factories import UserFactory
from tests.workers import celery_workers  # noqa: F401  (fixture)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Far more than a send takes; far less than the five-minute sweep the skipped rows waited for.
PROMPTLY = 20.0


def wait_until_all_sent(*, timeout: float) -> int:
    """Unsent notifications left once all are sent or `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while (unsent := Notification.objects.filter(sent_at__isnull=True).count()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return unsent


def notify_many(recipient: User, count: int) -> None:
    """`count` notifications to one person, each queued as its own task at commit."""
    with transaction.atomic():
        for n in range(count):
            notify(recipients=[recipient], subject="A request was updated", reference=f"DR-{n:04d}", path=f"/r/{n}/")


def test_two_workers_sending_to_one_recipient_send_every_notification_promptly(celery_workers):  # noqa: F811
    recipient = UserFactory()
    celery_workers.start()
    celery_workers.start()
    notify_many(recipient, 40)

    assert wait_until_all_sent(timeout=PROMPTLY) == 0, "notifications were skipped: left for the sweep"
    assert all(n.attempts == 1 for n in Notification.objects.all())


def notify_from_another_connection(recipient: User) -> None:
    """Queue one notification in a transaction of its own, on another database connection."""

    def run():
        try:
            notify_many(recipient, 1)
        finally:
            connection.close()

    thread = Thread(target=run)
    thread.start()
    thread.join()


def test_a_notification_is_sent_while_another_transaction_holds_the_recipient_row(celery_workers):  # noqa: F811
    """The recipient signing in (Django writes `last_login`) holds their row until that
    transaction ends: a notification to them is sent all the same."""
    recipient = UserFactory()
    celery_workers.start()
    with transaction.atomic():
        User.objects.filter(pk=recipient.pk).update(last_login=timezone.now())  # row locked until the block ends
        notify_from_another_connection(recipient)
        assert wait_until_all_sent(timeout=PROMPTLY) == 0, "the send skipped a row locked on portal_user"


def test_after_an_outage_one_run_of_the_sweep_empties_the_outbox_in_batches(celery_workers):  # noqa: F811
    recipient = UserFactory()
    backlog = 1100  # more than two of the sweep's batches of 500
    Notification.objects.bulk_create(
        Notification(recipient=recipient, subject="A request was updated", reference=f"DR-{n:05d}", path=f"/r/{n}/")
        for n in range(backlog)
    )
    celery_workers.start()
    send_pending_notifications.delay()

    assert wait_until_all_sent(timeout=60) == 0, "the sweep stopped before the outbox was empty"
    assert Notification.objects.filter(attempts=1).count() == backlog
