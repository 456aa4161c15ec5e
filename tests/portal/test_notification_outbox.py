"""The outbox sends each notification on its own, over a real SMTP server or a GOV.UK Notify
stand-in (tests/mail_servers.py: separate processes), and a failure stays on its row (issue 15).

Before the fix an exception from sending left the loop: the attempt counter rolled back with the
transaction, the rest of the batch was never sent, and the next sweep took the same oldest rows
first, so one refused address stopped all email for ever. `test_a_refused_address_..._the_others`
and `test_a_failing_row_..._the_sweep` fail on that code."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from portal.models import Notification, Partnership
from portal.notifications.services import (
    notification_digests_send,
    notifications_send,
    notifications_send_pending,
    notify,
    retry_delay,
)
from portal.roles import Role
from tests.conftest import sign_in_fully
from tests.mail_servers import NOTIFY_API_KEY, NOTIFY_TEMPLATE_ID, NotifyStandIn, SmtpServer, free_port
from tests.portal.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.workers import celery_workers  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

SUBJECT = "A decision has been made on your request"


@pytest.fixture
def smtp(tmp_path):
    with SmtpServer(tmp_path / "smtp") as server, override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1", EMAIL_PORT=server.port, EMAIL_USE_TLS=False, EMAIL_TIMEOUT=5,
        PORTAL_NOTIFICATION_CHANNEL="email",
    ):
        yield server


@pytest.fixture
def notify_stand_in(tmp_path):
    with NotifyStandIn(tmp_path / "notify") as server, override_settings(
        PORTAL_NOTIFICATION_CHANNEL="notify", PORTAL_NOTIFY_API_KEY=NOTIFY_API_KEY,
        PORTAL_NOTIFY_TEMPLATE_ID=NOTIFY_TEMPLATE_ID, PORTAL_NOTIFY_BASE_URL=server.base_url,
    ):
        yield server


def queued(*emails: str, reference: str = "DR-2026-0042", urgent: bool = False) -> list[Notification]:
    """One notification to each address, in the order given, without sending them (as if the
    broker were down): the test sends them itself."""
    users = [UserFactory(email=address) for address in emails]
    return [notify(recipients=[user], subject=SUBJECT, reference=reference, path="/requests/42/", urgent=urgent)[0]
            for user in users]


def test_email_is_configured_from_email_url():
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_EMAIL", "EMAIL_"))}
    env["EMAIL_URL"] = "smtp+tls://mailer:s3cret@smtp.partnership.example:587"
    code = ("from django.conf import settings as s; "
            "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_USE_TLS)")
    result = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=settings.BASE_DIR,
                            env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings.production",
                                 "DJANGO_SECRET_KEY": "x" * 60, "PORTAL_DECISION_LOG_KEY": "k",
                                 "DJANGO_ALLOWED_HOSTS": "portal.example.org"},
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend", "smtp.partnership.example", "587", "mailer", "True"
    ]


def test_a_refused_address_is_recorded_on_its_row_and_does_not_stop_the_others(smtp):
    first, refused, last = queued("first@example.org", "refused.person@example.org", "last@example.org")

    assert notifications_send(ids=[first.pk, refused.pk, last.pk]) == 2

    messages = smtp.wait_for_messages(count=2)
    assert sorted(m["To"] for m in messages) == ["first@example.org", "last@example.org"]
    for message in messages:
        assert message["Subject"] == f"[DR-2026-0042] {SUBJECT}"
        body = message.get_payload()
        assert "Reference: DR-2026-0042" in body and "/requests/42/" in body
    refused.refresh_from_db()
    # A 550 is permanent: stopped at once, with the server's answer but not the address.
    assert refused.sent_at is None and refused.failed_at is not None and refused.attempts == 1
    assert "550" in refused.last_error and "refused.person" not in refused.last_error
    assert refused.next_attempt_at is None


def test_a_failing_row_waits_for_its_retry_time_and_nothing_waits_behind_it_in_the_sweep(smtp):
    busy, *others = queued("busy@example.org", "a@example.org", "b@example.org")

    sent, _ = notifications_send_pending()

    assert sent == 2 and len(smtp.wait_for_messages(count=2)) == 2
    busy.refresh_from_db()
    assert busy.failed_at is None and busy.attempts == 1 and "451" in busy.last_error
    assert busy.next_attempt_at > timezone.now()
    # The next sweep passes over it until its time comes; then it is tried again, with a longer wait.
    assert notifications_send_pending() == (0, None)
    Notification.objects.filter(pk=busy.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert notifications_send_pending() == (0, None)
    busy.refresh_from_db()
    assert busy.attempts == 2 and busy.next_attempt_at > timezone.now() + retry_delay(1)


@override_settings(PORTAL_NOTIFICATION_MAX_ATTEMPTS=3)
def test_a_row_that_keeps_failing_stops_after_the_cap(smtp):
    (busy,) = queued("busy@example.org")
    for _ in range(5):
        Notification.objects.filter(pk=busy.pk).update(next_attempt_at=None)
        notifications_send(ids=[busy.pk])
    busy.refresh_from_db()
    assert busy.attempts == 3 and busy.failed_at is not None and busy.sent_at is None


def test_a_mail_server_that_is_down_is_a_failure_to_try_again():
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=free_port(), EMAIL_TIMEOUT=2, PORTAL_NOTIFICATION_CHANNEL="email",
    ):
        (notification,) = queued("someone@example.org")
        assert notifications_send(ids=[notification.pk]) == 0
    notification.refresh_from_db()
    assert notification.attempts == 1 and notification.failed_at is None
    assert notification.next_attempt_at is not None and "ConnectionRefusedError" in notification.last_error


def test_retry_delays_double_up_to_six_hours():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    assert retry_delay(30) == timedelta(hours=6)


def test_notify_sends_through_the_notify_api_with_a_reference_and_a_link_only(notify_stand_in):
    sent, refused, busy = queued("jo@example.org", "refused@example.org", "busy@example.org")

    assert notifications_send(ids=[sent.pk, refused.pk, busy.pk]) == 1

    (accepted,) = notify_stand_in.wait_for_accepted(count=1)
    assert accepted["email_address"] == "jo@example.org"
    assert accepted["template_id"] == NOTIFY_TEMPLATE_ID
    assert accepted["reference"] == f"portal-notification-{sent.pk}"
    assert accepted["personalisation"]["subject"] == f"[DR-2026-0042] {SUBJECT}"
    assert "Reference: DR-2026-0042" in accepted["personalisation"]["body"]
    assert "http://" in accepted["personalisation"]["body"] and "/requests/42/" in accepted["personalisation"]["body"]
    refused.refresh_from_db()
    busy.refresh_from_db()
    # Notify's 400 is permanent; its 500 is tried again later.
    assert refused.failed_at is not None and refused.last_error.startswith("Notify 400")
    assert busy.failed_at is None and busy.next_attempt_at is not None and busy.last_error.startswith("Notify 500")


def test_a_wrong_notify_key_is_not_a_permanent_failure(notify_stand_in):
    (notification,) = queued("jo@example.org")
    with override_settings(PORTAL_NOTIFY_API_KEY=NOTIFY_API_KEY[:-4] + "0000"):
        assert notifications_send(ids=[notification.pk]) == 0
    notification.refresh_from_db()
    assert notification.failed_at is None and notification.last_error.startswith("Notify 403")


def test_a_digest_holds_ordinary_notifications_but_never_a_clock(smtp):
    user = UserFactory(email="digest@example.org", notification_digest=True)
    ordinary = notify(recipients=[user], subject=SUBJECT, reference="DR-2026-0001", path="/requests/1/")[0]
    other = notify(recipients=[user], subject="You have been invited to a multi-agency meeting",
                   reference="MTG-2026-0002", path="/meetings/2/")[0]
    clock = notify(recipients=[user], subject="A public-interest override is waiting for your approval",
                   reference="DR-2026-0003", path="/requests/3/", urgent=True)[0]

    assert notifications_send_pending() == (1, None)  # only the clock goes at once
    (message,) = smtp.wait_for_messages(count=1)
    assert "DR-2026-0003" in message["Subject"]
    ordinary.refresh_from_db()
    assert ordinary.sent_at is None and ordinary.held_for_digest

    assert notification_digests_send() == 1
    messages = smtp.wait_for_messages(count=2)
    digest = messages[-1]
    assert digest["To"] == "digest@example.org" and "2 update(s)" in digest["Subject"]
    body = digest.get_payload()
    assert "DR-2026-0001" in body and "MTG-2026-0002" in body and "/meetings/2/" in body
    assert "DR-2026-0003" not in body
    assert not Notification.objects.filter(pk__in=[ordinary.pk, other.pk], sent_at__isnull=True).exists()
    assert Notification.objects.get(pk=clock.pk).sent_at is not None
    assert notification_digests_send() == 0  # nothing left to summarise


def test_choosing_each_email_on_the_account_page_releases_what_was_held(smtp):
    membership = MembershipFactory(role=Role.OFFICER)
    client = sign_in_fully(Client(), membership.user)
    page = reverse("portal:account_notifications")

    response = client.post(page, {"delivery": "digest"})
    assert response.status_code == 302
    membership.user.refresh_from_db()
    assert membership.user.notification_digest
    held = notify(recipients=[membership.user], subject=SUBJECT, reference="DR-2026-0009", path="/requests/9/")[0]
    assert held.held_for_digest

    assert client.post(page, {}).status_code == 200  # nothing chosen: the page again, with the error
    assert "Choose how you want to get email notifications" in client.post(page, {}).content.decode()
    client.post(page, {"delivery": "each"})
    held.refresh_from_db()
    assert not held.held_for_digest
    notifications_send_pending()
    assert smtp.wait_for_messages(count=1)[0]["To"] == membership.user.email


def test_undelivered_emails_show_to_the_admins_of_the_recipients_partnership_only(smtp):
    ours, _ = Partnership.objects.get_or_create(slug="test-partnership", defaults={"name": "Test Partnership"})
    other = Partnership.objects.create(slug="other-partnership", name="Other Partnership")
    officer = MembershipFactory(
        role=Role.OFFICER, user__email="refused.officer@example.org", organisation=OrganisationFactory(partnerships=[ours])
    )
    notify(recipients=[officer.user], subject=SUBJECT, reference="DR-2026-0077", path="/requests/77/")
    notifications_send_pending()
    admin = MembershipFactory(role=Role.ADMIN, organisation=officer.organisation)
    other_admin = MembershipFactory(role=Role.ADMIN, organisation=OrganisationFactory(partnerships=[other]))

    page = reverse("portal:admin_undelivered_notifications")
    mine = sign_in_fully(Client(), admin.user).get(page).content.decode()
    theirs = sign_in_fully(Client(), other_admin.user).get(page).content.decode()

    assert "DR-2026-0077" in mine and "550" in mine and "refused.officer" not in mine
    assert officer.user.display_name in mine
    assert "DR-2026-0077" not in theirs and "Every notification email has been delivered" in theirs
    home = sign_in_fully(Client(), admin.user).get(reverse("portal:admin_home")).content.decode()
    assert "1 notification email could not be delivered" in home


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_sends_through_email_url_and_a_refused_address_holds_nothing_up(celery_workers, tmp_path):
    """End to end: a real Celery worker configured by EMAIL_URL alone, a real SMTP server."""
    with SmtpServer(tmp_path / "smtp-worker") as server:
        celery_workers.start(extra_env={"EMAIL_URL": server.email_url, "DJANGO_EMAIL_BACKEND": ""})
        with transaction.atomic():
            rows = queued("one@example.org", "refused@example.org", "two@example.org", reference="DR-2026-0100")

        messages = server.wait_for_messages(count=2)
        assert sorted(m["To"] for m in messages) == ["one@example.org", "two@example.org"]
        deadline = time.monotonic() + 30
        while Notification.objects.filter(pk=rows[1].pk, failed_at__isnull=True).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        refused = Notification.objects.get(pk=rows[1].pk)
        assert refused.failed_at is not None and refused.attempts == 1 and "550" in refused.last_error
