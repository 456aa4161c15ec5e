"""The partner API's authorization matrix: every endpoint (every `api-v1:` URL name) x client
scope x organisation, the expected status kept as data. A new endpoint not in MATRIX fails
`test_every_api_url_is_in_the_matrix` (the main matrix leaves `api-v1:` to this module).

Visitors: `own` (A's system, every scope: A raised the request through it), `own_unscoped` (A's
system without the scope the endpoint needs), `holding` (B's system: the request's holding
organisation, but an officer there has no need-to-know until assigned), `third` (C's system),
`other_partnership` (a system of a Durham-only organisation), `no_key`, `revoked`."""
from __future__ import annotations

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from exchange.models import Scope
from exchange.services import api_client_revoke
from sharing.models import DisclosureRequest, Outcome, ReleaseAttachment, Status
from tests.authz import all_url_names
from tests.exchange.conftest import raise_body
from tests.sharing.factories import decision_make

pytestmark = pytest.mark.django_db

VISITORS = ("own", "own_unscoped", "holding", "third", "other_partnership", "no_key", "revoked")
KEYLESS = {"no_key": 401, "revoked": 401}
PUBLIC = {visitor: 200 for visitor in VISITORS}
CASE = {"own": 200, "own_unscoped": 403, "holding": 404, "third": 404, "other_partnership": 404, **KEYLESS}

# url name -> (method, kwargs(world), scope the endpoint needs, expected status per visitor)
MATRIX = {
    "api-v1:openapi-json": ("get", lambda w: {}, None, PUBLIC),
    "api-v1:openapi-view": ("get", lambda w: {}, None, PUBLIC),
    # Ninja's root of the API: nothing there, for anyone.
    "api-v1:api-root": ("get", lambda w: {}, None, {visitor: 404 for visitor in VISITORS}),
    # Each system lists the requests it raised: the others' lists are empty, never refused.
    "api-v1:requests": ("get", lambda w: {}, Scope.REQUESTS_READ,
                        {**{v: 200 for v in VISITORS}, "own_unscoped": 403, **KEYLESS}),
    # B cannot ask itself; a Durham organisation shares no partnership with B; C may ask B.
    "api-v1:requests_raise": ("post", lambda w: {}, Scope.REQUESTS_WRITE,
                              {"own": 201, "own_unscoped": 403, "holding": 422, "third": 201,
                               "other_partnership": 422, **KEYLESS}),
    "api-v1:request": ("get", lambda w: {"request_id": w.case.pk}, Scope.REQUESTS_READ, CASE),
    "api-v1:released": ("get", lambda w: {"request_id": w.case.pk}, Scope.RELEASED_READ, CASE),
    "api-v1:attachment": ("get", lambda w: {"request_id": w.case.pk, "attachment_id": w.attachment.pk},
                          Scope.RELEASED_READ, CASE),
    # The protocol's codes: no personal data, any valid key, whatever its scopes.
    "api-v1:protocol": ("get", lambda w: {}, None, {**{v: 200 for v in VISITORS}, **KEYLESS}),
    # Every organisation's system reads its own inbox (triage fields only).
    "api-v1:inbox": ("get", lambda w: {}, Scope.INBOX_READ,
                     {**{v: 200 for v in VISITORS}, "own_unscoped": 403, **KEYLESS}),
    # Datasets (issue 13): A is the police, the owner kind of `police-asb`; the council (B), the
    # housing association (C) and the Durham council are refused it. Each reads only its own
    # organisation's submissions.
    "api-v1:dataset_submit": ("post", lambda w: {"dataset_code": "police-asb"}, Scope.DATASETS_WRITE,
                              {"own": 202, "own_unscoped": 403, "holding": 403, "third": 403,
                               "other_partnership": 403, **KEYLESS}),
    "api-v1:dataset_submission": ("get", lambda w: {"submission_id": w.submission.pk}, Scope.DATASETS_WRITE, CASE),
    # Cohorts (SDP 5.8): A's system is a member of A's cohort; B, C and Durham systems are not.
    "api-v1:cohorts": ("get", lambda w: {}, Scope.COHORTS_READ,
                       {**{v: 200 for v in VISITORS}, "own_unscoped": 403, **KEYLESS}),
    "api-v1:cohort_people": ("get", lambda w: {"cohort_id": w.cohort.pk}, Scope.COHORTS_READ, CASE),
    "api-v1:cohort_entry_save": ("post", lambda w: {"cohort_id": w.cohort.pk, "person_id": w.person.pk},
                                 Scope.COHORTS_WRITE, CASE),
}
BODIES = {"api-v1:cohort_entry_save": lambda w: {"kind": "risk", "text": "Risk entry"}}
MULTIPART = {"api-v1:dataset_submit"}


