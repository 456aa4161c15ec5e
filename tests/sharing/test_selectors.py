"""Need-to-know (SSP 8.2; SDP 5.1 d): who may see a request's personal data."""
import pytest
from django.http import Http404
from guardian.shortcuts import assign_perm

from sharing.models import Status
from sharing.selectors import access_disclosure, visible_disclosures

pytestmark = pytest.mark.django_db

WITH_ACCESS = ("requester", "do_a", "do_b")
WITHOUT = ("officer_a", "officer_b", "officer_c", "do_c", "chair", "auditor", "admin", "assignee")


def test_submitted_request_is_seen_by_requester_and_both_designated_officers_only(parties):
    request = parties.request()
    for name in WITH_ACCESS:
        assert access_disclosure(user=getattr(parties, name), pk=request.pk) == request
    for name in WITHOUT:
        with pytest.raises(Http404):
            access_disclosure(user=getattr(parties, name), pk=request.pk)


def test_assignee_and_explicit_grants_see_it(parties):
    request = parties.request(status=Status.IN_REVIEW, assignee=parties.assignee)
    assert access_disclosure(user=parties.assignee, pk=request.pk) == request
    with pytest.raises(Http404):
        access_disclosure(user=parties.officer_c, pk=request.pk)
    assign_perm("sharing.access_disclosure", parties.officer_c, request)
    assert access_disclosure(user=parties.officer_c, pk=request.pk) == request


def test_a_draft_is_not_seen_by_the_holding_organisation(parties):
    draft = parties.request(status=Status.DRAFT, submitted_at=None)
    with pytest.raises(Http404):
        access_disclosure(user=parties.do_b, pk=draft.pk)
    assert access_disclosure(user=parties.do_a, pk=draft.pk) == draft


def test_missing_and_not_yours_look_the_same(parties):
    request = parties.request()
    for pk in (request.pk, request.pk + 10_000, "not-a-number"):
        with pytest.raises(Http404) as raised:
            access_disclosure(user=parties.officer_c, pk=pk)
        assert str(raised.value) == "No such request"


def test_deactivated_membership_gives_nothing(parties):
    request = parties.request()
    membership = parties.memberships["do_b"]
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    assert not visible_disclosures(user=parties.do_b).filter(pk=request.pk).exists()
