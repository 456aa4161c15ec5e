"""The designated officers' queue (sharing:designated_queue): overrides, disputes, requests for
advice and onward disclosure requests waiting for the acting designated officer's organisation,
oldest first, with their ages; a fixed number of queries; 403 for every other role."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sharing import selectors
from sharing.models import (
    Dispute,
    NoteKind,
    OnwardRequest,
    Outcome,
    PublicInterestOverride,
    RequestNote,
    Status,
)
from sharing.services import decide, disputes, review
from tests.sharing.factories import decision_make
from tests.sharing.test_onward import ask
from tests.sharing.test_override import assigned, propose, release, run_flowchart, second_designated_officer

pytestmark = pytest.mark.django_db

URL = reverse("sharing:designated_queue")


def days_ago(days):
    return timezone.now() - datetime.timedelta(days=days, minutes=5)


@pytest.fixture
def waiting(parties):
    """One of each kind waiting for B's designated officers, built through the services."""
    overridden = assigned(parties)
    run_flowchart(parties, overridden)
    override = propose(parties, overridden)
    PublicInterestOverride.objects.filter(pk=override.pk).update(proposed_at=days_ago(3))

    disputed = assigned(parties)
    decide.disclosure_decide(disclosure=disputed, outcome="declined", reasons="Not held.", acting_user=parties.assignee)
    dispute = disputes.dispute_raise(
        disclosure=disputed, grounds="It is held.", acting_user=parties.requester,
        acting_membership=parties.memberships["requester"],
    )
    Dispute.objects.filter(pk=dispute.pk).update(raised_at=days_ago(1))

    advised = assigned(parties)
    run = review.flowchart_run_start(disclosure=advised, acting_user=parties.assignee)
    run, _ = review.flowchart_answer(run=run, node_code="purpose", answer="not_sure", acting_user=parties.assignee)
    review.advice_seek(run=run, question="Is this a clear purpose?", acting_user=parties.assignee)
    RequestNote.objects.filter(request=advised, kind=NoteKind.ADVICE_SOUGHT).update(created_at=days_ago(5))

    released = assigned(parties)
    run_flowchart(parties, released, route="share")
    release(parties, released)
    onward = ask(parties, released)
    OnwardRequest.objects.filter(pk=onward.pk).update(requested_at=timezone.now() - datetime.timedelta(hours=2))
    return {"override": overridden, "dispute": disputed, "advice": advised, "onward": released}


def test_the_queue_lists_what_waits_with_ages_and_links(parties, waiting):
    second_designated_officer(parties)
    response = parties.client("do_b2").get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    for req in waiting.values():
        assert req.reference in body
    assert "3 days" in body and "1 day" in body and "5 days" in body and "2 hours" in body
    override = PublicInterestOverride.objects.get()
    assert reverse("sharing:override_decide", args=[waiting["override"].pk, override.pk]) in body
    # SSP 9.2: the dispute waits for the requesting organisation's designated officer's view first.
    assert reverse("sharing:dispute_decide", args=[waiting["dispute"].pk]) not in body
    assert "Waiting for the view of Greater Manchester Police&#x27;s designated officer" in body
    disputes.dispute_view_record(
        dispute=Dispute.objects.get(), view="We support it.", acting_user=parties.do_a,
        acting_membership=parties.memberships["do_a"],
    )
    body = parties.client("do_b2").get(URL).content.decode()
    assert reverse("sharing:dispute_decide", args=[waiting["dispute"].pk]) in body
    assert reverse("sharing:request_advice", args=[waiting["advice"].pk]) in body
    onward = OnwardRequest.objects.get()
    assert reverse("sharing:onward_decide", args=[waiting["onward"].pk, onward.pk]) in body
    # Triage only: no subject names, nothing of what is asked for.
    assert "Jordan Example" not in body and "Any record of incidents" not in body


def test_the_proposer_is_told_another_designated_officer_must_decide(parties):
    req = assigned(parties, assignee="do_b")
    run_flowchart(parties, req)
    override = propose(parties, req, user=parties.do_b)
    body = parties.client("do_b").get(URL).content.decode()
    assert req.reference in body
    assert reverse("sharing:override_decide", args=[req.pk, override.pk]) not in body
    assert "another designated officer must approve or reject it" in body


def test_another_organisations_queue_is_separate(parties, waiting):
    body = parties.client("do_c").get(URL).content.decode()
    for req in waiting.values():
        assert req.reference not in body
    assert body.count("Nothing is waiting.") == 4


