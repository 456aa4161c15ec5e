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
from django.urls import reverse

from portal.models import Notification
from portal.tasks import send_pending_notifications
from sharing.models import DisclosureRequest, Status
from tests.portal.factories import place
from tests.sharing.conftest import pack, parties  # noqa: F401  (fixtures)
from tests.sharing.test_raising_services import SUBJECT_NAME, fill_draft
from tests.workers import RedisServer, celery_workers_on, redis_url_or_skip

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Far longer than a page should take, far shorter than a request hanging on a dead broker.
PATIENCE = 5.0


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
