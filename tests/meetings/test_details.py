"""Changing a meeting's details (meetings.services.meeting_details_update, meetings.views.meeting_edit):
the chair changes the title, time and place while the meeting is planned, checked as at creation;
the change is decision-logged without the title's or location's text."""

from __future__ import annotations

import datetime
import html
import re
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from meetings import services
from meetings.models import MeetingStatus
from portal.models import DecisionLogEntry
from tests.meetings.factories import invite, meeting_make, sign_in, start

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


def at(year, month, day, hour, minute=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def details_entries(meeting) -> list[DecisionLogEntry]:
    return list(DecisionLogEntry.objects.filter(reference=meeting.reference, action="meeting.details_changed"))


def update(meeting, membership, **changes):
    values = dict(
        title=meeting.title,
        starts_at=meeting.starts_at,
        location=meeting.location,
        is_online=meeting.is_online,
    )
    values.update(changes)
    return services.meeting_details_update(
        meeting=meeting, acting_user=membership.user, acting_membership=membership, **values
    )


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def edit_url(meeting) -> str:
    return f"/meetings/{meeting.pk}/edit/"


# --- the service -----------------------------------------------------------------------------


def test_the_chair_changes_the_details_and_the_change_is_logged_without_its_text(world):
    meeting, chair = world.meeting, world.m.chair
    before = meeting.starts_at
    meeting = update(
        meeting,
        chair,
        title="  MARAC, April (moved)  ",
        starts_at=at(2026, 4, 14, 10, 30),
        location="Room 4, Stopford House",
        is_online=True,
    )
    meeting.refresh_from_db()
    assert meeting.title == "MARAC, April (moved)"
    assert timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M") == "2026-04-14 10:30"
    assert meeting.location == "Room 4, Stopford House" and meeting.is_online
    assert meeting.where == "Online (Room 4, Stopford House)"
    [entry] = details_entries(meeting)
    assert entry.actor == world.chair and entry.organisation == world.b
    assert entry.details == {
        "meeting_id": meeting.pk,
        "changed": ["title", "starts_at", "location", "is_online"],
        "starts_at": {
            "from": timezone.localtime(before).isoformat(timespec="minutes"),
            "to": "2026-04-14T10:30+01:00",
        },
        "is_online": {"from": False, "to": True},
    }
    assert entry.reasons == "The chair changed the meeting's title, date and time, location, online or not."
    logged = entry.reasons + str(entry.details)
    assert "MARAC, April" not in logged and "Stopford" not in logged and "Fred Perry" not in logged


def test_only_what_changed_is_named_and_nothing_changed_logs_nothing(world):
    meeting, chair = world.meeting, world.m.chair
    update(meeting, chair, title=f"  {meeting.title} ", location=f"{meeting.location} ")
    assert details_entries(meeting) == []
    update(meeting, chair, location="Town Hall")
    [entry] = details_entries(meeting)
    assert entry.details == {"meeting_id": meeting.pk, "changed": ["location"]}
    assert entry.reasons == "The chair changed the meeting's location."


def test_the_details_are_checked_as_at_creation(world):
    meeting, chair = world.meeting, world.m.chair
    with pytest.raises(ValidationError) as caught:
        update(meeting, chair, title="  ", starts_at=None, location="", is_online=False)
    assert set(caught.value.error_dict) == {"title", "starts_at", "location"}
    assert "Enter where the meeting is held, or say that it is online" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        update(meeting, chair, starts_at=datetime.datetime(2026, 4, 14, 10, 0))  # naive
    assert set(caught.value.error_dict) == {"starts_at"}
    with pytest.raises(ValidationError) as caught:
        update(meeting, chair, title="x" * 201, location="y" * 301)
    assert set(caught.value.error_dict) == {"title", "location"}
    meeting.refresh_from_db()
    assert meeting.title == "MARAC, March" and meeting.location == "Fred Perry House, Stockport"
    assert details_entries(meeting) == []
    # Online with no location is allowed, as at creation.
    assert update(meeting, chair, location="", is_online=True).where == "Online"


def test_only_while_the_meeting_is_planned(world, django_capture_on_commit_callbacks):
    meeting, chair = world.meeting, world.m.chair
    invite(meeting, chair, world.m.officer_a)
    sign_in(meeting, world.m.officer_a)
    start(meeting, chair)
    with pytest.raises(ValidationError, match="in session: its details can only be changed before it is in session"):
        update(meeting, chair, title="Too late")
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_close(meeting=meeting, acting_user=chair.user, acting_membership=chair)
    with pytest.raises(ValidationError, match="closed: its details can only be changed"):
        update(meeting, chair, title="Too late")
    meeting.refresh_from_db()
    assert meeting.title == "MARAC, March" and details_entries(meeting) == []


def test_only_the_meetings_own_chair_acting_as_chair(world):
    meeting = world.meeting
    with pytest.raises(Http404):  # another chair cannot even see it
        update(meeting, world.m.other_chair, title="Mine now")
    invite(meeting, world.m.chair, world.m.officer_a)
    with pytest.raises(ValidationError, match="Only the meeting's chair"):
        update(meeting, world.m.officer_a, title="Mine now")
    meeting.refresh_from_db()
    assert meeting.title == "MARAC, March"


# --- the page --------------------------------------------------------------------------------


def test_the_chair_changes_the_details_from_the_meeting_page(world):
    meeting = world.meeting
    client = world.client_for("chair")
    detail = client.get(f"/meetings/{meeting.pk}/")
    assert f'href="{edit_url(meeting)}"' in detail.content.decode() and "Change details" in text(detail)
    page = client.get(edit_url(meeting))
    assert page.status_code == 200
    body = page.content.decode()
    local = timezone.localtime(meeting.starts_at)
    assert 'value="MARAC, March"' in body and 'value="Fred Perry House, Stockport"' in body
    assert f'value="{local:%H:%M}"' in body and 'type="time"' in body
    assert f'value="{local:%d/%m/%Y}"' in body
    assert 'name="forum"' not in body and 'name="marking"' not in body  # not changed here
    response = client.post(
        edit_url(meeting),
        {"title": "MARAC, April", "date": "14/04/2026", "time": "09:15", "location": "", "is_online": "on"},
    )
    assert response.status_code == 302 and response["Location"] == f"/meetings/{meeting.pk}/"
    after = client.get(response["Location"])
    shown = text(after)
    assert "The meeting's details are changed" in shown
    assert "MARAC, April" in shown and "Tuesday 14 April 2026, 09:15" in shown and "Online" in shown
    assert len(details_entries(meeting)) == 1
    # Saving the form unchanged says so and logs nothing more.
    response = client.post(
        edit_url(meeting),
        {"title": "MARAC, April", "date": "14/04/2026", "time": "09:15", "location": "", "is_online": "on"},
    )
    assert "Nothing was changed" in text(client.get(response["Location"]))
    assert len(details_entries(meeting)) == 1


def test_errors_keep_what_was_typed(world):
    meeting = world.meeting
    client = world.client_for("chair")
    response = client.post(
        edit_url(meeting), {"title": "Keep <me>", "date": "31/02/2026", "time": "25:99", "location": "Here & there"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body and "<title>Error: " in body
    assert "Enter a real date" in body and "Enter a time like 14:30" in body
    assert 'value="Keep &lt;me&gt;"' in body and 'value="Here &amp; there"' in body
    assert 'value="31/02/2026"' in body and 'value="25:99"' in body
    # The service's rule (a place unless online) comes back on the field, with the rest kept.
    response = client.post(edit_url(meeting), {"title": "Kept", "date": "14/04/2026", "time": "10:00", "location": ""})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Enter where the meeting is held, or say that it is online" in body and 'value="Kept"' in body
    # The hour the clocks skip is refused, not a 500.
    response = client.post(
        edit_url(meeting), {"title": "Kept", "date": "29/03/2026", "time": "01:30", "location": "X"}
    )
    assert "That time does not exist on that date" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.title == "MARAC, March" and details_entries(meeting) == []


@pytest.mark.parametrize(
    "title, location, message",
    [
        ("x" * 201, "Here", "Title must be 200 characters or fewer"),
        ("Null \x00 byte", "Here", "Null characters are not allowed"),
        ("Fine", "y" * 301, "Location must be 300 characters or fewer"),
        ("", "Here", "Enter the meeting&#x27;s title"),
    ],
)
def test_hostile_input_is_refused_with_a_message_not_a_500(world, title, location, message):
    client = world.client_for("chair")
    response = client.post(
        edit_url(world.meeting), {"title": title, "date": "14/04/2026", "time": "10:00", "location": location}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    world.meeting.refresh_from_db()
    assert world.meeting.title == "MARAC, March"


def test_markup_in_the_details_is_shown_as_text(world):
    client = world.client_for("chair")
    response = client.post(
        edit_url(world.meeting),
        {"title": '"><script>alert(1)</script>', "date": "14/04/2026", "time": "10:00", "location": "<b>Hall</b>"},
    )
    assert response.status_code == 302
    body = client.get(f"/meetings/{world.meeting.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in body and "<b>Hall</b>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "&lt;b&gt;Hall&lt;/b&gt;" in body


def test_once_in_session_the_page_redirects_with_the_reason(world):
    meeting, chair = world.meeting, world.m.chair
    invite(meeting, chair, world.m.officer_a)
    sign_in(meeting, world.m.officer_a)
    start(meeting, chair)
    client = world.client_for("chair")
    assert "Change details" not in text(client.get(f"/meetings/{meeting.pk}/"))
    for response in (
        client.get(edit_url(meeting)),
        client.post(edit_url(meeting), {"title": "Too late", "date": "14/04/2026", "time": "10:00", "location": "X"}),
    ):
        assert response.status_code == 302 and response["Location"] == f"/meetings/{meeting.pk}/"
    assert "The meeting's details can only be changed before it is in session" in text(
        client.get(f"/meetings/{meeting.pk}/")
    )
    meeting.refresh_from_db()
    assert meeting.title == "MARAC, March" and meeting.status == MeetingStatus.IN_SESSION


def test_on_a_planned_meeting_only_its_chair_gets_the_page(world):
    meeting = world.meeting
    invite(meeting, world.m.chair, world.m.officer_a)
    officer = world.client_for("officer_a")
    assert "Change details" not in text(officer.get(f"/meetings/{meeting.pk}/"))
    assert officer.get(edit_url(meeting)).status_code == 403
    assert officer.post(edit_url(meeting), {"title": "Mine"}).status_code == 403
    assert world.client_for("other_chair").get(edit_url(meeting)).status_code == 404
    assert world.client_for("officer_b").get(edit_url(meeting)).status_code == 404
    # The page has no inline style or unnonced script (the CSP allows neither).
    page = world.client_for("chair").get(edit_url(meeting)).content.decode()
    assert not re.search(r"<style\b|\sstyle=|\sonclick=", page)
    for attrs in re.findall(r"<script\b([^>]*)>", page):
        assert "nonce=" in attrs or "src=" in attrs
    # Another of the chair's meetings is not this one's page.
    other = meeting_make(world.m.other_chair, title="Other")
    assert world.client_for("chair").get(edit_url(other)).status_code == 404


def test_invited_people_are_told_when_the_time_or_place_changes_but_not_the_title(world):
    from portal.models import Notification

    invite(world.meeting, world.m.chair, world.m.officer_a)
    Notification.objects.all().delete()  # the invitation's own email
    update(world.meeting, world.m.chair, title="MARAC, renamed")
    assert not Notification.objects.exists()
    update(world.meeting, world.m.chair, location="Town Hall, room 2")
    [note] = Notification.objects.all()
    assert note.recipient == world.officer_a and note.reference == world.meeting.reference
    assert "Town Hall" not in note.subject and note.path == f"/meetings/{world.meeting.pk}/"
