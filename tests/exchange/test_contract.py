"""Contract tests generated from the partner API's own OpenAPI document (schemathesis): every
operation, called over a socket on the live test server with hypothesis-generated input, must
answer only what the document promises (status codes, content types, bodies and headers
matching their schemas), never a 500, and must refuse a call without a key.

(schemathesis's lazy pytest loader, `from_fixture`, does not run under pytest 9: it writes
`node._nodeid`. So the operations are walked here, one hypothesis run each.)"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi import checks as openapi_checks

from exchange.models import ApiClient

pytestmark = [pytest.mark.django_db(transaction=True)]

EXAMPLES = 25


def test_every_operation_keeps_to_the_openapi_document(live_server, world):
    # A generous rate limit: hypothesis sends far more than a partner system would.
    ApiClient.objects.filter(pk=world.client_a.client.pk).update(rate_limit_per_minute=100000)
    headers = {"Authorization": f"Bearer {world.client_a.key}"}
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 12, [f"{op.method} {op.path}" for op in operations]
    answered: dict[str, set[int]] = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def keeps_to_the_document(case):
            # A body the document allows may still be refused by the raising services (a purpose
            # code the protocol pack does not have): a 422 then is the contract, not a breach.
            response = case.call_and_validate(
                base_url=live_server.url, headers=headers,
                excluded_checks=[openapi_checks.positive_data_acceptance],
            )
            answered.setdefault(f"{case.method.upper()} {case.operation.path}", set()).add(response.status_code)

        keeps_to_the_document()
    # Every operation was really called, and some calls got past validation to the services.
    assert len(answered) == len(operations)
    assert 422 in answered["POST /api/v1/requests"] and 200 in answered["GET /api/v1/requests"]
    # And the answers with data, on a released request of this client's, keep to it too.
    case_id, attachment_id = released_request(world)
    by_path = {operation.path: operation for operation in operations}
    for path, parameters in (
        ("/api/v1/requests/{request_id}", {"request_id": case_id}),
        ("/api/v1/requests/{request_id}/released", {"request_id": case_id}),
        ("/api/v1/requests/{request_id}/attachments/{attachment_id}",
         {"request_id": case_id, "attachment_id": attachment_id}),
    ):
        response = by_path[path].Case(path_parameters=parameters).call_and_validate(
            base_url=live_server.url, headers=headers
        )
        assert response.status_code == 200, path


def released_request(world) -> tuple[int, int]:
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from sharing.models import DisclosureRequest, Outcome, ReleaseAttachment, Status
    from tests.exchange.conftest import raise_body
    from tests.sharing.factories import decision_make

    raised = world.call(world.client_a.key, "post", "/api/v1/requests", json=raise_body(world)).json()
    DisclosureRequest.objects.filter(pk=raised["id"]).update(status=Status.RELEASED, decided_at=timezone.now())
    decision = decision_make(
        DisclosureRequest.objects.get(pk=raised["id"]), outcome=Outcome.RELEASED, items=2,
        decided_by=world.officer_b.user,
    )
    attachment = ReleaseAttachment.objects.create(
        decision=decision, file=ContentFile(b"incident log", name="stored.bin"), original_name="log.txt",
        content_type="text/plain", size=12, sha256="0" * 64, uploaded_by=world.officer_b.user,
    )
    return raised["id"], attachment.pk
