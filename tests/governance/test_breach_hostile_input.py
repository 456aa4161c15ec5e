"""Hostile input to the breach report form: huge strings, NUL and other control characters,
HTML, template syntax, nonsense ids, numbers and dates, in every field. Never a 500 and nothing
unescaped: the page comes back with the error and what was typed, or the check-answers page shows
it escaped, or (sent) the report is saved and shown escaped."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.models import Breach

pytestmark = pytest.mark.django_db

PROBE = '<i data-probe="1">'

hostile_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc"]), min_size=1, max_size=20),
    st.sampled_from(["=cmd|' /C calc'!A0", "\x00", "a\x00b", "<script>alert(1)</script>", "{{ 7*7 }}", "{% now %}"]),
    st.just("y" * 6000),
).map(lambda text: text + PROBE)

hostile_value = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "0", "-1", "99999999999999999999", "1e9", "null", "[]", "30/02/2026", "31/12/9999",
                     "25:61", "\x00", "01/01/1800", "12:00:00.5"]),
)

HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def base_form(w) -> dict:
    discovered = timezone.localtime() - datetime.timedelta(hours=2)
    return {
        "what_happened": "Sent to the wrong inbox.",
        "happened_date": discovered.strftime("%d/%m/%Y"),
        "happened_time": discovered.strftime("%H:%M"),
        "discovered_date": discovered.strftime("%d/%m/%Y"),
        "discovered_time": discovered.strftime("%H:%M"),
        "occurred_organisation": str(w.a.pk),
        "data_categories": ["identifiers"],
        "people_affected": "3",
        "releases": [str(w.release.pk)],
    }


def assert_safe(response, client):
    assert response.status_code in (200, 302), response.status_code
    body = (client.get(response["Location"]) if response.status_code == 302 else response).content.decode()
    assert PROBE not in body


@HYPOTHESIS
@given(value=hostile_text, step=st.sampled_from(["check", "send"]))
def test_what_happened(w, value, step):
    client = w.client("officer_a")
    before = Breach.objects.count()
    response = client.post(reverse("governance:breach_report"), {**base_form(w), "what_happened": value, "step": step})
    assert_safe(response, client)
    body = response.content.decode()
    if response.status_code == 200 and "There is a problem" not in body:
        assert escape(PROBE) in body  # the check-answers page shows it, escaped
    if "\x00" in value or len(value) > 5000:
        assert "There is a problem" in body and Breach.objects.count() == before


@HYPOTHESIS
@given(
    field=st.sampled_from(["happened_date", "happened_time", "discovered_date", "discovered_time",
                           "occurred_organisation", "people_affected", "data_categories", "requests", "releases",
                           "meetings", "subjects"]),
    value=hostile_value,
    step=st.sampled_from(["check", "send", "change", "other"]),
)
def test_every_other_field(w, field, value, step):
    client = w.client("officer_a")
    before = Breach.objects.count()
    response = client.post(reverse("governance:breach_report"), {**base_form(w), field: value, "step": step})
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        assert step == "send" and Breach.objects.count() == before + 1
    else:
        assert Breach.objects.count() == before


@HYPOTHESIS
@given(ids=st.lists(st.integers(min_value=-(2**63), max_value=2**63), max_size=4))
def test_ids_of_records_the_reporter_cannot_see_are_refused(w, ids):
    client = w.client("officer_c")
    data = {**base_form(w), "occurred_organisation": str(w.c.pk), "releases": [], "step": "send",
            "requests": [str(i) for i in ids], "subjects": [str(i) for i in ids]}
    response = client.post(reverse("governance:breach_report"), data)
    if ids:
        assert response.status_code == 200 and "There is a problem" in response.content.decode()
    assert not Breach.objects.filter(reported_by=w.m["officer_c"].user).exclude(requests=None).exists()


def _open_breach(w):
    from governance.services.breaches import breach_report

    existing = Breach.objects.filter(status="open").first()
    if existing:
        return existing
    discovered = timezone.now() - datetime.timedelta(hours=1)
    return breach_report(
        reporter=w.m["officer_a"].user, membership=w.m["officer_a"], what_happened="Lost paper.",
        happened_at=discovered, discovered_at=discovered, occurred_organisation_id=w.a.pk,
        data_categories=["identifiers"], people_affected=1,
    )


@HYPOTHESIS
@given(
    step=st.sampled_from([
        ("governance:breach_ico", ["decision", "reasons", "ico_reference", "reported_date", "reported_time"]),
        ("governance:breach_investigation", ["findings"]),
        ("governance:breach_summary", ["summary"]),
        ("governance:breach_lessons", ["lessons_learnt", "note"]),
    ]),
    text=hostile_text,
    value=hostile_value,
)
def test_the_dpos_steps(w, step, text, value):
    """Every field of every DPO step gets hostile text or a nonsense value: never a 500, never unescaped."""
    name, fields = step
    breach = _open_breach(w)
    client = w.client("dpo_a")
    now = timezone.localtime()
    data = {"decision": "report", "reasons": "Risk.", "ico_reference": "IC-1", "reported_date": now.strftime("%d/%m/%Y"),
            "reported_time": "00:00", "findings": "Found.", "summary": "Short.", "lessons_learnt": "on", "note": "Check addresses."}
    for index, field in enumerate(fields):
        data[field] = text if index % 2 == 0 else value
    response = client.post(reverse(name, args=[breach.pk]), data)
    assert response.status_code in (200, 302), response.status_code
    body = (client.get(response["Location"]) if response.status_code == 302 else response).content.decode()
    assert PROBE not in body


@settings(HYPOTHESIS, max_examples=10)
@given(queries=st.lists(hostile_text, min_size=4, max_size=4), pages=st.lists(hostile_value, min_size=4, max_size=4),
       chosen=st.lists(hostile_value, max_size=3))
def test_link_searches_and_pages(w, queries, pages, chosen):
    client = w.client("officer_a")
    kinds = ("requests", "releases", "meetings", "subjects")
    data = {**{f"q_{k}": q for k, q in zip(kinds, queries)}, "requests": chosen, "subjects": chosen, "step": "search"}
    response = client.post(reverse("governance:breach_report"), data)
    assert response.status_code == 200 and PROBE not in response.content.decode()
    for kind, page in zip(kinds, pages):
        response = client.post(reverse("governance:breach_report"), {**data, "step": "", f"page_{kind}": page})
        assert response.status_code == 200 and PROBE not in response.content.decode()
