"""The partner API end to end through the middleware (exchange/api.py): raising a request
through the raising services, reading status, decisions and releases through the same
need-to-know selectors as the pages, the inbox, and the refusals a partner system meets."""
from __future__ import annotations

import pytest
from django.utils import timezone

from exchange.models import ApiKey, IdempotencyRecord, Scope
from exchange.services import api_client_revoke, api_client_rotate
from portal.models import AccessLogEntry, DecisionLogEntry
from sharing.models import DisclosureRequest, Outcome, Status
from tests.exchange.conftest import raise_body
from tests.sharing.factories import decision_make

pytestmark = pytest.mark.django_db


def test_a_partner_system_raises_a_request_that_the_holding_inbox_then_lists(world):
    response = world.call(world.client_a.key, "post", "/api/v1/requests", json=raise_body(world))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted" and body["reference"].startswith("DR-")
    assert response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    assert body["handling"]["conditions"]
    raised = DisclosureRequest.objects.get(pk=body["id"])
    assert raised.requester == world.client_a.client.account
    assert raised.checklist_answers.count() == world.pack.checklist_questions.count()
    # The decision log names the client, as the officer who raised it.
    entry = DecisionLogEntry.objects.filter(action="request.submitted", reference=raised.reference).get()
    assert entry.actor_name == "Greater Manchester Police system (API client)"
    # B's system sees it in the holding inbox: triage fields, nobody's name.
    inbox = world.call(world.client_b.key, "get", "/api/v1/inbox")
    assert inbox.status_code == 200
    rows = inbox.json()["items"]
    assert [row["reference"] for row in rows] == [raised.reference]
    assert "Jordan" not in inbox.content.decode()


