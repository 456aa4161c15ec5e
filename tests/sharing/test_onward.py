"""Onward disclosure (SSP Appendix 2 q5, 8.2; SDP 5.1): the recipient asks, the originator
approves or declines, and an approved request is shared as a new disclosure that names the
original originator (sharing/services/onward.py, sharing/views/onward.py)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from portal.models import DecisionLogEntry, Notification
from sharing.models import DisclosureRequest, OnwardRequest, OnwardStatus, ReleaseItem, Status
from sharing.selectors import visible_disclosures
from sharing.services import decide
from sharing.services import onward as onward_services
from tests.portal.factories import member_set
from tests.sharing.test_override import HYPOTHESIS, assigned, nasty, release, run_flowchart

pytestmark = pytest.mark.django_db


@pytest.fixture
def released(parties):
    """A request released by B to A: two items from B, one from C."""
    req = assigned(parties)
    run_flowchart(parties, req, route="share")
    release(
        parties,
        req,
        items=[
            decide.ItemInput("Three call-outs to the address in March.", "fact", parties.b),
            decide.ItemInput("The officer believes the risk is rising.", "opinion", parties.b),
            decide.ItemInput("A tenancy warning in April.", "fact", parties.c),
        ],
    )
    req.refresh_from_db()
    return req


def items_of(req, originator):
    return list(ReleaseItem.objects.filter(decision__request=req, originating_organisation=originator).order_by("order"))


def ask(parties, req, who="requester", items=None, to=None, **kwargs):
    values = dict(
        items=items if items is not None else items_of(req, parties.b),
        to_organisation=to or parties.c,
        purpose=req.protocol_pack.purposes.order_by("order").last(),
        reasons="The landlord needs it to assess the tenancy risk.",
    )
    values.update(kwargs)
    return onward_services.onward_request_create(
        disclosure=req, **values, acting_user=getattr(parties, who), acting_membership=parties.memberships[who]
    )


def decide_onward(parties, onward, who="assignee", approved=True, reasons="Proportionate to the tenancy risk."):
    return onward_services.onward_decide(
        onward=onward, approved=approved, reasons=reasons, acting_user=getattr(parties, who),
        acting_membership=parties.memberships[who],
    )


def share(parties, onward, who="requester"):
    return onward_services.onward_share(
        onward=onward, acting_user=getattr(parties, who), acting_membership=parties.memberships[who]
    )


def test_approved_onward_disclosure_reaches_the_third_organisation_naming_the_originator(parties, released):
    req = released
    onward = ask(parties, req)
    assert onward.status == OnwardStatus.PENDING
    assert DecisionLogEntry.objects.get(action="onward.requested").details["to_organisation"] == parties.c.name
    assert Notification.objects.filter(recipient=parties.assignee, reference=req.reference).exists()
    assert Notification.objects.filter(recipient=parties.do_b, reference=req.reference).exists()

    decide_onward(parties, onward)
    onward.refresh_from_db()
    assert onward.status == OnwardStatus.APPROVED
    assert DecisionLogEntry.objects.get(action="onward.approved").reasons == "Proportionate to the tenancy risk."
    assert Notification.objects.filter(recipient=parties.requester, subject__icontains="approved").exists()

    new = share(parties, onward)
    onward.refresh_from_db()
    assert onward.status == OnwardStatus.SHARED and onward.resulting_request == new
    assert new.status == Status.RELEASED
    assert new.requesting_organisation == parties.c and new.holding_organisation == parties.a
    assert [s.subject_id for s in new.subjects.all()] == [s.subject_id for s in req.subjects.all()]
    decision = new.decisions.get()
    original = req.decisions.get()
    assert decision.marking == original.marking
    assert "with the consent of Stockport Council" in decision.handling_conditions
    assert all(line in decision.handling_conditions for line in original.handling_conditions.splitlines())
    items = list(decision.items.order_by("order"))
    assert [i.text for i in items] == [i.text for i in items_of(req, parties.b)]
    assert {i.originating_organisation for i in items} == {parties.b}  # the originator stays named

    entry = DecisionLogEntry.objects.get(action="onward.shared")
    assert entry.reference == new.reference and entry.recipient_name == parties.c.name
    assert entry.details["original_reference"] == req.reference
    assert Notification.objects.filter(recipient=parties.do_c, reference=new.reference).exists()

    # Need-to-know: the third organisation's designated officer sees it, its other officers do not;
    # the originator's responder does not see the onward copy.
    assert visible_disclosures(user=parties.do_c).filter(pk=new.pk).exists()
    assert not visible_disclosures(user=parties.officer_c).filter(pk=new.pk).exists()
    assert not visible_disclosures(user=parties.assignee).filter(pk=new.pk).exists()
    page = parties.client("do_c").get(reverse("sharing:request_detail", args=[new.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Onward disclosure." in body and "which originated it and keeps ownership" in body
    assert "Three call-outs to the address in March." in body and "A tenancy warning in April." not in body
    assert "Restricted" in body  # the marking banner of the release
    # Shared once only.
    with pytest.raises(ValidationError, match="already been shared"):
        share(parties, onward)


def test_declined_onward_disclosure_lets_nothing_leave(parties, released):
    onward = ask(parties, released)
    decide_onward(parties, onward, who="do_b", approved=False, reasons="The landlord has no need for the opinion.")
    onward.refresh_from_db()
    assert onward.status == OnwardStatus.DECLINED
    assert DecisionLogEntry.objects.get(action="onward.declined").reasons == "The landlord has no need for the opinion."
    before = DisclosureRequest.objects.count()
    with pytest.raises(ValidationError, match="Only an approved"):
        share(parties, onward)
    assert DisclosureRequest.objects.count() == before
    assert not DecisionLogEntry.objects.filter(action="onward.shared").exists()
    assert not visible_disclosures(user=parties.do_c).exists()
    response = parties.client("requester").get(reverse("sharing:onward_share", args=[released.pk, onward.pk]))
    assert response.status_code == 302


def test_a_pending_request_cannot_be_shared(parties, released):
    onward = ask(parties, released)
    with pytest.raises(ValidationError):
        share(parties, onward)


def test_only_items_from_the_holding_organisation_can_be_asked_for(parties, released):
    from_c = items_of(released, parties.c)
    with pytest.raises(ValidationError) as excinfo:
        ask(parties, released, items=from_c)
    assert "only the organisation an item came from" in excinfo.value.message_dict["items"][0]
    with pytest.raises(ValidationError) as excinfo:
        ask(parties, released, items=[])
    assert "items" in excinfo.value.message_dict


def test_destination_and_purpose_are_checked(parties, released):
    with pytest.raises(ValidationError) as excinfo:
        ask(parties, released, to=parties.b)
    assert "to_organisation" in excinfo.value.message_dict
    member_set(parties.c, sharing_suspended=True)
    with pytest.raises(ValidationError) as excinfo:
        ask(parties, released)
    assert "suspended" in excinfo.value.message_dict["to_organisation"][0]
    member_set(parties.c, sharing_suspended=False)
    with pytest.raises(ValidationError) as excinfo:
        ask(parties, released, purpose=None)
    assert "purpose" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        ask(parties, released, reasons=" ")
    assert "reasons" in excinfo.value.message_dict


def test_who_asks_and_who_decides(parties, released):
    with pytest.raises(Http404):  # no need-to-know on the request
        ask(parties, released, who="officer_a")
    for who in ("assignee", "do_b"):
        with pytest.raises(PermissionDenied):
            ask(parties, released, who=who)
    onward = ask(parties, released, who="do_a")  # A's designated officer may ask too
    for who in ("requester", "do_a"):
        with pytest.raises(PermissionDenied):
            decide_onward(parties, onward, who=who)
    with pytest.raises(Http404):
        decide_onward(parties, onward, who="officer_b")
    decide_onward(parties, onward, who="do_b")
    with pytest.raises(ValidationError, match="already been decided"):
        decide_onward(parties, onward, who="assignee")
    for who in ("assignee", "do_b"):
        with pytest.raises(PermissionDenied):
            share(parties, onward, who=who)
    assert share(parties, onward, who="do_a").status == Status.RELEASED


def test_nothing_to_share_before_a_release(parties):
    req = assigned(parties)
    with pytest.raises(ValidationError, match="Nothing has been released"):
        ask(parties, req, items=[])


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------


def test_the_whole_journey_through_the_pages(parties, released):
    req = released
    requester = parties.client("requester")
    detail = requester.get(reverse("sharing:request_detail", args=[req.pk])).content.decode()
    assert "Ask to share onward" in detail
    url = reverse("sharing:onward_request", args=[req.pk])
    page = requester.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "Three call-outs" in body and "A tenancy warning in April." not in body  # only B's items offered
    assert "RESTRICTED" in body  # the marking banner of the release
    empty = requester.post(url, {})
    assert empty.status_code == 200 and "Select the items you want to share onward" in empty.content.decode()
    purpose = req.protocol_pack.purposes.order_by("order").first()
    b_items = items_of(req, parties.b)
    done = requester.post(
        url,
        {
            "items": [str(b_items[0].pk)],
            "to_organisation": str(parties.c.pk),
            "purpose": str(purpose.pk),
            "reasons": "Tenancy risk assessment.",
        },
    )
    assert done.status_code == 302
    onward = OnwardRequest.objects.get(request=req)
    assert list(onward.items.all()) == [b_items[0]]

    assignee = parties.client("assignee")
    detail = assignee.get(reverse("sharing:request_detail", args=[req.pk])).content.decode()
    assert "Decide the onward disclosure request" in detail and "Onward disclosure" in detail
    decide_url = reverse("sharing:onward_decide", args=[req.pk, onward.pk])
    assert assignee.get(decide_url).status_code == 200
    assert assignee.post(decide_url, {}).status_code == 200
    assert assignee.post(decide_url, {"outcome": "approve", "reasons": "Fine."}).status_code == 302

    detail = requester.get(reverse("sharing:request_detail", args=[req.pk])).content.decode()
    assert f"Share onward with {parties.c.name}" in detail
    share_url = reverse("sharing:onward_share", args=[req.pk, onward.pk])
    page = requester.get(share_url)
    assert page.status_code == 200 and "with the consent of Stockport Council" in page.content.decode()
    shared = requester.post(share_url)
    assert shared.status_code == 302
    onward.refresh_from_db()
    assert shared["Location"] == reverse("sharing:request_detail", args=[onward.resulting_request_id])
    assert parties.client("do_c").get(shared["Location"]).status_code == 200


def test_who_may_open_the_onward_pages(parties, released):
    onward = ask(parties, released)
    request_url = reverse("sharing:onward_request", args=[released.pk])
    decide_url = reverse("sharing:onward_decide", args=[released.pk, onward.pk])
    share_url = reverse("sharing:onward_share", args=[released.pk, onward.pk])
    expected = {
        #            ask  decide share(pending: back to the request)
        "requester": (200, 403, 302),
        "do_a": (200, 403, 302),
        "assignee": (403, 200, 403),
        "do_b": (403, 200, 403),
        "officer_a": (404, 404, 404),
        "officer_b": (404, 404, 404),
        "officer_c": (404, 404, 404),
        "do_c": (404, 404, 404),
        "chair": (404, 404, 404),
        "auditor": (404, 404, 404),
        "admin": (404, 404, 404),
    }
    for who, (ask_status, decide_status, share_status) in expected.items():
        client = parties.client(who)
        assert client.get(request_url).status_code == ask_status, (who, "ask")
        assert client.get(decide_url).status_code == decide_status, (who, "decide")
        assert client.get(share_url).status_code == share_status, (who, "share")
    other = parties.request()
    assert parties.client("assignee").get(reverse("sharing:onward_decide", args=[other.pk, onward.pk])).status_code == 404


@HYPOTHESIS
@given(items=st.lists(nasty, max_size=3), to=nasty, purpose=nasty, reasons=nasty)
def test_onward_request_form_never_fails(parties, released, items, to, purpose, reasons):
    client = parties.client("requester")
    with transaction.atomic():
        response = client.post(
            reverse("sharing:onward_request", args=[released.pk]),
            {"items": items, "to_organisation": to, "purpose": purpose, "reasons": reasons},
        )
        transaction.set_rollback(True)
    assert response.status_code in (200, 302)
    assert b"<script>alert(1)</script>" not in response.content


def test_the_organisation_dropdown_offers_the_signatories_other_than_the_two(parties, released):
    """Issue 18 item 1: the "Which organisation" dropdown had no options at all, so the form could
    never be sent. It offers every signatory not suspended, other than the two on the request."""
    from tests.portal.factories import OrganisationFactory

    unsigned = OrganisationFactory(name="Unsigned Charity", signed_protocol_on=None)
    suspended = OrganisationFactory(name="Suspended Trust", sharing_suspended=True)
    body = parties.client("requester").get(reverse("sharing:onward_request", args=[released.pk])).content.decode()
    select = body[body.index('name="to_organisation"') : body.index("</select>", body.index('name="to_organisation"'))]
    assert '<option value="" selected>Choose an organisation</option>' in select
    assert f'<option value="{parties.c.pk}">{parties.c.name}</option>' in select
    for absent in (parties.a, parties.b, unsigned, suspended):
        assert f'value="{absent.pk}"' not in select, absent.name
