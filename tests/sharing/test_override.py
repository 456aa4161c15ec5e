"""The public-interest override (SSP 6.2–6.4): proposal, four-eyes approval, rejection, and
release blocked until approval (sharing/services/override.py, sharing/views/override.py).

The helpers at the top are shared with test_consent_at_release.py, test_onward.py and test_queue.py."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.models import DecisionLogEntry, Notification
from portal.roles import Role
from sharing.models import NoteKind, OverrideStatus, PublicInterestOverride, Status
from sharing.services import decide, review
from sharing.services import override as basis
from tests.portal.factories import MembershipFactory

pytestmark = pytest.mark.django_db

CONFIRMATIONS = ["minimum", "fact-opinion", "right-person", "securely", "inform"]
PATHS = {
    "share": [("purpose", "yes"), ("identifiable", "yes"), ("confidential", "no")],
    "consent": [("purpose", "yes"), ("identifiable", "yes"), ("confidential", "yes"), ("consent", "yes")],
    "public_interest": [
        ("purpose", "yes"),
        ("identifiable", "yes"),
        ("confidential", "yes"),
        ("consent", "no"),
        ("public-interest", "yes"),
    ],
}
OUTCOMES = {"share": "share", "consent": "share", "public_interest": "share_public_interest"}


def assigned(parties, assignee="assignee", **kwargs):
    req = parties.request(**kwargs)
    review.disclosure_assign(
        disclosure=req,
        assignee=getattr(parties, assignee),
        acting_user=parties.do_b,
        acting_membership=parties.memberships["do_b"],
    )
    req.refresh_from_db()
    return req


def run_flowchart(parties, req, route="public_interest", responder=None):
    responder = responder or req.assignee
    run = review.flowchart_run_start(disclosure=req, acting_user=responder)
    for code, value in PATHS[route]:
        run, _ = review.flowchart_answer(run=run, node_code=code, answer=value, acting_user=responder)
    return review.flowchart_complete(
        run=run,
        outcome=OUTCOMES[route],
        confirmations=CONFIRMATIONS,
        reasons="Recorded reasons",
        justification="" if route == "share" else "Justified in the circumstances",
        acting_user=responder,
    )


def override_values(parties, req, **overrides):
    pack = req.protocol_pack
    values = dict(
        consent_position="not_sought",
        not_sought_reason="risk",
        consent_explanation="",
        grounds=[pack.public_interest_grounds.get(code="prevention-of-crime")],
        art6_condition=pack.lawful_bases.get(code="art6-1-e"),
        art9_condition=None,
        dpa_sch1_condition=(
            pack.lawful_bases.filter(category="dpa_sch1").order_by("order").first() if req.criminal_offence_data else None
        ),
        proportionality="Only the incidents at the address, only to the ASB panel.",
        risk_of_not_sharing="Further harm to neighbours.",
        alternatives_considered="Anonymised figures would not identify the risk.",
    )
    values.update(overrides)
    return values


def propose(parties, req, user=None, **overrides):
    user = user or req.assignee
    return basis.override_propose(disclosure=req, **override_values(parties, req, **overrides), acting_user=user)


def approve(parties, override, who="do_b", approved=True, reasons="Proportionate and necessary."):
    return basis.override_decide(
        override=override,
        approved=approved,
        reasons=reasons,
        acting_user=parties.memberships[who].user,
        acting_membership=parties.memberships[who],
    )


def release(parties, req, outcome="released", items=None, user=None):
    user = user or req.assignee
    marking = req.protocol_pack.marking_levels.get(code="restricted")
    items = items or [decide.ItemInput("Three call-outs to the address in March.", "fact", parties.b)]
    return decide.disclosure_decide(
        disclosure=req,
        outcome=outcome,
        reasons="Necessary and proportionate.",
        withheld="Names of neighbours." if outcome == "partly_released" else "",
        marking=marking,
        items=items,
        acting_user=user,
    )


def second_designated_officer(parties, name="do_b2"):
    membership = MembershipFactory(organisation=parties.b, role=Role.DESIGNATED_OFFICER, user__username=name)
    parties.memberships[name] = membership
    setattr(parties, name, membership.user)
    return membership


def actions(entry_code):
    return list(DecisionLogEntry.objects.filter(action=entry_code))


@pytest.fixture
def in_public_interest(parties):
    req = assigned(parties)
    run_flowchart(parties, req)
    return req


# ---------------------------------------------------------------------------------------------
# Proposing
# ---------------------------------------------------------------------------------------------


def test_proposal_is_recorded_logged_and_sent_to_the_designated_officers(parties, in_public_interest):
    req = in_public_interest
    override = propose(parties, req)
    assert override.status == OverrideStatus.PROPOSED
    assert override.proposed_by == parties.assignee
    assert [g.code for g in override.grounds.all()] == ["prevention-of-crime"]
    assert override.dpa_sch1_condition is not None  # the factory's requests involve criminal-offence data
    entry = DecisionLogEntry.objects.get(action="override.proposed")
    assert entry.reference == req.reference
    assert "Prevention of crime" in entry.reasons and "Art 6 condition" in entry.reasons
    assert entry.details["override_id"] == override.pk
    assert Notification.objects.filter(recipient=parties.do_b, reference=req.reference).exists()
    req.refresh_from_db()
    assert req.status == Status.IN_REVIEW


def test_a_request_waiting_for_an_override_approval_says_so_on_its_page_and_in_lists(parties, in_public_interest):
    req = in_public_interest
    waiting = "Waiting for a designated officer to approve the override"
    page = parties.client("assignee").get(reverse("sharing:request_detail", args=[req.pk])).content.decode()
    assert waiting not in page and "In review" in page
    override = propose(parties, req)
    for who, path in (
        ("assignee", reverse("sharing:request_detail", args=[req.pk])),
        ("assignee", reverse("sharing:inbox")),
        ("do_b", reverse("sharing:inbox")),
        ("requester", reverse("sharing:request_detail", args=[req.pk])),
        ("requester", reverse("sharing:my_requests")),
    ):
        body = parties.client(who).get(path).content.decode()
        assert waiting in body, (who, path)
    approve(parties, override)
    page = parties.client("assignee").get(reverse("sharing:request_detail", args=[req.pk])).content.decode()
    assert waiting not in page


def test_an_override_needs_a_public_interest_outcome(parties):
    req = assigned(parties)
    run_flowchart(parties, req, route="share")
    with pytest.raises(ValidationError, match="share in the public interest"):
        propose(parties, req)


def test_only_the_assignee_proposes(parties, in_public_interest):
    with pytest.raises(PermissionDenied):
        propose(parties, in_public_interest, user=parties.officer_b)


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"consent_position": "maybe"}, "consent_position", "Select whether consent was not sought or was refused"),
        ({"not_sought_reason": ""}, "not_sought_reason", "Select why consent was not sought"),
        ({"not_sought_reason": "other"}, "consent_explanation", "Explain why consent was not sought"),
        ({"grounds": []}, "grounds", "Select the public-interest grounds"),
        ({"art6_condition": None}, "art6_condition", "Select the Article 6 condition"),
        ({"dpa_sch1_condition": None}, "dpa_sch1_condition", "criminal-offence data is involved"),
        ({"proportionality": "  "}, "proportionality", "proportionate"),
        ({"risk_of_not_sharing": ""}, "risk_of_not_sharing", "Enter the risk of not sharing"),
        ({"alternatives_considered": ""}, "alternatives_considered", "alternatives"),
    ],
)
def test_each_part_of_the_case_is_required(parties, in_public_interest, overrides, field, message):
    with pytest.raises(ValidationError) as excinfo:
        propose(parties, in_public_interest, **overrides)
    assert any(message in m for m in excinfo.value.message_dict[field])
    assert not PublicInterestOverride.objects.exists()


def test_article_9_condition_is_required_only_for_special_category_data(parties):
    req = assigned(parties, special_category=True)
    run_flowchart(parties, req)
    with pytest.raises(ValidationError) as excinfo:
        propose(parties, req)
    assert "art9_condition" in excinfo.value.message_dict
    art9 = req.protocol_pack.lawful_bases.get(code="art9-2-g")
    override = propose(parties, req, art9_condition=art9)
    assert override.art9_condition == art9

    other = assigned(parties)
    run_flowchart(parties, other)
    with pytest.raises(ValidationError) as excinfo:
        propose(parties, other, art9_condition=art9)
    assert "Special category data is not involved" in excinfo.value.message_dict["art9_condition"][0]


def test_a_basis_from_the_wrong_category_is_refused(parties, in_public_interest):
    art9 = in_public_interest.protocol_pack.lawful_bases.get(code="art9-2-g")
    with pytest.raises(ValidationError) as excinfo:
        propose(parties, in_public_interest, art6_condition=art9)
    assert "art6_condition" in excinfo.value.message_dict


def test_refused_consent_is_a_position_of_its_own(parties, in_public_interest):
    override = propose(parties, in_public_interest, consent_position="refused", not_sought_reason="prejudice")
    assert override.consent_position == "refused" and override.not_sought_reason == ""


def test_only_one_live_override_at_a_time(parties, in_public_interest):
    propose(parties, in_public_interest)
    with pytest.raises(ValidationError, match="already waiting"):
        propose(parties, in_public_interest)


# ---------------------------------------------------------------------------------------------
# Four eyes, approval and rejection
# ---------------------------------------------------------------------------------------------


def test_release_is_blocked_until_the_override_is_approved(parties, in_public_interest):
    req = in_public_interest
    with pytest.raises(ValidationError, match="propose a public-interest override"):
        release(parties, req)
    override = propose(parties, req)
    for outcome in ("released", "partly_released"):
        with pytest.raises(ValidationError, match="waiting for a designated officer's approval"):
            release(parties, req, outcome=outcome)
    req.refresh_from_db()
    assert req.status == Status.IN_REVIEW
    approve(parties, override)
    decision = release(parties, req)
    req.refresh_from_db()
    assert req.status == Status.RELEASED
    entry = DecisionLogEntry.objects.get(action="request.released")
    assert entry.details["override_id"] == override.pk
    assert decision.items.count() == 1


def test_a_decline_needs_no_override(parties, in_public_interest):
    decide.disclosure_decide(
        disclosure=in_public_interest, outcome="declined", reasons="Not proportionate after all.",
        acting_user=parties.assignee,
    )
    in_public_interest.refresh_from_db()
    assert in_public_interest.status == Status.DECLINED


def test_the_designated_officer_who_proposed_cannot_approve_another_can(parties):
    do_b2 = second_designated_officer(parties)
    req = assigned(parties, assignee="do_b")  # the designated officer is the responder here
    run_flowchart(parties, req)
    override = propose(parties, req, user=parties.do_b)
    for approved in (True, False):
        with pytest.raises(ValidationError, match="four eyes"):
            approve(parties, override, who="do_b", approved=approved)
    override.refresh_from_db()
    assert override.status == OverrideStatus.PROPOSED
    assert not actions("override.approved")

    approve(parties, override, who="do_b2")
    override.refresh_from_db()
    assert override.status == OverrideStatus.APPROVED and override.decided_by == do_b2.user
    assert actions("override.approved")[0].actor_name == do_b2.user.display_name
    release(parties, req, user=parties.do_b)
    req.refresh_from_db()
    assert req.status == Status.RELEASED


def test_the_responder_cannot_approve_an_override_someone_else_proposed(parties):
    second_designated_officer(parties)
    req = assigned(parties, assignee="do_b2")
    run_flowchart(parties, req)
    override = propose(parties, req, user=parties.do_b2)
    # Reassigned to do_b, who proposed nothing but is now the responder.
    review.disclosure_assign(
        disclosure=req, assignee=parties.do_b, acting_user=parties.do_b2, acting_membership=parties.memberships["do_b2"]
    )
    req.refresh_from_db()
    with pytest.raises(ValidationError, match="responder"):
        approve(parties, override, who="do_b")


def test_only_the_holding_designated_officer_decides(parties, in_public_interest):
    override = propose(parties, in_public_interest)
    for who in ("do_a", "officer_b", "assignee"):
        with pytest.raises((PermissionDenied, ValidationError)):
            approve(parties, override, who=who)


def test_rejection_sends_the_request_back_with_the_reasons(parties, in_public_interest):
    req = in_public_interest
    override = propose(parties, req)
    approve(parties, override, approved=False, reasons="Anonymised figures would do: try them first.")
    override.refresh_from_db()
    req.refresh_from_db()
    assert override.status == OverrideStatus.REJECTED
    assert req.status == Status.IN_REVIEW
    note = req.notes.get(kind=NoteKind.OVERRIDE_REJECTED)
    assert note.text == "Anonymised figures would do: try them first."
    assert actions("override.rejected")[0].reasons == "Anonymised figures would do: try them first."
    assert Notification.objects.filter(recipient=parties.assignee, subject__icontains="rejected").exists()
    with pytest.raises(ValidationError, match="was rejected"):
        release(parties, req)
    again = propose(parties, req, not_sought_reason="prejudice")
    approve(parties, again)
    release(parties, req)
    req.refresh_from_db()
    assert req.status == Status.RELEASED


def test_an_override_is_decided_once(parties, in_public_interest):
    override = propose(parties, in_public_interest)
    second_designated_officer(parties)
    approve(parties, override)
    with pytest.raises(ValidationError, match="already been decided"):
        approve(parties, override, who="do_b2", approved=False)


def test_reasons_are_required_to_decide(parties, in_public_interest):
    override = propose(parties, in_public_interest)
    with pytest.raises(ValidationError) as excinfo:
        approve(parties, override, reasons="  ")
    assert "reasons" in excinfo.value.message_dict


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------


def propose_url(req):
    return reverse("sharing:override_propose", args=[req.pk])


def decide_url(req, override):
    return reverse("sharing:override_decide", args=[req.pk, override.pk])


def form_data(parties, req, **overrides):
    values = override_values(parties, req)
    data = {
        "consent_position": values["consent_position"],
        "not_sought_reason": values["not_sought_reason"],
        "consent_explanation": "",
        "grounds": [str(g.pk) for g in values["grounds"]],
        "art6_condition": str(values["art6_condition"].pk),
        "dpa_sch1_condition": str(values["dpa_sch1_condition"].pk),
        "proportionality": values["proportionality"],
        "risk_of_not_sharing": values["risk_of_not_sharing"],
        "alternatives_considered": values["alternatives_considered"],
    }
    data.update(overrides)
    return data


def test_propose_page_journey(parties, in_public_interest):
    req = in_public_interest
    client = parties.client("assignee")
    detail = client.get(reverse("sharing:request_detail", args=[req.pk])).content.decode()
    assert "Propose a public-interest override" in detail
    page = client.get(propose_url(req))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Prevention of crime" in body and "DPA 2018 Schedule 1 condition" in body
    assert "Article 9 condition" not in body  # no special category data on this request

    empty = client.post(propose_url(req), {})
    assert empty.status_code == 200
    body = empty.content.decode()
    assert "There is a problem" in body and "Select the public-interest grounds that apply" in body

    typed = form_data(parties, req, proportionality="")
    again = client.post(propose_url(req), typed)
    assert again.status_code == 200
    assert "Only the incidents at the address" not in again.content.decode()  # the empty field is the one missing
    assert "Further harm to neighbours." in again.content.decode()  # what was typed is kept

    done = client.post(propose_url(req), form_data(parties, req))
    assert done.status_code == 302 and done["Location"] == reverse("sharing:request_detail", args=[req.pk])
    banner = client.get(done["Location"]).content.decode().split("govuk-notification-banner__content")[1].split("</div>")[0]
    assert "What happens next" in banner and parties.do_b.display_name in banner and "nothing is released" in banner
    assert PublicInterestOverride.objects.filter(request=req, status="proposed").count() == 1
    # The page is not offered twice.
    assert client.get(propose_url(req)).status_code == 302
    decide_page = client.get(reverse("sharing:request_decide", args=[req.pk])).content.decode()
    assert "Waiting for approval" in decide_page


def test_decide_page_for_the_designated_officer(parties, in_public_interest):
    req = in_public_interest
    override = propose(parties, req)
    client = parties.client("do_b")
    detail = client.get(reverse("sharing:request_detail", args=[req.pk])).content.decode()
    assert "Approve or reject the override" in detail
    assert "Basis of the release" in detail
    page = client.get(decide_url(req, override))
    assert page.status_code == 200
    assert "Further harm to neighbours." in page.content.decode()
    empty = client.post(decide_url(req, override), {})
    assert empty.status_code == 200 and "Select whether you approve or reject the override" in empty.content.decode()
    done = client.post(decide_url(req, override), {"outcome": "approve", "reasons": "Necessary."})
    assert done.status_code == 302
    override.refresh_from_db()
    assert override.status == "approved"
    assert client.get(decide_url(req, override)).status_code == 302  # decided: back to the request


def test_who_may_open_the_override_pages(parties):
    second_designated_officer(parties)
    req = assigned(parties, assignee="do_b")
    run_flowchart(parties, req)
    override = propose(parties, req, user=parties.do_b)
    expected_decide = {
        "do_b": 403,  # proposed it: four eyes
        "do_b2": 200,
        "requester": 403,
        "do_a": 403,
        "officer_b": 404,
        "assignee": 404,  # not the assignee of this request
        "officer_c": 404,
        "do_c": 404,
        "chair": 404,
        "auditor": 404,
        "admin": 404,
    }
    for who, status in expected_decide.items():
        assert parties.client(who).get(decide_url(req, override)).status_code == status, who
    expected_propose = {"do_b": 302, "do_b2": 403, "requester": 403, "officer_b": 404, "officer_c": 404}
    for who, status in expected_propose.items():
        assert parties.client(who).get(propose_url(req)).status_code == status, who


def test_the_override_is_shown_to_the_holding_side_only(parties, in_public_interest):
    propose(parties, in_public_interest)
    url = reverse("sharing:request_detail", args=[in_public_interest.pk])
    assert "Basis of the release" in parties.client("assignee").get(url).content.decode()
    assert "Basis of the release" not in parties.client("requester").get(url).content.decode()
    assert "Basis of the release" not in parties.client("do_a").get(url).content.decode()


# ---------------------------------------------------------------------------------------------
# Hostile input (modest)
# ---------------------------------------------------------------------------------------------

HYPOTHESIS = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
nasty = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "\x00", "\x07bell", "<script>alert(1)</script>", "a" * 6000, "' OR 1=1 --", "\u202e"]),
)


def _post_and_roll_back(client, url, data):
    with transaction.atomic():
        response = client.post(url, data)
        transaction.set_rollback(True)
    return response


@HYPOTHESIS
@given(
    position=nasty, reason=nasty, explanation=nasty, grounds=st.lists(nasty, max_size=3), art6=nasty, text=nasty
)
def test_propose_form_never_fails(parties, in_public_interest, position, reason, explanation, grounds, art6, text):
    client = parties.client("assignee")
    response = _post_and_roll_back(
        client,
        propose_url(in_public_interest),
        {
            "consent_position": position,
            "not_sought_reason": reason,
            "consent_explanation": explanation,
            "grounds": grounds,
            "art6_condition": art6,
            "dpa_sch1_condition": art6,
            "proportionality": text,
            "risk_of_not_sharing": text,
            "alternatives_considered": text,
        },
    )
    assert response.status_code in (200, 302)
    assert b"<script>alert(1)</script>" not in response.content


@HYPOTHESIS
@given(outcome=nasty, reasons=nasty)
def test_decide_form_never_fails(parties, in_public_interest, outcome, reasons):
    override = basis.override_live(disclosure=in_public_interest) or propose(parties, in_public_interest)
    response = _post_and_roll_back(
        parties.client("do_b"), decide_url(in_public_interest, override), {"outcome": outcome, "reasons": reasons}
    )
    assert response.status_code in (200, 302)
    assert b"<script>alert(1)</script>" not in response.content


# ---------------------------------------------------------------------------------------------
# Demo data
# ---------------------------------------------------------------------------------------------


def test_demo_shows_a_consented_release_an_approved_override_and_a_pending_one():
    from consent.demo import consent_demo_load, demo_consent
    from portal.demo.registry import demo_loaders
    from portal.demo.services import demo_partnership_load
    from sharing.demo import sharing_basis_demo_load, sharing_demo_load
    from sharing.models import ConsentReliance

    demo_partnership_load()
    consent_demo_load()
    sharing_demo_load()
    summary = sharing_basis_demo_load()
    assert "consented release" in summary and "approved override" in summary and "waiting" in summary
    reliance = ConsentReliance.objects.get(consent=demo_consent())
    assert reliance.decision is not None and reliance.request.status == Status.RELEASED
    approved = PublicInterestOverride.objects.get(status=OverrideStatus.APPROVED)
    assert approved.request.status == Status.RELEASED and approved.decided_by != approved.proposed_by
    pending = PublicInterestOverride.objects.get(status=OverrideStatus.PROPOSED)
    assert pending.request.status == Status.IN_REVIEW
    count = DecisionLogEntry.objects.count()
    sharing_basis_demo_load()  # idempotent on its own
    assert DecisionLogEntry.objects.count() == count
    assert PublicInterestOverride.objects.count() == 2 and ConsentReliance.objects.count() == 1
    names = [name for name, _ in demo_loaders()]
    assert names.index("Consent records") < names.index("Consent relied on, public-interest overrides")
