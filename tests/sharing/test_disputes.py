"""Disputes (SSP 9.2): sharing.services.disputes and the two dispute pages."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from portal.accountability.services import decision_log_verify
from portal.models import AccessLogEntry, DecisionLogEntry, Notification
from sharing.models import Dispute, DisputeStatus, Outcome, Status
from sharing.services.disputes import dispute_decide, dispute_raise, dispute_view_awaited, dispute_view_record
from tests.sharing.factories import decision_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def declined(parties):
    request = parties.request(status=Status.DECLINED, assignee=parties.assignee)
    decision = decision_make(request, outcome=Outcome.DECLINED, reasons="Not proportionate.")
    return request, decision


@pytest.fixture
def partly(parties):
    request = parties.request(status=Status.PARTLY_RELEASED, assignee=parties.assignee)
    decision = decision_make(request, outcome=Outcome.PARTLY_RELEASED, items=2)
    return request, decision


def raise_as(parties, request, name="requester", grounds="The information is needed for the MARAC."):
    return dispute_raise(
        disclosure=request, grounds=grounds, acting_user=getattr(parties, name), acting_membership=parties.memberships[name]
    )


def view_as(parties, dispute, name="do_a", view="We support the dispute: the MARAC needs it."):
    return dispute_view_record(
        dispute=dispute, view=view, acting_user=getattr(parties, name), acting_membership=parties.memberships[name]
    )


def decide_as(parties, dispute, upheld, name="do_b", reasons="Reviewed with the responder."):
    dispute.refresh_from_db()
    if dispute_view_awaited(dispute=dispute, disclosure=dispute.request):
        view_as(parties, dispute)
    return dispute_decide(
        dispute=dispute,
        upheld=upheld,
        reasons=reasons,
        acting_user=getattr(parties, name),
        acting_membership=parties.memberships[name],
    )


# Services ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["requester", "do_a"])
def test_raise_disputes_a_decline_logs_and_notifies_both_designated_officers(parties, declined, name):
    request, decision = declined
    dispute = raise_as(parties, request, name)
    request.refresh_from_db()
    assert request.status == Status.DISPUTED
    assert (dispute.status, dispute.decision, dispute.raised_by) == (DisputeStatus.OPEN, decision, getattr(parties, name))
    entry = DecisionLogEntry.objects.get(action="request.disputed")
    assert entry.reference == request.reference
    assert entry.reasons == "The information is needed for the MARAC."
    assert entry.organisation_name == parties.a.name
    assert entry.recipient_name == parties.b.name
    assert entry.details["decision_id"] == decision.pk
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"do_a", "do_b"}
    assert decision_log_verify().intact


def test_a_partial_release_can_be_disputed(parties, partly):
    request, _ = partly
    raise_as(parties, request)
    request.refresh_from_db()
    assert request.status == Status.DISPUTED


@pytest.mark.parametrize("name", ["assignee", "do_b"])
def test_the_holding_side_cannot_raise_a_dispute(parties, declined, name):
    request, _ = declined
    with pytest.raises(PermissionDenied):
        raise_as(parties, request, name)


def test_no_access_is_404_from_the_service_too(parties, declined):
    from django.http import Http404

    request, _ = declined
    with pytest.raises(Http404):
        raise_as(parties, request, "officer_a")


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.IN_REVIEW, Status.RELEASED, Status.WITHDRAWN])
def test_only_a_decline_or_partial_release_can_be_disputed(parties, status):
    request = parties.request(status=status, assignee=parties.assignee)
    if status == Status.RELEASED:
        decision_make(request, outcome=Outcome.RELEASED)
    with pytest.raises(ValidationError, match="declined or partly released"):
        raise_as(parties, request)
    assert not DecisionLogEntry.objects.filter(reference=request.reference).exists()


def test_grounds_are_required(parties, declined):
    request, _ = declined
    with pytest.raises(ValidationError) as error:
        raise_as(parties, request, grounds="   ")
    assert "grounds" in error.value.error_dict
    request.refresh_from_db()
    assert request.status == Status.DECLINED


def test_uphold_returns_to_the_decision_and_notifies(parties, declined):
    request, _ = declined
    dispute = view_as(parties, raise_as(parties, request))
    Notification.objects.all().delete()
    decided = decide_as(parties, dispute, upheld=True)
    request.refresh_from_db()
    assert request.status == Status.DECLINED
    assert (decided.status, decided.decided_by, decided.decision_reasons) == (
        DisputeStatus.UPHELD,
        parties.do_b,
        "Reviewed with the responder.",
    )
    assert decided.decided_at is not None
    entry = DecisionLogEntry.objects.get(action="dispute.upheld")
    assert (entry.organisation_name, entry.recipient_name) == (parties.b.name, parties.a.name)
    # Both designated officers resolved it: the requesting side's one is told the outcome too.
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"requester", "assignee", "do_a"}


def test_uphold_of_a_partial_release_returns_to_partly_released(parties, partly):
    request, _ = partly
    decide_as(parties, raise_as(parties, request), upheld=True)
    request.refresh_from_db()
    assert request.status == Status.PARTLY_RELEASED


def test_overturn_returns_the_request_to_review(parties, declined):
    request, _ = declined
    dispute = raise_as(parties, request, "do_a")
    decided = decide_as(parties, dispute, upheld=False, reasons="The purpose is clear; release.")
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW
    assert decided.status == DisputeStatus.OVERTURNED
    assert DecisionLogEntry.objects.get(action="dispute.overturned").reasons == (
        "Stockport Council designated officer: The purpose is clear; release.\n\n"
        "Greater Manchester Police designated officer: The information is needed for the MARAC."  # do_a raised it
    )
    notified = set(Notification.objects.filter(subject__contains="overturned").values_list("recipient__username", flat=True))
    assert notified == {"requester", "assignee", "do_a"}
    assert decision_log_verify().intact


@pytest.mark.parametrize("name", ["do_a", "assignee", "requester"])
def test_only_the_holding_designated_officer_decides(parties, declined, name):
    request, _ = declined
    dispute = raise_as(parties, request)
    with pytest.raises(PermissionDenied):
        decide_as(parties, dispute, upheld=True, name=name)
    request.refresh_from_db()
    assert request.status == Status.DISPUTED


def test_a_dispute_is_decided_once_and_a_decision_disputed_once(parties, declined):
    request, _ = declined
    dispute = raise_as(parties, request)
    decide_as(parties, dispute, upheld=True)
    with pytest.raises(ValidationError, match="already been decided"):
        decide_as(parties, dispute, upheld=False)
    with pytest.raises(ValidationError, match="already been disputed"):
        raise_as(parties, request)


# Pages ------------------------------------------------------------------------------------------


def dispute_url(request):
    return reverse("sharing:request_dispute", kwargs={"pk": request.pk})


def decide_url(request):
    return reverse("sharing:dispute_decide", kwargs={"pk": request.pk})


def test_dispute_page_journey(parties, declined):
    request, _ = declined
    client = parties.client("requester")
    page = client.get(dispute_url(request))
    assert page.status_code == 200
    assert "Not proportionate." in page.content.decode()
    empty = client.post(dispute_url(request), {"grounds": ""})
    assert empty.status_code == 200
    body = empty.content.decode()
    assert "There is a problem" in body and 'href="#id_grounds"' in body
    assert "Enter why you dispute the decision" in body
    done = client.post(dispute_url(request), {"grounds": "Needed for MARAC"})
    assert done.status_code == 302 and done.url == reverse("sharing:request_detail", kwargs={"pk": request.pk})
    request.refresh_from_db()
    assert request.status == Status.DISPUTED
    banner = client.get(done.url).content.decode().split("govuk-notification-banner__content")[1].split("</div>")[0]
    assert "What happens next" in banner and "resolve it together" in banner
    assert parties.do_a.display_name in banner and parties.do_b.display_name in banner
    assert "needed by" in banner or "no date set" in banner
    assert AccessLogEntry.objects.filter(reference=request.reference, kind="view").exists()


@pytest.mark.parametrize(
    "name,expected",
    [("assignee", 403), ("do_b", 403), ("officer_a", 404), ("officer_b", 404), ("do_c", 404), ("admin", 404)],
)
def test_dispute_page_refuses_others(parties, declined, name, expected):
    request, _ = declined
    client = parties.client(name)
    assert client.get(dispute_url(request)).status_code == expected
    assert client.post(dispute_url(request), {"grounds": "x"}).status_code == expected
    request.refresh_from_db()
    assert request.status == Status.DECLINED


def test_dispute_page_redirects_when_nothing_can_be_disputed(parties):
    request = parties.request(status=Status.IN_REVIEW, assignee=parties.assignee)
    response = parties.client("requester").get(dispute_url(request))
    assert response.status_code == 302


def test_decide_page_journey_overturn(parties, declined):
    request, _ = declined
    view_as(parties, raise_as(parties, request))
    client = parties.client("do_b")
    page = client.get(decide_url(request))
    assert page.status_code == 200 and "The information is needed for the MARAC." in page.content.decode()
    empty = client.post(decide_url(request), {})
    body = empty.content.decode()
    assert empty.status_code == 200
    assert "Select whether you uphold or overturn the decision" in body
    assert "Enter the reasons for your decision" in body
    kept = client.post(decide_url(request), {"outcome": "overturn", "reasons": ""})
    assert 'value="overturn" checked' in kept.content.decode()
    done = client.post(decide_url(request), {"outcome": "overturn", "reasons": "Release it."})
    assert done.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW
    assert Dispute.objects.get().status == DisputeStatus.OVERTURNED


@pytest.mark.parametrize(
    "name,expected",
    [("do_a", 403), ("requester", 403), ("assignee", 403), ("officer_b", 404), ("officer_a", 404), ("do_c", 404),
     ("chair", 404), ("auditor", 404)],
)
def test_decide_page_refuses_others(parties, declined, name, expected):
    request, _ = declined
    raise_as(parties, request)
    client = parties.client(name)
    assert client.get(decide_url(request)).status_code == expected
    assert client.post(decide_url(request), {"outcome": "uphold", "reasons": "x"}).status_code == expected
    request.refresh_from_db()
    assert request.status == Status.DISPUTED


def test_decide_button_for_the_holding_designated_officer(parties, declined):
    request, _ = declined
    raise_as(parties, request)
    detail = reverse("sharing:request_detail", kwargs={"pk": request.pk})
    assert decide_url(request) in parties.client("do_b").get(detail).content.decode()
    assert decide_url(request) not in parties.client("do_a").get(detail).content.decode()
    assert "The information is needed for the MARAC." in parties.client("do_a").get(detail).content.decode()


# Both designated officers (SSP 9.2; issue 18 item 3) -------------------------------------------


def view_url(request):
    return reverse("sharing:dispute_view", args=[request.pk])


def test_the_two_designated_officers_resolve_it_and_the_log_keeps_both_views(parties, declined):
    request, _ = declined
    dispute = raise_as(parties, request)
    with pytest.raises(ValidationError, match="Wait for the view of Greater Manchester Police"):
        dispute_decide(
            dispute=dispute, upheld=True, reasons="Early.", acting_user=parties.do_b,
            acting_membership=parties.memberships["do_b"],
        )
    detail = reverse("sharing:request_detail", args=[request.pk])
    do_a = parties.client("do_a")
    assert "Give your view on the dispute" in do_a.get(detail).content.decode()
    empty = do_a.post(view_url(request), {})
    assert empty.status_code == 200 and "Enter your view of the dispute" in empty.content.decode()
    assert do_a.post(view_url(request), {"view": "We support it: the risk is current."}).status_code == 302
    entry = DecisionLogEntry.objects.get(action="dispute.view_recorded")
    assert entry.reasons == "We support it: the risk is current." and entry.organisation_name == parties.a.name
    assert "Give your view on the dispute" not in do_a.get(detail).content.decode()
    assert do_a.get(view_url(request)).status_code == 302  # recorded once
    do_b = parties.client("do_b")
    page = do_b.get(decide_url(request)).content.decode()
    assert "We support it: the risk is current." in page
    assert do_b.post(decide_url(request), {"outcome": "uphold", "reasons": "Still not proportionate."}).status_code == 302
    entry = DecisionLogEntry.objects.get(action="dispute.upheld")
    assert "Stockport Council designated officer: Still not proportionate." in entry.reasons
    assert "Greater Manchester Police designated officer: We support it: the risk is current." in entry.reasons
    assert entry.details["requesting_officer_id"] == parties.do_a.pk
    assert entry.details["holding_officer_id"] == parties.do_b.pk
    assert decision_log_verify().intact
    assert "We support it: the risk is current." in parties.client("requester").get(detail).content.decode()


def test_a_dispute_raised_by_the_requesting_designated_officer_carries_their_view(parties, declined):
    request, _ = declined
    dispute = raise_as(parties, request, "do_a", grounds="Needed for the MARAC.")
    assert not dispute_view_awaited(dispute=dispute, disclosure=request)
    assert parties.client("do_a").get(view_url(request)).status_code == 302
    dispute_decide(
        dispute=dispute, upheld=False, reasons="Release it.", acting_user=parties.do_b,
        acting_membership=parties.memberships["do_b"],
    )
    reasons = DecisionLogEntry.objects.get(action="dispute.overturned").reasons
    assert "Greater Manchester Police designated officer: Needed for the MARAC." in reasons


@pytest.mark.parametrize(
    "name,expected",
    [("do_b", 403), ("requester", 403), ("assignee", 403), ("officer_a", 404), ("do_c", 404), ("chair", 404),
     ("auditor", 404)],
)
def test_view_page_refuses_others(parties, declined, name, expected):
    request, _ = declined
    raise_as(parties, request)
    client = parties.client(name)
    assert client.get(view_url(request)).status_code == expected
    assert client.post(view_url(request), {"view": "x"}).status_code == expected
