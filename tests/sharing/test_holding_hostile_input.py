"""Hostile input to every form of the holding organisation's pages: huge strings, NUL, control
characters, formula prefixes, HTML. Never a 500; what is shown back is escaped."""

import pytest
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sharing.services import review

pytestmark = pytest.mark.django_db

XSS = ["<script>alert(1)</script>", "'\"><img src=x onerror=alert(1)>"]
NASTY_FIXED = [
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\x00",
    "before\x00after",
    "\x1b[31mred\x1b[0m",
    "\u202egnp.exe",
    "\ufeff\u200b",
    "",
    "   ",
    "x" * 20_001,
    "é" * 6000,
    *XSS,
]
nasty = st.one_of(
    st.sampled_from(NASTY_FIXED),
    st.text(max_size=300),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs"]), max_size=40),
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=4), st.integers(min_value=1000, max_value=12000)),
)
HYPOTHESIS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def post_and_roll_back(client, url, data):
    """Each example starts from the same state: whatever the request changed is undone."""
    with transaction.atomic():
        response = client.post(url, data)
        transaction.set_rollback(True)
    return response


def check(response):
    assert response.status_code in (200, 302, 400), response.status_code
    if response.status_code == 200:
        body = response.content.decode()
        for payload in XSS:
            assert payload not in body


def assigned(parties, **kwargs):
    req = parties.request(**kwargs)
    review.disclosure_assign(
        disclosure=req, assignee=parties.assignee, acting_user=parties.do_b, acting_membership=parties.memberships["do_b"]
    )
    req.refresh_from_db()
    return req


@pytest.fixture
def req(parties):
    return assigned(parties, sub_judice=True)


@HYPOTHESIS
@given(text=nasty)
def test_return_form(parties, req, text):
    client = parties.client("assignee")
    check(post_and_roll_back(client, reverse("sharing:request_return", args=[req.pk]), {"text": text}))


@HYPOTHESIS
@given(assignee=nasty)
def test_assign_form(parties, req, assignee):
    client = parties.client("do_b")
    check(post_and_roll_back(client, reverse("sharing:request_assign", args=[req.pk]), {"assignee": assignee}))


@HYPOTHESIS
@given(answer=st.one_of(st.sampled_from(["yes", "no", "not_sure"]), nasty), note=nasty, concern=nasty)
def test_flowchart_question_form(parties, req, answer, note, concern):
    client = parties.client("assignee")
    review.flowchart_run_start(disclosure=req, acting_user=parties.assignee)
    url = reverse("sharing:flowchart_question", args=[req.pk, "purpose"])
    check(post_and_roll_back(client, url, {"answer": answer, "note": note, "safeguarding_concern": concern}))


@HYPOTHESIS
@given(code=st.text(min_size=1, max_size=60))
def test_flowchart_question_code_in_the_url(parties, req, code):
    client = parties.client("assignee")
    review.flowchart_run_start(disclosure=req, acting_user=parties.assignee)
    try:
        url = reverse("sharing:flowchart_question", args=[req.pk, code])
    except NoReverseMatch:  # not a slug: the URL cannot even be built
        return
    assert client.get(url).status_code in (200, 302, 404)


@pytest.fixture
def at_outcome(parties, req):
    run = review.flowchart_run_start(disclosure=req, acting_user=parties.assignee)
    for code, value in [("purpose", "yes"), ("identifiable", "yes"), ("confidential", "yes"), ("consent", "yes")]:
        run, _ = review.flowchart_answer(run=run, node_code=code, answer=value, acting_user=parties.assignee)
    return req


@HYPOTHESIS
@given(reasons=nasty, justification=nasty, confirmations=st.lists(nasty, max_size=6))
def test_flowchart_outcome_form(parties, at_outcome, reasons, justification, confirmations):
    client = parties.client("assignee")
    url = reverse("sharing:flowchart_outcome", args=[at_outcome.pk])
    check(
        post_and_roll_back(
            client, url, {"reasons": reasons, "justification": justification, "confirmations": confirmations}
        )
    )


@HYPOTHESIS
@given(question=nasty)
def test_seek_advice_and_advice_forms(parties, req, question):
    client = parties.client("assignee")
    run = review.flowchart_run_start(disclosure=req, acting_user=parties.assignee)
    review.flowchart_answer(run=run, node_code="purpose", answer="not_sure", acting_user=parties.assignee)
    url = reverse("sharing:flowchart_outcome", args=[req.pk])
    check(post_and_roll_back(client, url, {"question": question}))
    with transaction.atomic():
        review.advice_seek(run=run, question="What do you advise?", acting_user=parties.assignee)
        check(parties.client("do_b").post(reverse("sharing:request_advice", args=[req.pk]), {"advice": question}))
        transaction.set_rollback(True)


