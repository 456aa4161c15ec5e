"""The cohort list and entries shown at the forum's meetings instead of papers (issue 14, SDP 5.8):
to attendees who are cohort members only (a member of an organisation outside the cohort sees
nothing), access-logged; leaving the cohort or the programme ends it."""
from __future__ import annotations

import pytest
from django.urls import reverse

from exchange import services as exchange
from portal.models import AccessLogEntry
from tests.meetings.conftest import world  # noqa: F401  (fixture)
from tests.meetings.factories import invite, sign_in, start
from tests.sharing.conftest import pack, parties  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world):  # noqa: F811
    """A MARAC cohort coordinated by A, with A's and B's officers as members and one person with
    B's entry; a MARAC meeting in session attended (signed in) by A's officer, B's officer and C's
    officer, who is not in the cohort."""
    w = world
    m = w.m
    cohort = exchange.cohort_create(
        membership=m.officer_a, partnership=w.pack.partnership, forum=w.meeting.forum, title="MARAC cohort",
        marking=w.meeting.marking, acting_user=m.officer_a.user,
    )
    w.member_b = exchange.cohort_member_add(cohort=cohort, member_membership=m.officer_b, acting_user=m.officer_a.user,
                                            acting_membership=m.officer_a)
    w.person = exchange.cohort_person_add(cohort=cohort, full_name="Jordan Cohortperson", date_of_birth=None,
                                          acting_user=m.officer_a.user, acting_membership=m.officer_a)
    exchange.cohort_entry_save(person=w.person, kind="risk", text="Risk entry from the council", acting_user=m.officer_b.user,
                               acting_membership=m.officer_b)
    for name in ("officer_a", "officer_b", "officer_c"):
        invite(w.meeting, m.chair, w.memberships[name])
    for name in ("officer_a", "officer_b", "officer_c"):
        sign_in(w.meeting, w.memberships[name])
    start(w.meeting, m.chair)
    w.cohort = cohort
    w.page = lambda name: w.client_for(name).get(reverse("meetings:detail", kwargs={"pk": w.meeting.pk})).content.decode()
    return w


def test_members_see_the_cohort_at_the_meeting_and_it_is_access_logged(scene):
    w = scene
    page = w.page("officer_b")
    assert "MARAC cohort" in page and "Jordan Cohortperson" in page and "Risk entry from the council" in page
    assert AccessLogEntry.objects.filter(user=w.officer_b, object_type="cohort", reference=w.cohort.reference,
                                         path=reverse("meetings:detail", kwargs={"pk": w.meeting.pk})).exists()


def test_an_attendee_outside_the_cohort_sees_nothing_of_it(scene):
    w = scene
    page = w.page("officer_c")
    assert w.meeting.title in page  # the meeting itself, yes
    assert "MARAC cohort" not in page and "Jordan Cohortperson" not in page and "Risk entry" not in page
    assert not AccessLogEntry.objects.filter(user=w.officer_c, object_type="cohort").exists()


def test_leaving_the_cohort_or_the_programme_ends_it_at_the_meeting(scene):
    w = scene
    exchange.cohort_member_end(cohort=w.cohort, member=w.member_b, acting_user=w.officer_a,
                               acting_membership=w.m.officer_a)
    page = w.page("officer_b")
    assert "MARAC cohort" not in page and "Jordan Cohortperson" not in page
    exchange.cohort_person_leave(person=w.person, reason="Moved out of the area", acting_user=w.officer_a,
                                 acting_membership=w.m.officer_a)
    page = w.page("officer_a")
    assert "MARAC cohort" in page and "Jordan Cohortperson" not in page


def test_a_cohort_of_another_forum_is_not_shown(scene):
    w = scene
    other_forum = w.pack.forums.exclude(pk=w.meeting.forum_id).first()
    exchange.cohort_create(
        membership=w.m.officer_a, partnership=w.pack.partnership, forum=other_forum, title="Channel cohort",
        marking=w.meeting.marking, acting_user=w.officer_a,
    )
    assert "Channel cohort" not in w.page("officer_a")