def test_a_dispute_waits_in_the_requesting_organisations_queue_too(parties, waiting):
    """Issue 18 item 3: the requesting organisation's designated officer saw "Disputed decisions (0)"."""
    body = parties.client("do_a").get(URL).content.decode()
    assert "Disputed decisions (1)" in body and waiting["dispute"].reference in body
    assert reverse("sharing:dispute_view", args=[waiting["dispute"].pk]) in body
    for code in ("override", "advice", "onward"):
        assert waiting[code].reference not in body


def test_oldest_first(parties):
    refs = []
    for age in (1, 7, 3):
        req = assigned(parties)
        run_flowchart(parties, req)
        override = propose(parties, req)
        PublicInterestOverride.objects.filter(pk=override.pk).update(proposed_at=days_ago(age))
        refs.append((age, req.reference))
    section = selectors.designated_queue(organisation_id=parties.b.pk)[0]
    assert [o.request.reference for o in section.rows] == [ref for _, ref in sorted(refs, reverse=True)]


@pytest.mark.parametrize("who", ["requester", "officer_a", "assignee", "officer_b", "officer_c", "chair", "auditor", "admin"])
def test_only_designated_officers(parties, who):
    assert parties.client(who).get(URL).status_code == 403


def _bulk(parties, n):
    """n of each kind, made directly (the queue is what is tested here, not how they arose)."""
    pack = parties.pack
    art6 = pack.lawful_bases.get(code="art6-1-e")
    purpose = pack.purposes.order_by("order").first()
    for _ in range(n):
        req = parties.request(status=Status.IN_REVIEW, assignee=parties.assignee)
        PublicInterestOverride.objects.create(
            request=req, consent_position="not_sought", not_sought_reason="risk", art6_condition=art6,
            proportionality="p", risk_of_not_sharing="r", alternatives_considered="a", proposed_by=parties.officer_b,
        )
        declined = parties.request(status=Status.DISPUTED, assignee=parties.assignee)
        decision = decision_make(declined, outcome=Outcome.DECLINED)
        Dispute.objects.create(request=declined, decision=decision, raised_by=parties.requester, grounds="g")
        advice = parties.request(status=Status.AWAITING_ADVICE, assignee=parties.assignee)
        RequestNote.objects.create(
            request=advice, author=parties.assignee, organisation=parties.b, kind=NoteKind.ADVICE_SOUGHT, text="q"
        )
        rel = parties.request(status=Status.RELEASED, assignee=parties.assignee)
        decision = decision_make(rel, outcome=Outcome.RELEASED, items=1)
        onward = OnwardRequest.objects.create(
            request=rel, decision=decision, to_organisation=parties.c, purpose=purpose, reasons="x",
            requested_by=parties.requester,
        )
        onward.items.set(decision.items.all())


def test_constant_number_of_queries(parties, django_assert_max_num_queries, monkeypatch):
    monkeypatch.setattr(selectors, "QUEUE_CAP", 5)
    client = parties.client("do_b")
    client.get(URL)  # warm the session and caches
    _bulk(parties, 2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL).status_code == 200
    _bulk(parties, 6)  # 8 of each: more than the cap
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(URL)
    body = response.content.decode()
    assert "Showing 1 to 5 of 8, the longest waiting first." in body
    assert "Public-interest overrides to approve (8)" in body


def test_each_section_pages_on_its_own(parties, monkeypatch):
    monkeypatch.setattr(selectors, "QUEUE_CAP", 5)
    _bulk(parties, 8)
    client = parties.client("do_b")
    body = client.get(URL, {"overrides": "2"}).content.decode()
    assert "Showing 6 to 8 of 8, the longest waiting first." in body  # overrides, page 2
    assert "Showing 1 to 5 of 8, the longest waiting first." in body  # the other sections stay on page 1
    assert 'href="?overrides=1#overrides"' in body and 'href="?overrides=2&amp;disputes=2#disputes"' in body
    overrides = selectors.designated_queue(organisation_id=parties.b.pk, cap=5, pages={"overrides": 2})[0]
    oldest_on_page_two = overrides.rows[0].pk
    assert oldest_on_page_two not in [o.pk for o in selectors.designated_queue(organisation_id=parties.b.pk, cap=5)[0].rows]
    # a page past the end, or nonsense, shows a real page rather than an error
    assert "Showing 6 to 8 of 8" in client.get(URL, {"overrides": "99"}).content.decode()
    assert client.get(URL, {"overrides": "x"}).status_code == 200


def test_an_override_on_a_withdrawn_request_no_longer_waits(parties):
    from sharing.services import raising

    req = assigned(parties)
    run_flowchart(parties, req)
    propose(parties, req)
    raising.disclosure_withdraw(disclosure=req, reason="Case closed.", acting_user=parties.requester)
    assert selectors.designated_queue(organisation_id=parties.b.pk)[0].total == 0
