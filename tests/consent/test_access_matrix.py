"""Authorization matrix for consent records: every `consent:` URL × the twelve kinds of
visitor of the sharing matrix, expected outcomes kept as data. Consent records are need-to-know
like requests (docs/adr/0003-404-or-403.md): the record here is made by A's requester, so only
they and A's designated officer see it; everyone else gets 404 whether or not it exists."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from consent.services import consent_scan_attach
from tests.authz import SIGN_IN
from tests.sharing.test_access_matrix import VISITORS, Case, outcomes
from tests.test_authorization_matrix import classify

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def recorded(p, make_consent):
    return make_consent()


def with_scan(p, make_consent):
    consent = make_consent()
    return consent_scan_attach(
        consent=consent, scan=SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf"),
        acting_user=p.requester,
    )


RECORD_PAGE = outcomes(404, requester=200, do_a=200)
OFFICERS = outcomes(200, chair=403, auditor=403, dpo_b=403, admin=403)
MATRIX: dict[str, Case] = {
    "consent:list": Case(OFFICERS, state=recorded, kwargs=lambda p, c: {}),
    "consent:record": Case(OFFICERS, state=recorded, kwargs=lambda p, c: {}),
    "consent:detail": Case(RECORD_PAGE, state=recorded),
    "consent:withdraw": Case(RECORD_PAGE, state=recorded),
    "consent:form_pdf": Case(RECORD_PAGE, state=recorded),
    "consent:scan_download": Case(RECORD_PAGE, state=with_scan),
    "consent:scan_upload": Case(RECORD_PAGE, state=recorded),
}


def test_every_consent_url_is_in_the_matrix():
    from tests.authz import all_url_names

    names = {n for n in all_url_names() if n.startswith("consent:")}
    assert names == set(MATRIX), f"missing: {sorted(names - set(MATRIX))}, stale: {sorted(set(MATRIX) - names)}"


@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_access_matrix(parties, make_consent, url_name):
    case = MATRIX[url_name]
    failures = []
    for visitor in VISITORS:
        consent = case.state(parties, make_consent) if case.state is not None else None
        url = reverse(url_name, kwargs=case.kwargs(parties, consent))
        client = Client() if visitor == "anonymous" else parties.client(visitor)
        response = client.post(url, case.data) if case.method == "post" else client.get(url)
        expected = SIGN_IN if visitor == "anonymous" else case.expect[visitor]
        if classify(response) != expected:
            failures.append(f"{visitor}: expected {expected}, got {classify(response)}")
    assert not failures, f"{url_name}:\n  " + "\n  ".join(failures)