def test_an_incomplete_checklist_is_refused_with_every_problem_and_leaves_nothing(world):
    body = raise_body(world)
    body["checklist"] = body["checklist"][:-1]
    response = world.call(world.client_a.key, "post", "/api/v1/requests", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "refused"
    assert any("question" in problem.lower() for problem in error["fields"]["problems"])
    assert not DisclosureRequest.objects.exists()


def test_a_code_from_outside_the_protocol_is_refused_by_field(world):
    response = world.call(world.client_a.key, "post", "/api/v1/requests", json=raise_body(world, purpose="world-peace"))
    assert response.status_code == 422
    assert "purpose" in response.json()["error"]["fields"]
    assert not DisclosureRequest.objects.exists()


def test_a_malformed_body_gets_a_json_422_naming_the_field(world):
    response = world.call(world.client_a.key, "post", "/api/v1/requests", json={"holding_organisation": "x"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
    assert "holding_organisation" in response.json()["error"]["fields"]


def test_the_same_idempotency_key_raises_once_and_answers_the_same(world):
    headers = {"Idempotency-Key": "rms-42"}
    first = world.call(world.client_a.key, "post", "/api/v1/requests", json=raise_body(world), headers=headers)
    again = world.call(world.client_a.key, "post", "/api/v1/requests", json=raise_body(world), headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["reference"] == first.json()["reference"]
    assert DisclosureRequest.objects.count() == 1
    other = world.call(
        world.client_a.key, "post", "/api/v1/requests", json=raise_body(world, urgency="routine"), headers=headers
    )
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["error"]["fields"]
    assert DisclosureRequest.objects.count() == 1


def test_a_refused_write_keeps_no_idempotency_record_so_the_fixed_retry_succeeds(world):
    headers = {"Idempotency-Key": "rms-43"}
    refused = world.call(
        world.client_a.key, "post", "/api/v1/requests", json=raise_body(world, purpose="nope"), headers=headers
    )
    assert refused.status_code == 422 and not IdempotencyRecord.objects.exists()


def test_status_and_decisions_of_the_clients_own_requests_with_marking_and_access_log(world):
    raised = world.call(world.client_a.key, "post", "/api/v1/requests", json=raise_body(world)).json()
    disclosure = DisclosureRequest.objects.get(pk=raised["id"])
    DisclosureRequest.objects.filter(pk=disclosure.pk).update(status=Status.RELEASED, decided_at=timezone.now())
    decision_make(disclosure, outcome=Outcome.RELEASED, items=2, decided_by=world.officer_b.user)
    detail = world.call(world.client_a.key, "get", f"/api/v1/requests/{disclosure.pk}")
    assert detail.status_code == 200
    data = detail.json()
    assert data["status"] == "released" and data["subjects"][0]["full_name"] == "Jordan Quintessa Example"
    assert data["decisions"][0]["marking"] == data["handling"]["marking"] == "Restricted"
    assert data["released_link"] == f"/api/v1/requests/{disclosure.pk}/released"
    released = world.call(world.client_a.key, "get", data["released_link"])
    assert released.status_code == 200
    assert len(released.json()["items"]) == 2 and released.json()["handling"]["marking"] == "Restricted"
    logged = AccessLogEntry.objects.filter(user=world.client_a.client.account, reference=disclosure.reference)
    assert logged.count() == 2
    listing = world.call(world.client_a.key, "get", "/api/v1/requests")
    assert [row["reference"] for row in listing.json()["items"]] == [disclosure.reference]


def test_another_organisations_request_is_not_found_exactly_like_a_missing_one(world):
    theirs = world.request()  # raised by A's officer, not by A's system
    for key in (world.client_a.key, world.client_c.key):
        mine = world.call(key, "get", f"/api/v1/requests/{theirs.pk}")
        missing = world.call(key, "get", "/api/v1/requests/999999")
        assert mine.status_code == missing.status_code == 404
        assert mine.json() == missing.json() == {"error": {"code": "not_found", "message": "Not found", "fields": {}}}
    assert not AccessLogEntry.objects.filter(reference=theirs.reference).exists()


def test_without_a_key_or_with_a_wrong_one_the_answer_is_a_json_401(world):
    for key in (None, "csp_000000000000.nope", world.client_a.key + "x"):
        response = world.call(key, "get", "/api/v1/requests")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"
        assert response["Cache-Control"].count("no-store") == 1


def test_a_scope_the_client_lacks_is_a_json_403(world):
    reader = world.register(world.a, scopes=[Scope.REQUESTS_READ], name="Read-only system")
    response = world.call(reader.key, "post", "/api/v1/requests", json=raise_body(world))
    assert response.status_code == 403 and response.json()["error"]["code"] == "scope_missing"
    assert not DisclosureRequest.objects.exists()


def test_the_rate_limit_is_per_client_and_answers_429_with_retry_after(world):
    slow = world.register(world.a, scopes=[Scope.REQUESTS_READ], name="Slow system", rate_limit_per_minute=3)
    codes = [world.call(slow.key, "get", "/api/v1/requests").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = world.call(slow.key, "get", "/api/v1/requests")
    assert limited.json()["error"]["code"] == "rate_limited" and int(limited["Retry-After"]) >= 1
    # Another client of the same organisation is not held back.
    assert world.call(world.client_a.key, "get", "/api/v1/requests").status_code == 200


def test_cursor_pagination_walks_every_request_once(world):
    for _ in range(5):
        world.call(world.client_a.key, "post", "/api/v1/requests", json=raise_body(world))
    seen, cursor = [], None
    while True:
        path = "/api/v1/requests?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = world.call(world.client_a.key, "get", path).json()
        seen += [row["id"] for row in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(DisclosureRequest.objects.values_list("pk", flat=True), reverse=True)
    bad = world.call(world.client_a.key, "get", "/api/v1/requests?cursor=!!!")
    assert bad.status_code == 422


def test_a_rotated_key_works_through_its_grace_period_and_a_revoked_client_not_at_all(world):
    old = world.client_a.key
    rotated = api_client_rotate(client=world.client_a.client, reason="Annual rotation", acting_user=world.admin.user)
    assert world.call(old, "get", "/api/v1/requests").status_code == 200
    assert world.call(rotated.key, "get", "/api/v1/requests").status_code == 200
    ApiKey.objects.filter(client=world.client_a.client, expires_at__isnull=False).update(expires_at=timezone.now())
    assert world.call(old, "get", "/api/v1/requests").status_code == 401
    api_client_revoke(client=world.client_a.client, reason="System retired", acting_user=world.admin.user)
    assert world.call(rotated.key, "get", "/api/v1/requests").status_code == 401
    actions = list(DecisionLogEntry.objects.filter(reference=f"API-{world.client_a.client.pk}").order_by("id").values_list("action", flat=True))
    assert actions == ["api_client.registered", "api_client.key_rotated", "api_client.revoked"]


def test_only_a_digest_of_the_key_is_stored(world):
    key = ApiKey.objects.get(client=world.client_a.client)
    secret = world.client_a.key.split(".", 1)[1]
    assert secret not in key.digest and world.client_a.key not in key.digest


def test_the_openapi_document_and_the_docs_page_are_served_without_a_cdn(world):
    document = world.http.get("/api/v1/openapi.json")
    assert document.status_code == 200
    paths = document.json()["paths"]
    assert {"/api/v1/requests", "/api/v1/requests/{request_id}", "/api/v1/inbox"} <= set(paths)
    docs = world.http.get("/api/v1/docs/")
    html = docs.content.decode()
    assert docs.status_code == 200 and "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "<script>" not in html


def test_the_protocol_endpoint_gives_the_codes_a_request_needs(world):
    response = world.call(world.client_a.key, "get", "/api/v1/protocol")
    assert response.status_code == 200
    (stockport,) = response.json()["items"]
    assert stockport["partnership"] == world.partnership.slug
    assert "reduce-crime-disorder" in {p["code"] for p in stockport["purposes"]}
    assert len(stockport["checklist"]) == world.pack.checklist_questions.count()
    assert {"id": world.b.pk, "name": world.b.name, "kind": world.b.kind} in stockport["organisations"]
