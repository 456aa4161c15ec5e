"""Celery tasks of `exchange`. Tasks only call services (exchange.services)."""
from __future__ import annotations

import json
import logging

import requests
from celery import shared_task
from django.utils import timezone

from exchange import keys
from exchange.models import DeliveryStatus
from exchange.services import distribution_superseded_destroy, webhook_deliveries_due, webhook_delivery_attempt

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 5


def _send(delivery, secret: str) -> int:
    """POST the payload, signed (docs/api.md, "Webhooks"). Redirects are not followed."""
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(timezone.now().timestamp()))
    response = requests.post(
        delivery.client.webhook_url,
        data=body,
        headers={
            "Content-Type": "application/json",
            "User-Agent": "csp-portal-webhooks/1",
            "X-Portal-Delivery": str(delivery.pk),
            "X-Portal-Event": delivery.event,
            "X-Portal-Timestamp": timestamp,
            "X-Portal-Signature": keys.webhook_signature(secret=secret, timestamp=timestamp, body=body),
        },
        timeout=TIMEOUT_SECONDS,
        allow_redirects=False,
    )
    return response.status_code


@shared_task(name="exchange.deliver_webhook", acks_late=True, bind=True)
def deliver_webhook(self, delivery_id: int) -> str:
    """Try a delivery; after a failure, queue the next try for when its backoff ends, on the
    queue this run came from. A lost queueing is picked up by `exchange.webhooks_sweep`."""
    delivery = webhook_delivery_attempt(delivery_id=delivery_id, send=_send)
    if delivery is None:
        return "not due"
    if delivery.status == DeliveryStatus.PENDING:
        wait = max(0.0, (delivery.next_attempt_at - timezone.now()).total_seconds())
        info = self.request.delivery_info or {}
        queue = None if info.get("is_eager") else info.get("routing_key")
        try:
            self.apply_async(args=[delivery_id], countdown=wait, queue=queue)
        except Exception:  # the broker is down: the sweep sends it when due
            logger.warning("Could not queue the next try of webhook delivery %s; the sweep will", delivery_id)
    return delivery.status


@shared_task(name="exchange.webhooks_sweep")
def webhooks_sweep() -> int:
    """Periodic: queue every pending delivery that is due (a queueing lost while the broker was down)."""
    due = webhook_deliveries_due()
    for delivery_id in due:
        deliver_webhook.delay(delivery_id)
    return len(due)


@shared_task(name="exchange.destroy_superseded_issues", acks_late=True)
def destroy_superseded_issues(distribution_id: int) -> int:
    """SDP Appendix 3: the previous issues go when the next arrives. Idempotent."""
    return distribution_superseded_destroy(distribution_id=distribution_id)
