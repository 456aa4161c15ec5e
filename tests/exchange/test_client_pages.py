"""The partnership admin's API client pages (exchange/views.py): register (the key shown once,
only a digest kept), errors with what was typed kept, rotate and revoke with a reason."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse

from exchange.models import ApiClient, ApiKey
from portal.models import DecisionLogEntry
from tests.conftest import sign_in_fully

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(world):
    from django.test import Client

    return sign_in_fully(Client(), world.admin.user)


def test_registering_shows_the_key_once_and_the_key_then_works(world, admin):
    response = admin.post(reverse("exchange:client_new"), {
        "organisation": world.a.pk, "name": "GMP records system", "scopes": ["requests:read", "inbox:read"],
        "webhook_url": "", "rate_limit_per_minute": "60",
    })
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    html = response.content.decode()
    key = re.search(r'id="api-key">(csp_[^<]+)<', html).group(1)
    client = ApiClient.objects.get(name="GMP records system")
    assert client.organisation == world.a and client.scopes == ["requests:read", "inbox:read"]
    assert world.call(key, "get", "/api/v1/inbox").status_code == 200
    detail = admin.get(reverse("exchange:client_detail", kwargs={"pk": client.pk})).content.decode()
    assert key not in detail and f"csp_{ApiKey.objects.get(client=client).prefix}" in detail
    assert DecisionLogEntry.objects.filter(action="api_client.registered", reference=f"API-{client.pk}").exists()


def test_a_bad_registration_shows_the_error_summary_and_keeps_what_was_typed(world, admin):
    response = admin.post(reverse("exchange:client_new"), {
        "organisation": world.a.pk, "name": "GMP records system", "scopes": ["webhooks"],
        "webhook_url": "", "rate_limit_per_minute": "60",
    })
    html = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in html
    assert "Enter the webhook address, or do not select webhooks" in html
    assert 'value="GMP records system"' in html
    assert not ApiClient.objects.filter(name="GMP records system").exists()


def test_rotating_needs_a_reason_and_shows_a_new_key(world, admin):
    client = world.client_a.client
    url = reverse("exchange:client_rotate", kwargs={"pk": client.pk})
    refused = admin.post(url, {"reason": ""})
    assert "govuk-error-summary" in refused.content.decode()
    rotated = admin.post(url, {"reason": "Yearly rotation"})
    new_key = re.search(r'id="api-key">(csp_[^<]+)<', rotated.content.decode()).group(1)
    assert new_key != world.client_a.key
    assert world.call(new_key, "get", "/api/v1/requests").status_code == 200
    entry = DecisionLogEntry.objects.get(action="api_client.key_rotated")
    assert entry.reasons == "Yearly rotation"


def test_revoking_stops_the_key_and_is_logged_with_the_reason(world, admin):
    client = world.client_a.client
    response = admin.post(reverse("exchange:client_revoke", kwargs={"pk": client.pk}), {"reason": "Replaced"})
    assert response.status_code == 302
    assert world.call(world.client_a.key, "get", "/api/v1/requests").status_code == 401
    assert DecisionLogEntry.objects.get(action="api_client.revoked").reasons == "Replaced"
    client.membership.refresh_from_db()
    assert not client.membership.is_active


def test_another_partnerships_admin_finds_no_client(other_partnership_world):
    from django.test import Client

    w = other_partnership_world
    durham_admin = sign_in_fully(Client(), w.durham_admin.user)
    assert durham_admin.get(reverse("exchange:client_detail", kwargs={"pk": w.client_a.client.pk})).status_code == 404
    listing = durham_admin.get(reverse("exchange:clients")).content.decode()
    assert "Durham system" in listing and w.client_a.client.name not in listing
