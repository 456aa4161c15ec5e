"""With the broker (Redis) down the portal keeps working: pages answer, a request is raised and
submitted, and its notification waits in the outbox; when Redis is back a worker sends it (issue 6;
docs/architecture.md, "Background work and notifications").

The test runs its own redis-server on a free port and stops it: the machine's Redis, which other
test runs share, is never touched. Needs REDIS_URL to be set like the other real-worker tests (the
private server is used instead of it) and `redis-server` on the PATH."""
from __future__ import annotations

import time

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from portal.models import Notification
from portal.notifications.services import notify
from portal.tasks import send_pending_notifications
from sharing.models import DisclosureRequest, Status
from tests.portal.factories import UserFactory, place
from tests.sharing.conftest import pack, parties  # noqa: F401  (fixtures)
from tests.sharing.test_raising_services import SUBJECT_NAME, fill_draft
from tests.workers import RedisServer, celery_workers_on, redis_url_or_skip

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Far longer than a page should take, far shorter than a request hanging on a dead broker.
PATIENCE = 5.0
# The backlog of an outage is sent this soon after Redis answers again (docs/reliability.md: the
# worker reconnects within its back-off, 2 s growing to at most 30 s; here the outage is short).
# Before, it waited for beat's five-minute sweep.
BACKLOG_SENT_WITHIN = 20.0


@pytest.fixture
def private_redis(tmp_path):
    redis_url_or_skip()
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


def timed(call):
    start = time.monotonic()
    response = call()
    return response, time.monotonic() - start


def test_with_redis_down_pages_answer_requests_are_saved_and_the_email_goes_when_it_is_back(
    parties, private_redis, tmp_path  # noqa: F811
):
    with celery_workers_on(redis_url=private_redis.url, tmp_path=tmp_path) as workers:
        private_redis.stop()
        assert not private_redis.answers()

        requester, holder = parties.client("requester"), parties.client("do_b")
        earlier = parties.request(status=Status.SUBMITTED, information_requested="Call-outs to the address")
        for client, path in [
            (requester, reverse("portal:home")),
            (requester, reverse("sharing:my_requests")),
            (holder, reverse("sharing:inbox")),
            (holder, reverse("sharing:request_detail", kwargs={"pk": earlier.pk})),
        ]:
            response, seconds = timed(lambda: client.get(path))  # noqa: B023  (called at once, inside this iteration)
            assert response.status_code == 200, path
            assert seconds < PATIENCE, f"{path} took {seconds:.1f}s with Redis down"

        # The requester raises a request and sends it; the holder's designated officer is told.
        response = requester.post(reverse("sharing:raise_start"), {"holding_organisation": place(parties.b).pk})
        draft = DisclosureRequest.objects.get(requester=parties.requester, status=Status.DRAFT)
        assert response.status_code == 302
        fill_draft(parties, draft)
        response, seconds = timed(lambda: requester.post(reverse("sharing:draft_submit", kwargs={"pk": draft.pk})))
        assert response.status_code == 302
        assert response.url == reverse("sharing:request_detail", kwargs={"pk": draft.pk})
        assert seconds < PATIENCE, f"submitting took {seconds:.1f}s with Redis down"
        draft.refresh_from_db()
        assert draft.status == Status.SUBMITTED
        page = requester.get(response.url)
        assert page.status_code == 200 and draft.reference in page.content.decode()
        inbox = holder.get(reverse("sharing:inbox")).content.decode()
        assert draft.reference in inbox

        notification = Notification.objects.get(reference=draft.reference)
        assert notification.recipient == parties.do_b and notification.sent_at is None
        assert mail.outbox == []  # nothing is sent in the web process

        # Redis comes back; a worker starts and the periodic job sends what was left behind.
        private_redis.start()
        worker = workers.start()
        send_pending_notifications.delay()
        messages = worker.wait_for_mail(count=1)

    assert len(messages) == 1
    assert parties.do_b.email in messages[0] and draft.reference in messages[0]
    assert reverse("sharing:request_detail", kwargs={"pk": draft.pk}) in messages[0]
    assert SUBJECT_NAME not in messages[0]
    notification.refresh_from_db()
    assert notification.sent_at is not None and notification.attempts == 1


def test_what_was_written_while_redis_was_down_is_sent_within_seconds_of_it_coming_back(private_redis, tmp_path):
    """No one runs the sweep by hand here: the running worker reconnects and queues it itself."""
    recipients = UserFactory.create_batch(3)
    with celery_workers_on(redis_url=private_redis.url, tmp_path=tmp_path) as workers:
        worker = workers.start()
        private_redis.stop()
        with transaction.atomic():
            for n in range(10):
                notify(recipients=recipients, subject="A request was sent to you", reference=f"DR-{n:04d}", path=f"/r/{n}/")
        time.sleep(4)  # the worker has noticed the outage and is retrying its connection
        assert Notification.objects.filter(sent_at__isnull=True).count() == 30
        assert worker.process.poll() is None

        private_redis.start()
        back = time.monotonic()
        deadline = back + BACKLOG_SENT_WITHIN
        while Notification.objects.filter(sent_at__isnull=True).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        took = time.monotonic() - back
        unsent = Notification.objects.filter(sent_at__isnull=True).count()
        assert unsent == 0, f"{unsent} of 30 still unsent {took:.1f}s after Redis came back:\n{worker.log()}"
        messages = worker.wait_for_mail(count=30)

    assert len(messages) == 30  # each once
    assert all(n.attempts == 1 for n in Notification.objects.all())
