"""Hostile input to the consent pages: huge strings, NUL and other control characters, formula
prefixes, HTML, template syntax, nonsense ids and dates. Never a 500: an error on the page with
what was typed kept and escaped, or saved and shown escaped."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consent import signals_registry
from tests.dates import date_parts

pytestmark = pytest.mark.django_db

PROBE = '<i data-probe="1">'

hostile_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc"]), min_size=1, max_size=20),
    st.sampled_from(["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@HYPERLINK(\"x\")", "\t=1", "\x00", "a\x00b"]),
    st.sampled_from(["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "{{ 7*7 }}", "{% now %}"]),
    st.integers(min_value=195, max_value=205).map(lambda n: "x" * n),
    st.just("y" * 100_000),
).map(lambda text: text + PROBE)

hostile_value = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "0", "-1", "99999999999999999999", "1e9", "null", "[]", "2026-02-30", "31/12/9999", "\x00"]),
)

HYPOTHESIS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def base_form(parties):
    given = timezone.localdate() - datetime.timedelta(days=2)
    return {
        "full_name": "Robin Newperson",
        "given_by": "subject",
        "reasons_explained": "yes",
        "recipients": [str(parties.a.pk)],
        "purposes": [str(parties.pack.purposes.order_by("order").first().pk)],
        "information_items": "ASB complaints",
        "given_on": given.isoformat(),
        "witness_name": "Pat Officer",
        "witness_position": "PC",
        "witnessed_on": given.isoformat(),
    }


def assert_safe(response, client, value):
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        body = response.content.decode()
        assert "There is a problem" in body
        assert PROBE not in body
    else:
        page = client.get(response["Location"])
        assert page.status_code == 200
        body = page.content.decode()
        assert PROBE not in body
        assert escape(PROBE) in body


@HYPOTHESIS
@given(
    field=st.sampled_from(["full_name", "address", "information_items", "witness_name", "witness_position",
                           "signatory_name", "given_by_description"]),
    value=hostile_text,
)
def test_free_text_fields(parties, field, value):
    client = parties.client("requester")
    data = base_form(parties)
    if field in ("signatory_name", "given_by_description"):
        data.update(given_by="other", signatory_name="Sam Advocate", given_by_description="Advocate")
    data[field] = value
    response = client.post(reverse("consent:record"), data)
    assert_safe(response, client, value)


@HYPOTHESIS
@given(
    field=st.sampled_from(["given_by", "reasons_explained", "recipients", "disclosers", "purposes", "given_on",
                           "witnessed_on", "expires_on", "date_of_birth", "signatory_date_of_birth", "subject"]),
    value=hostile_value,
)
def test_choices_ids_and_dates(parties, field, value):
    client = parties.client("requester")
    data = base_form(parties)
    if field.endswith("date_of_birth"):
        data.update(date_parts(field, value))
    else:
        data[field] = value
    response = client.post(reverse("consent:record"), data)
    assert response.status_code in (200, 302, 404), response.status_code
    if field == "subject" and value not in ("", None):
        assert response.status_code in (200, 404)  # never someone the user cannot see


@HYPOTHESIS
@given(how=hostile_text, when=hostile_value)
def test_withdrawal_form(parties, make_consent, how, when):
    signals_registry._WITHDRAWAL_LISTENERS, saved = [], signals_registry._WITHDRAWAL_LISTENERS
    try:
        consent = make_consent()
        client = parties.client("requester")
        response = client.post(reverse("consent:withdraw", kwargs={"pk": consent.pk}), {"withdrawn_on": when, "how_communicated": how})
        assert response.status_code in (200, 302)
        body = (response.content if response.status_code == 200 else client.get(response["Location"]).content).decode()
        assert PROBE not in body
    finally:
        signals_registry._WITHDRAWAL_LISTENERS = saved


@HYPOTHESIS
@given(query=hostile_text, page=hostile_value)
def test_list_search(parties, query, page):
    client = parties.client("requester")
    response = client.post(reverse("consent:list"), {"q": query})
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        response = client.get(response["Location"], {"page": page})
    assert response.status_code == 200
    assert PROBE not in response.content.decode()

