"""Reads of `exchange`: the clients a partnership admin manages (404 alike for missing and
another partnership's), and finding the client a presented API key belongs to."""
from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from exchange import keys
from exchange.models import ApiClient, ApiKey, WebhookDelivery
from portal.models import Partnership


def api_clients_of(*, partnership: Partnership | None) -> QuerySet[ApiClient]:
    if partnership is None:
        return ApiClient.objects.none()
    return ApiClient.objects.filter(partnership=partnership).select_related("organisation").order_by("name", "pk")


def access_api_client(*, partnership: Partnership | None, pk: int | str) -> ApiClient:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such API client") from None
    client = api_clients_of(partnership=partnership).select_related("created_by", "revoked_by").filter(pk=pk).first()
    if client is None:
        raise Http404("No such API client")
    return client


def api_client_keys(*, client: ApiClient) -> list[ApiKey]:
    return list(client.keys.order_by("-created_at", "-pk"))


def api_client_deliveries(*, client: ApiClient, limit: int = 20) -> list[WebhookDelivery]:
    return list(client.deliveries.order_by("-created_at", "-pk")[:limit])


def api_key_authenticate(*, presented: str) -> tuple[ApiClient, ApiKey] | None:
    """The active client and key `presented` belongs to, or None (unknown, wrong, expired,
    revoked, or the client's account or membership gone)."""
    prefix = keys.key_prefix(presented or "")
    if prefix is None:
        return None
    key = (
        ApiKey.objects.select_related("client", "client__organisation", "client__account", "client__membership",
                                      "client__membership__organisation")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if key is None or not keys.key_matches(presented, key.digest):
        return None
    if key.expires_at is not None and key.expires_at <= timezone.now():
        return None
    client = key.client
    if not client.is_active or not client.account.is_active or not client.membership.is_active:
        return None
    return client, key
