"""meetings/models.py and meetings/lifecycle.py: the transition table, signings that count,
what a row must hold."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from meetings import lifecycle
from meetings.models import Attendee, MeetingStatus
from meetings.selectors import access_meeting, visible_meetings
from tests.meetings.factories import invite, invite_guest, sign_in

pytestmark = pytest.mark.django_db


def test_the_transition_table():
    assert lifecycle.TRANSITIONS == {
        MeetingStatus.PLANNED: {MeetingStatus.IN_SESSION, MeetingStatus.CLOSED},
        MeetingStatus.IN_SESSION: {MeetingStatus.CLOSED},
        MeetingStatus.CLOSED: set(),
    }


def test_transition_refuses_what_the_table_does_not_allow(world):
    meeting = world.meeting
    move = {"acting_user": world.chair, "organisation": world.b, "event": "meeting.closed", "reasons": "Closed."}
    lifecycle.transition(meeting, MeetingStatus.CLOSED, **move)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED
    with pytest.raises(ValidationError, match="This meeting is closed: it cannot be moved to in session"):
        lifecycle.transition(meeting, MeetingStatus.IN_SESSION, **move)


def test_a_signing_counts_only_at_the_meetings_current_level(world):
    meeting = world.meeting
    invite(meeting, world.m.chair, world.m.officer_a)
    attendee = sign_in(meeting, world.m.officer_a)
    assert attendee.signed_for(meeting)
    meeting.marking = world.pack.marking_levels.get(code="protect")
    assert not attendee.signed_for(meeting)


def test_an_attendee_is_a_user_or_a_named_person_and_a_user_is_invited_once(world):
    meeting = world.meeting
    with transaction.atomic(), pytest.raises(IntegrityError):
        Attendee.objects.create(meeting=meeting, invited_by=world.chair)
    with transaction.atomic(), pytest.raises(IntegrityError):
        Attendee.objects.create(meeting=meeting, user=world.chair, invited_by=world.chair)
    guest = invite_guest(meeting, world.m.chair)
    assert not guest.has_account and guest.display_name == "Alex Morgan"


def test_meetings_are_visible_to_their_chair_and_invited_users_only(world):
    meeting = world.meeting
    invite(meeting, world.m.chair, world.m.officer_a)
    assert list(visible_meetings(user=world.chair)) == [meeting]
    assert list(visible_meetings(user=world.officer_a)) == [meeting]
    for user in (world.other_chair, world.officer_b, world.do_b, world.auditor, world.admin):
        assert not visible_meetings(user=user).exists()
    from django.http import Http404

    for pk in (meeting.pk, "nonsense", None, 10**12):
        with pytest.raises(Http404):
            access_meeting(user=world.other_chair, pk=pk)
    world.officer_a.is_active = False
    world.officer_a.save()
    assert not visible_meetings(user=world.officer_a).exists()


def test_where(world):
    meeting = world.meeting
    assert meeting.where == "Fred Perry House, Stockport"
    meeting.is_online = True
    assert meeting.where == "Online (Fred Perry House, Stockport)"
    meeting.location = ""
    assert meeting.where == "Online"