def dataset_form() -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = b"occurred_on,occurred_at,category,postcode,street\n2025-01-03,22:15,asb-personal,SK1 3XE,North Road\n"
    return {"file": SimpleUploadedFile("asb.csv", content, content_type="text/csv"),
            "period_start": "2025-01-01", "period_end": "2025-01-31"}


def test_every_api_url_is_in_the_matrix():
    names = {name for name in all_url_names() if name.startswith("api-v1:")}
    assert names == set(MATRIX)


@pytest.fixture
def api_world(other_partnership_world):
    w = other_partnership_world
    raised = w.call(w.client_a.key, "post", "/api/v1/requests", json=raise_body(w)).json()
    w.case = DisclosureRequest.objects.get(pk=raised["id"])
    DisclosureRequest.objects.filter(pk=w.case.pk).update(status=Status.RELEASED, decided_at=timezone.now())
    decision = decision_make(w.case, outcome=Outcome.RELEASED, items=1, decided_by=w.officer_b.user)
    w.attachment = ReleaseAttachment.objects.create(
        decision=decision, file=ContentFile(b"incident log", name="stored.bin"), original_name="log.txt",
        content_type="text/plain", size=12, sha256="0" * 64, uploaded_by=w.officer_b.user,
    )
    revoked = w.register(w.a, name="Retired system")
    api_client_revoke(client=revoked.client, reason="Retired", acting_user=w.admin.user)
    from tests.datasets.factories import accepted_submission

    w.submission = accepted_submission(
        organisation=w.a, partnership=w.partnership, user=w.officer_a.user, dataset_code="police-asb",
        counts={("SK1", "asb-personal", datetime.date(2025, 1, 1)): 7},
    )
    from exchange import services as exchange

    w.cohort = exchange.cohort_create(
        membership=w.officer_a, partnership=w.partnership, forum=w.pack.forums.order_by("order").first(),
        title="IOM cohort", marking=w.pack.marking_levels.get(code="restricted"), acting_user=w.officer_a.user,
    )
    exchange.cohort_member_add(cohort=w.cohort, member_membership=w.client_a.client.membership,
                               acting_user=w.officer_a.user, acting_membership=w.officer_a)
    w.person = exchange.cohort_person_add(cohort=w.cohort, full_name="Jordan Example", date_of_birth=None,
                                          acting_user=w.officer_a.user, acting_membership=w.officer_a)
    w.keys = {"own": w.client_a.key, "holding": w.client_b.key, "third": w.client_c.key,
              "other_partnership": w.client_other.key, "no_key": None, "revoked": revoked.key}
    return w


def unscoped_key(w, needed):
    """A system of A holding every scope but the one needed."""
    scopes = [scope for scope in Scope.values if scope != needed] if needed else list(Scope.values)
    return w.register(w.a, scopes=scopes, name=f"A without {needed}").key


@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_api_authorization_matrix(api_world, url_name):
    w = api_world
    method, kwargs, scope, expected = MATRIX[url_name]
    path = reverse(url_name, kwargs=kwargs(w))
    keys = {**w.keys, "own_unscoped": unscoped_key(w, scope)}
    failures = []
    for visitor in VISITORS:
        if url_name in MULTIPART:
            response = w.call(keys[visitor], method, path, form=dataset_form())
        else:
            body = (BODIES[url_name](w) if url_name in BODIES else raise_body(w)) if method == "post" else None
            response = w.call(keys[visitor], method, path, json=body)
        if response.status_code != expected[visitor]:
            failures.append(f"{visitor}: expected {expected[visitor]}, got {response.status_code}")
        elif response.status_code >= 400 and response.get("Content-Type", "").startswith("application/json"):
            assert set(response.json()) == {"error"}, f"{visitor}: a refusal that is not the API's JSON error"
        assert "no-store" in response.get("Cache-Control", ""), f"{visitor}: no Cache-Control: no-store"
    assert not failures, f"{url_name} ({path}):\n  " + "\n  ".join(failures)
