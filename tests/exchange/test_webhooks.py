"""Webhooks (exchange/webhooks.py, exchange/tasks.py): a partner system is told a request changed
state, by a real Celery worker posting to a real local receiver; signed with HMAC, retried with
growing waits, given up after PORTAL_WEBHOOK_MAX_ATTEMPTS, never carrying personal data."""
from __future__ import annotations

import json
import time

import pytest

from exchange import keys
from exchange.models import ApiClient, DeliveryStatus, WebhookDelivery
from tests.exchange.conftest import raise_body
from tests.exchange.receiver import Receiver
from tests.workers import celery_workers  # noqa: F401  (a pytest fixture)


@pytest.fixture
def fast_retries(monkeypatch, settings):
    # Read by the worker process at start (its settings come from the environment).
    monkeypatch.setenv("PORTAL_WEBHOOK_BACKOFF_SECONDS", "0.5")
    monkeypatch.setenv("PORTAL_WEBHOOK_MAX_ATTEMPTS", "3")
    settings.PORTAL_WEBHOOK_BACKOFF_SECONDS = 0.5
    settings.PORTAL_WEBHOOK_MAX_ATTEMPTS = 3


@pytest.fixture
def receivers():
    started = []

    def start(*statuses):
        receiver = Receiver(list(statuses)).start()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()


def wait_until(predicate, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_both_organisations_systems_are_told_signed_and_a_failing_receiver_is_retried_with_backoff(
    fast_retries, world, receivers, celery_workers  # noqa: F811
):
    worker = celery_workers.start()
    ok, flaky = receivers(200), receivers(500, 503, 200)
    ApiClient.objects.filter(pk=world.client_a.client.pk).update(webhook_url=ok.url)
    ApiClient.objects.filter(pk=world.client_b.client.pk).update(webhook_url=flaky.url)
    ApiClient.objects.filter(pk=world.client_c.client.pk).update(webhook_url="")

    raised = world.call(world.client_a.key, "post", "/api/v1/requests", json=raise_body(world))
    assert raised.status_code == 201
    reference = raised.json()["reference"]

    (call,) = ok.wait_for(1)
    payload = json.loads(call.body)
    assert set(payload) == {"event", "reference", "state", "link", "occurred_at"}
    assert payload["reference"] == reference and payload["state"] == "submitted"
    assert payload["link"].endswith(f"/api/v1/requests/{raised.json()['id']}")
    assert b"Jordan" not in call.body and b"Example Street" not in call.body
    secret = world.client_a.webhook_secret
    expected = keys.webhook_signature(secret=secret, timestamp=call.headers["X-Portal-Timestamp"], body=call.body)
    assert call.headers["X-Portal-Signature"] == expected
    # Signed with A's secret, not B's: each system checks with its own.
    assert call.headers["X-Portal-Signature"] != keys.webhook_signature(
        secret=world.client_b.webhook_secret, timestamp=call.headers["X-Portal-Timestamp"], body=call.body
    )

    tries = flaky.wait_for(3)
    first, second = tries[1].at - tries[0].at, tries[2].at - tries[1].at
    assert first >= 0.4 and second >= 0.9 and second > first, (first, second)
    wait_until(lambda: WebhookDelivery.objects.filter(client=world.client_b.client, status=DeliveryStatus.DELIVERED).exists())
    delivery = WebhookDelivery.objects.get(client=world.client_b.client)
    assert delivery.attempts == 3 and delivery.last_status_code == 200
    assert "Traceback" not in worker.log()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_receiver_that_always_fails_is_given_up_after_the_maximum_tries(
    fast_retries, world, receivers, celery_workers  # noqa: F811
):
    celery_workers.start()
    down = receivers(500)
    ApiClient.objects.filter(pk=world.client_b.client.pk).update(webhook_url=down.url)
    ApiClient.objects.exclude(pk=world.client_b.client.pk).update(webhook_url="")
    assert world.call(world.client_a.key, "post", "/api/v1/requests", json=raise_body(world)).status_code == 201
    wait_until(lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED).exists())
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 3 and delivery.last_error == "HTTP 500"
    time.sleep(2)  # and nothing more is sent
    assert len(down.received) == 3


@pytest.mark.django_db
def test_a_state_change_queues_a_delivery_only_for_active_clients_with_the_webhooks_scope(world):
    from exchange.services import api_client_revoke

    api_client_revoke(client=world.client_c.client, reason="Retired", acting_user=world.admin.user)
    assert world.call(world.client_a.key, "post", "/api/v1/requests", json=raise_body(world)).status_code == 201
    # A's and B's systems (the request's two organisations), not C's (neither, and revoked).
    told = set(WebhookDelivery.objects.values_list("client__organisation", flat=True))
    assert told == {world.a.pk, world.b.pk}