@HYPOTHESIS
@given(name=nasty, role=nasty, day=nasty, time=nasty, outcome=nasty)
def test_sub_judice_form(parties, req, name, role, day, time, outcome):
    client = parties.client("assignee")
    data = {
        "consulted_name": name,
        "consulted_role": role,
        "consulted_on": day,
        "consulted_time": time,
        "outcome": outcome,
    }
    check(post_and_roll_back(client, reverse("sharing:sub_judice_record", args=[req.pk]), data))


@HYPOTHESIS
@given(
    day=st.sampled_from(["2024-02-30", "0001-01-01", "9999-12-31", "31/12/1899", "1/1/1", "2020-13-01"]),
    time=st.sampled_from(["23:59", "24:00", "00:00", "12.30", "99:99"]),
)
def test_sub_judice_odd_dates(parties, req, day, time):
    client = parties.client("assignee")
    data = {
        "consulted_name": "DC Jones",
        "consulted_role": "cps",
        "consulted_on": day,
        "consulted_time": time,
        "outcome": "No objection",
    }
    check(post_and_roll_back(client, reverse("sharing:sub_judice_record", args=[req.pk]), data))


@pytest.fixture
def ready(parties, req):
    run = review.flowchart_run_start(disclosure=req, acting_user=parties.assignee)
    for code, value in [("purpose", "yes"), ("identifiable", "yes"), ("confidential", "no")]:
        run, _ = review.flowchart_answer(run=run, node_code=code, answer=value, acting_user=parties.assignee)
    review.flowchart_complete(
        run=run,
        outcome="share",
        confirmations=["minimum", "fact-opinion", "right-person", "securely", "inform"],
        reasons="ok",
        acting_user=parties.assignee,
    )
    return req


@HYPOTHESIS
@given(
    outcome=st.one_of(st.sampled_from(["released", "partly_released", "declined"]), nasty),
    reasons=nasty,
    withheld=nasty,
    marking=nasty,
    total=st.one_of(st.sampled_from(["1", "2", "0", "-1", "50", "51", "100000", "abc", ""]), nasty),
    texts=st.lists(nasty, min_size=0, max_size=3),
    fact=nasty,
    org=nasty,
    add_item=st.booleans(),
)
def test_decide_form(parties, ready, outcome, reasons, withheld, marking, total, texts, fact, org, add_item):
    client = parties.client("assignee")
    data = {
        "outcome": outcome,
        "reasons": reasons,
        "withheld": withheld,
        "marking": marking,
        "items-TOTAL_FORMS": total,
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "50",
    }
    for i, text in enumerate(texts):
        data[f"items-{i}-text"] = text
        data[f"items-{i}-fact_or_opinion"] = fact
        data[f"items-{i}-originating_organisation"] = org
    if add_item:
        data["add_item"] = "1"
    check(post_and_roll_back(client, reverse("sharing:request_decide", args=[ready.pk]), data))


@HYPOTHESIS
@given(text=nasty, marking_code=st.sampled_from(["protect", "restricted"]))
def test_decide_saves_hostile_text_safely(parties, ready, text, marking_code):
    """Whatever is accepted is stored as typed and shown escaped; NUL is refused with a message."""
    client = parties.client("assignee")
    marking = parties.pack.marking_levels.get(code=marking_code)
    data = {
        "outcome": "released",
        "reasons": text,
        "withheld": "",
        "marking": str(marking.pk),
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "50",
        "items-0-text": text,
        "items-0-fact_or_opinion": "fact",
        "items-0-originating_organisation": str(parties.b.pk),
    }
    with transaction.atomic():
        response = client.post(reverse("sharing:request_decide", args=[ready.pk]), data)
        check(response)
        if "\x00" in text:
            assert response.status_code == 200
            assert "Null characters are not allowed" in response.content.decode()
        elif response.status_code == 302:
            decision = ready.decisions.get()
            assert decision.reasons == text.strip()
            assert decision.items.get().text == text.strip()
        transaction.set_rollback(True)


@HYPOTHESIS
@given(show=nasty, sort=nasty, page=nasty)
def test_inbox_filters(parties, req, show, sort, page):
    response = parties.client("officer_b").get(reverse("sharing:inbox"), {"show": show, "sort": sort, "page": page})
    assert response.status_code == 200
    body = response.content.decode()
    for payload in XSS:
        assert payload not in body
