"""Shared case workspaces (IOM, SDP 5.8): the cohort's members from several organisations see its
people; each organisation adds and changes only its own entries, with the history of who changed
what; a member of an organisation outside the cohort sees nothing; ending a member's access or a
person leaving the programme ends what they see; entries follow retention."""
from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from exchange.models import Cohort, CohortEntry, CohortPerson
from portal.models import AccessLogEntry, DecisionLogEntry, HeldCopy
from portal.retention.services import retention_destroy_now
from portal.roles import Role
from tests.conftest import sign_in_fully
from tests.dates import date_parts
from tests.portal.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def iom(world):
    w = world
    w.police = sign_in_fully(Client(), w.officer_a.user)
    forum = w.pack.forums.order_by("order").first()
    marking = w.pack.marking_levels.get(code="restricted")
    response = w.police.post(reverse("exchange:cohort_new"), {"title": "IOM fixed cohort", "forum": forum.pk,
                                                              "marking": marking.pk})
    assert response.status_code == 302, response.content.decode()[:3000]
    w.cohort = Cohort.objects.get()
    w.url = reverse("exchange:cohort_detail", kwargs={"pk": w.cohort.pk})
    assert w.police.post(reverse("exchange:cohort_member_add", kwargs={"pk": w.cohort.pk}),
                         {"member": w.officer_b.pk}).status_code == 302
    w.council = sign_in_fully(Client(), w.officer_b.user)
    w.outsider_membership = MembershipFactory(organisation=w.c, role=Role.DESIGNATED_OFFICER)
    w.outsider = sign_in_fully(Client(), w.outsider_membership.user)
    assert w.police.post(reverse("exchange:cohort_person_add", kwargs={"pk": w.cohort.pk}),
                         {"full_name": "Jordan Quintessa Example", **date_parts("date_of_birth", "01/04/1990")}).status_code == 302
    w.person = CohortPerson.objects.get()
    return w


def entry(w, client, kind, text):
    return client.post(reverse("exchange:cohort_entry_save", kwargs={"pk": w.cohort.pk, "person_pk": w.person.pk}),
                       {"kind": kind, "text": text})


def test_members_of_two_organisations_each_keep_their_own_entries_with_history(iom):
    w = iom
    assert entry(w, w.police, "risk", "High risk of reoffending").status_code == 302
    assert entry(w, w.council, "actions", "Housing referral made").status_code == 302
    assert entry(w, w.police, "risk", "Medium risk after review").status_code == 302
    page = w.council.get(w.url).content.decode()
    assert "Jordan Quintessa Example" in page and "Medium risk after review" in page and "Housing referral made" in page
    assert "High risk of reoffending" in page  # the history of the police entry
    risk = CohortEntry.objects.get(kind="risk")
    assert risk.organisation == w.a and [c.text for c in risk.changes.all()] == [
        "Medium risk after review", "High risk of reoffending"]
    # The council's save of "risk" is its own entry, never a change to the police's.
    entry(w, w.council, "risk", "Council view: low risk")
    risk.refresh_from_db()
    assert risk.text == "Medium risk after review" and CohortEntry.objects.filter(kind="risk").count() == 2
    assert AccessLogEntry.objects.filter(user=w.officer_b.user, reference=w.cohort.reference, kind="view").exists()


def test_a_member_of_an_organisation_outside_the_cohort_sees_nothing(iom):
    w = iom
    assert w.outsider.get(w.url).status_code == 404
    assert "IOM fixed cohort" not in w.outsider.get(reverse("exchange:cohorts")).content.decode()
    assert entry(w, w.outsider, "risk", "Should not be stored").status_code == 404
    assert w.outsider.post(reverse("exchange:cohort_person_add", kwargs={"pk": w.cohort.pk}),
                           {"full_name": "Someone"}).status_code == 404
    assert not CohortEntry.objects.exists() and CohortPerson.objects.count() == 1


def test_ending_a_members_access_or_a_person_leaving_ends_what_is_seen(iom):
    w = iom
    member = w.cohort.members.get(membership=w.officer_b)
    assert w.police.post(reverse("exchange:cohort_member_end",
                                 kwargs={"pk": w.cohort.pk, "member_pk": member.pk})).status_code == 302
    assert w.council.get(w.url).status_code == 404
    refused = w.police.post(reverse("exchange:cohort_person_leave", kwargs={"pk": w.cohort.pk, "person_pk": w.person.pk}),
                            {"reason": ""})
    assert refused.status_code == 302 and CohortPerson.objects.get().left_at is None
    w.police.post(reverse("exchange:cohort_person_leave", kwargs={"pk": w.cohort.pk, "person_pk": w.person.pk}),
                  {"reason": "Completed the programme"})
    assert "Jordan Quintessa Example" not in w.police.get(w.url).content.decode()
    assert DecisionLogEntry.objects.filter(action="cohort.person_left", reasons="Completed the programme").exists()


def test_only_the_coordinating_organisation_adds_members(iom):
    w = iom
    response = w.council.post(reverse("exchange:cohort_member_add", kwargs={"pk": w.cohort.pk}),
                              {"member": w.outsider_membership.pk})
    assert "govuk-error-summary" in response.content.decode()
    assert w.outsider.get(w.url).status_code == 404


def test_destroying_a_persons_copy_clears_their_details_and_every_entry(iom):
    w = iom
    entry(w, w.police, "risk", "High risk of reoffending")
    copy = HeldCopy.objects.get(content_type="exchange.cohort_person", content_id=w.person.pk)
    assert copy.holder_id == w.a.pk
    retention_destroy_now(content_type="exchange.cohort_person", content_ids=[w.person.pk], reasons="Test",
                          trigger="command")
    w.person.refresh_from_db()
    assert w.person.full_name == "" and w.person.destroyed_at is not None
    assert not CohortEntry.objects.exists()
    assert "High risk" not in w.police.get(w.url).content.decode()
