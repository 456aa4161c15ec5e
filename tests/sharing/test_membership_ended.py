"""Need-to-know lasts only as long as the case role in the organisation concerned (DOMAIN §3):
an officer whose membership ended loses the requests they raised or were assigned, cannot act on
them, and their open work is flagged to the organisation's designated officers for reassignment."""
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.models import DecisionLogEntry
from portal.roles import Role
from portal.services.accounts import membership_end
from sharing.models import Status
from sharing.selectors import visible_disclosures
from sharing.services import decide
from tests.portal.factories import MembershipFactory
from tests.sharing.test_decide import ready

pytestmark = pytest.mark.django_db


def end(parties, name):
    membership_end(membership=parties.memberships[name], acting_user=parties.admin)


def test_an_assignee_whose_membership_ended_sees_and_decides_nothing_and_the_request_is_flagged(
    parties, django_capture_on_commit_callbacks
):
    req = ready(parties)
    # Moved to another organisation (probation): the council's case stays the council's.
    MembershipFactory(user=parties.assignee, organisation=parties.c, role=Role.OFFICER)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        end(parties, "assignee")

    assert not visible_disclosures(user=parties.assignee).filter(pk=req.pk).exists()
    with pytest.raises(ValidationError, match="Only the officer this request is assigned to can decide it"):
        decide.disclosure_decide(
            disclosure=req, outcome="declined", reasons="Not needed", acting_user=parties.assignee
        )
    req.refresh_from_db()
    assert req.status == Status.IN_REVIEW

    entry = DecisionLogEntry.objects.get(reference=req.reference, action="request.officer_left")
    assert entry.organisation_name == parties.b.name
    assert "assigned officer" in entry.reasons
    assert [m.to for m in mail.outbox] == [[parties.do_b.email]]
    assert req.reference in mail.outbox[0].subject and parties.assignee.email not in mail.outbox[0].body


def test_over_http_the_ended_officer_gets_404_on_the_request_and_its_decision_page(parties):
    req = ready(parties)
    other = MembershipFactory(user=parties.assignee, organisation=parties.c, role=Role.OFFICER)
    parties.memberships["assignee_at_c"] = other
    end(parties, "assignee")
    client = parties.client("assignee_at_c")
    assert client.get(reverse("sharing:request_detail", args=[req.pk])).status_code == 404
    response = client.post(reverse("sharing:request_decide", args=[req.pk]), {"outcome": "declined", "reasons": "x"})
    assert response.status_code in (403, 404)
    req.refresh_from_db()
    assert req.status == Status.IN_REVIEW


def test_a_requester_whose_membership_ended_loses_the_request_and_a_new_role_there_gives_it_back(parties):
    req = parties.request()
    MembershipFactory(user=parties.requester, organisation=parties.c, role=Role.OFFICER)
    end(parties, "requester")
    assert not visible_disclosures(user=parties.requester).filter(pk=req.pk).exists()
    assert DecisionLogEntry.objects.filter(reference=req.reference, action="request.officer_left").exists()

    MembershipFactory(user=parties.requester, organisation=parties.a, role=Role.DESIGNATED_OFFICER)
    assert visible_disclosures(user=parties.requester).filter(pk=req.pk).exists()


def test_a_role_change_inside_the_organisation_keeps_the_work_and_flags_nothing(parties):
    req = ready(parties)
    MembershipFactory(user=parties.assignee, organisation=parties.b, role=Role.DESIGNATED_OFFICER)
    end(parties, "assignee")
    assert visible_disclosures(user=parties.assignee).filter(pk=req.pk).exists()
    assert not DecisionLogEntry.objects.filter(action="request.officer_left").exists()


def test_decided_requests_are_not_flagged(parties):
    req = ready(parties)
    decide.disclosure_decide(disclosure=req, outcome="declined", reasons="Not needed", acting_user=parties.assignee)
    end(parties, "assignee")
    assert not DecisionLogEntry.objects.filter(action="request.officer_left").exists()


def test_the_grant_an_assignment_gave_goes_with_the_membership_even_on_a_decided_request(parties):
    req = ready(parties)
    decide.disclosure_decide(disclosure=req, outcome="declined", reasons="Not needed", acting_user=parties.assignee)
    MembershipFactory(user=parties.assignee, organisation=parties.c, role=Role.OFFICER)
    assert visible_disclosures(user=parties.assignee).filter(pk=req.pk).exists()
    end(parties, "assignee")
    assert not visible_disclosures(user=parties.assignee).filter(pk=req.pk).exists()
