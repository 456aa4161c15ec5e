"""meetings/views.py: the pages a chair and attendees use, their errors, access logs and query counts."""

from __future__ import annotations

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from guardian.shortcuts import assign_perm

from meetings import services
from meetings.models import Attendee, Meeting, MeetingStatus, Paper
from portal.models import AccessLogEntry, DecisionLogEntry
from tests.meetings.factories import invite, invite_guest, meeting_make, pdf_bytes, sign_in, start, upload
from tests.portal.factories import MembershipFactory
from tests.sharing.test_marked_downloads import pages_text

pytestmark = pytest.mark.django_db


def url(meeting, name="", *args):
    base = f"/meetings/{meeting.pk}/"
    return base + name + "".join(f"{a}/" for a in args)


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def marking_banners(response) -> int:
    return response.content.decode().count('class="portal-marking"')


# --- creating a meeting ----------------------------------------------------------------------


def test_a_chair_creates_a_meeting(world):
    client = world.client_for("chair")
    page = client.get("/meetings/new/")
    assert page.status_code == 200
    body = text(page)
    assert "Multi Agency Risk Assessment Conference (MARAC)" in body
    assert "Restricted – data to be shared is personal data about an offender, victim or witness" in body
    assert "considerable infringement on personal liberties" in body  # definitions shown
    marac = world.pack.forums.get(code="marac")
    restricted = world.pack.marking_levels.get(code="restricted")
    response = client.post(
        "/meetings/new/",
        {
            "forum": marac.pk,
            "title": "MARAC April",
            "date": "2026-04-14",
            "time": "10:00",
            "location": "Town Hall",
            "marking": restricted.pk,
        },
    )
    meeting = Meeting.objects.get(title="MARAC April")
    assert response.status_code == 302 and response["Location"] == f"/meetings/{meeting.pk}/"
    assert timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M") == "2026-04-14 10:00"
    assert meeting.chair == world.chair and meeting.marking == restricted


def test_bad_input_gives_the_error_summary_and_keeps_what_was_typed(world):
    client = world.client_for("chair")
    response = client.post(
        "/meetings/new/",
        {"forum": "999999", "title": "Keep <me>", "date": "31/02/2026", "time": "25:99", "marking": "x"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body and "<title>Error: " in body
    for message in (
        "Select a forum from the list",
        "Enter a real date",
        "Enter a time like 14:30",
        "Select a confidentiality level from the list",
    ):
        assert message in body
    assert 'value="Keep &lt;me&gt;"' in body
    # Location is needed unless the meeting is online (a rule of the service).
    marac = world.pack.forums.get(code="marac")
    restricted = world.pack.marking_levels.get(code="restricted")
    response = client.post(
        "/meetings/new/",
        {"forum": marac.pk, "title": "T", "date": "2026-04-14", "time": "10:00", "marking": restricted.pk},
    )
    assert "Enter where the meeting is held, or say that it is online" in response.content.decode()


@pytest.mark.parametrize("time", ["01:30"])
def test_a_time_that_does_not_exist_is_refused_not_a_500(world, time):
    client = world.client_for("chair")
    marac = world.pack.forums.get(code="marac")
    restricted = world.pack.marking_levels.get(code="restricted")
    response = client.post(
        "/meetings/new/",
        {
            "forum": marac.pk,
            "title": "T",
            "date": "2026-03-29",
            "time": time,
            "location": "X",
            "marking": restricted.pk,
        },
    )
    assert response.status_code == 200
    assert "That time does not exist on that date" in response.content.decode()


def test_only_chairs_create_meetings(world):
    for name in ("officer_a", "do_b", "auditor", "admin"):
        assert world.client_for(name).get("/meetings/new/").status_code == 403


# --- the list --------------------------------------------------------------------------------


def test_the_list_shows_only_my_meetings_in_a_constant_number_of_queries(world, django_assert_max_num_queries):
    chair = world.m.chair
    mine = [meeting_make(chair, title=f"Mine {n}") for n in range(3)]
    invited = meeting_make(world.m.other_chair, title="Invited")
    invite(invited, world.m.other_chair, chair)
    meeting_make(world.m.other_chair, title="Not mine")
    client = world.client_for("chair")
    body = text(client.get("/meetings/"))
    assert "Mine 0" in body and "Invited" in body and "Not mine" not in body
    with django_assert_max_num_queries(30) as small:
        client.get("/meetings/")
    for n in range(30):
        meeting_make(chair, title=f"More {n}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/meetings/")
    assert "govuk-pagination" in response.content.decode()
    assert len(mine) == 3


def test_the_list_searches_by_title_and_date_and_a_bad_date_shows_no_rows(world):
    chair = world.m.chair
    day = timezone.localtime() + timezone.timedelta(days=20)
    meeting_make(chair, title="MARAC, April", starts_at=day.replace(hour=10))
    meeting_make(chair, title="MARAC, May", starts_at=day + timezone.timedelta(days=30))
    meeting_make(chair, title="Channel panel", starts_at=day.replace(hour=14))
    meeting_make(world.m.other_chair, title="MARAC, elsewhere", starts_at=day.replace(hour=11))
    client = world.client_for("chair")
    body = text(client.get("/meetings/", {"title": "marac"}))
    assert "MARAC, April" in body and "MARAC, May" in body
    assert "Channel panel" not in body and "MARAC, elsewhere" not in body
    body = text(client.get("/meetings/", {"on": day.date().isoformat()}))
    assert "MARAC, April" in body and "Channel panel" in body and "MARAC, May" not in body
    body = text(client.get("/meetings/", {"title": "MARAC", "on": day.strftime("%d/%m/%Y")}))
    assert "MARAC, April" in body and "Channel panel" not in body and "MARAC, May" not in body
    response = client.get("/meetings/", {"on": "9999-99-99"})
    body = text(response)
    assert "There is a problem" in body and "Enter the date as a real date" in body
    assert "MARAC, April" not in body and "Correct the search to see meetings" in body


def test_an_officer_sees_the_meetings_they_are_invited_to(world):
    invite(world.meeting, world.m.chair, world.m.officer_a)
    body = text(world.client_for("officer_a").get("/meetings/"))
    assert world.meeting.title in body
    assert "Create a meeting" not in body
    assert world.meeting.title not in text(world.client_for("officer_b").get("/meetings/"))


# --- the meeting page and signing in ---------------------------------------------------------


def test_the_meeting_page_carries_the_marking_top_and_bottom(world):
    response = world.client_for("chair").get(url(world.meeting))
    assert response.status_code == 200
    assert marking_banners(response) == 2
    body = text(response)
    assert "RESTRICTED" in body
    for label in (
        "Run the signing-in",
        "Invite attendees",
        "Change the confidentiality level",
        "Print the signing-in sheet",
        "Close the meeting",
    ):
        assert label in body


def test_an_attendee_signs_in_on_their_own_session(world):
    meeting = world.meeting
    invite(meeting, world.m.chair, world.m.officer_a)
    client = world.client_for("officer_a")
    detail = text(client.get(url(meeting)))
    assert "Sign in to the meeting" in detail and "Run the signing-in" not in detail
    page = client.get(url(meeting, "sign-in/"))
    body = text(page)
    assert "Please note, by signing this sheet you are agreeing to comply with the relevant handling rules" in body
    assert "Restricted – data to be shared is personal data about an offender, victim or witness" in body
    assert "significant distress to individuals" in body
    assert "Protected by one barrier (e.g. a locked container)" in body  # a handling rule
    assert 'type="checkbox"' in page.content.decode() and "I agree" in body
    refused = client.post(url(meeting, "sign-in/"), {})
    assert refused.status_code == 200
    assert "Confirm that you agree to the handling rules and the protocol" in refused.content.decode()
    assert not meeting.attendees.get(user=world.officer_a).signed_at
    response = client.post(url(meeting, "sign-in/"), {"agreed": "on"})
    assert response.status_code == 302
    attendee = meeting.attendees.get(user=world.officer_a)
    assert attendee.signed_for(meeting)
    assert "You signed in at" in text(client.get(url(meeting)))


def test_the_chair_sees_who_has_signed_signs_in_a_guest_and_starts_the_meeting(world):
    meeting, chair = world.meeting, world.m.chair
    invite(meeting, chair, world.m.officer_a)
    guest = invite_guest(meeting, chair, name="Alex Morgan", representing="Stockport Women's Aid")
    sign_in(meeting, world.m.officer_a)
    client = world.client_for("chair")
    page = text(client.get(url(meeting, "signing-in/")))
    assert "1 of 3 signed in" in page
    assert re.search(r"Alex Morgan .*Stockport Women's Aid .*On the chair's screen .*Not signed in", page)
    # Starting before confirming the list: refused with the error on the field.
    response = client.post(url(meeting, "start/"), {})
    assert "Confirm the list of who has signed in before the meeting starts" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED
    # A guest signing with nothing typed: errors, nothing recorded.
    response = client.post(url(meeting, "signing-in/guest/"), {"attendee": guest.pk})
    assert response.status_code == 200
    assert "Type your full name as your signature" in response.content.decode()
    response = client.post(
        url(meeting, "signing-in/guest/"), {"attendee": guest.pk, "signature": "Alex Morgan", "agreed": "on"}
    )
    assert response.status_code == 302
    guest.refresh_from_db()
    assert guest.signature == "Alex Morgan" and guest.signed_recorded_by == world.chair
    response = client.post(url(meeting, "start/"), {"list_confirmed": "on"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.IN_SESSION
    assert DecisionLogEntry.objects.filter(reference=meeting.reference, action="meeting.in_session").count() == 1


def test_a_new_meeting_long_in_the_past_is_refused(world):
    client = world.client_for("chair")
    marac = world.pack.forums.get(code="marac")
    restricted = world.pack.marking_levels.get(code="restricted")
    before = Meeting.objects.count()
    response = client.post(
        "/meetings/new/",
        {"forum": marac.pk, "title": "MARAC", "date": "01/01/1990", "time": "10:00", "location": "Town Hall", "marking": restricted.pk},
    )
    assert response.status_code == 200
    earliest = timezone.localdate().replace(year=timezone.localdate().year - 1)
    assert f"The date of the meeting must be the same as or after {earliest.day} {earliest:%B %Y}" in text(response)
    assert Meeting.objects.count() == before


def test_confidential_meetings_and_their_minutes_pdf_follow_the_secure_network_rule(world, settings):
    client = world.client_for("chair")
    marac = world.pack.forums.get(code="marac")
    confidential = world.pack.marking_levels.get(code="confidential")
    response = client.post(
        "/meetings/new/",
        {"forum": marac.pk, "title": "MARAC", "date": timezone.localdate().isoformat(), "time": "10:00",
         "location": "Town Hall", "marking": confidential.pk},
    )
    assert response.status_code == 200
    assert "Confidential material can only go through the portal on a secure network" in text(response)
    # One marked Confidential when the portal was declared to run on a secure network: its
    # minutes can no longer be downloaded or written once the declaration is withdrawn.
    settings.PORTAL_SECURE_NETWORK = True
    meeting = meeting_make(world.m.chair, marking_code="confidential")
    assert client.get(f"/meetings/{meeting.pk}/minutes.pdf")["Content-Type"] == "application/pdf"
    settings.PORTAL_SECURE_NETWORK = False
    response = client.get(f"/meetings/{meeting.pk}/minutes.pdf")
    assert response.status_code == 302 and response["Location"] == url(meeting, "minutes/")
    page = text(client.get(response["Location"]))
    assert "Confidential material can only go through the portal on a secure network" in page
    assert "Download the minutes" not in page and "Save the minutes" not in page


def test_a_typed_signature_must_be_the_name_of_the_attendee_chosen(world):
    meeting, chair = world.meeting, world.m.chair
    guest = invite_guest(meeting, chair, name="Siobhán O’Brien", representing="Stockport Women's Aid")
    client = world.client_for("chair")
    response = client.post(
        url(meeting, "signing-in/guest/"), {"attendee": guest.pk, "signature": "Alex Morgan", "agreed": "on"}
    )
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert "The signature must be the name of the person signing in: Siobhán O’Brien types their own name" in page
    assert 'value="Alex Morgan"' in response.content.decode()  # what was typed stays
    guest.refresh_from_db()
    assert not guest.signed_for(meeting) and guest.signature == ""
    # The same name typed without its accent, apostrophe or capitals is the person's signature.
    response = client.post(
        url(meeting, "signing-in/guest/"), {"attendee": guest.pk, "signature": "siobhan obrien", "agreed": "on"}
    )
    assert response.status_code == 302
    guest.refresh_from_db()
    assert guest.signed_for(meeting) and guest.signature == "siobhan obrien"


def test_changing_the_level(world, settings):
    settings.PORTAL_SECURE_NETWORK = True  # Confidential goes through the portal only on a secure network
    client = world.client_for("chair")
    confidential = world.pack.marking_levels.get(code="confidential")
    response = client.post(url(world.meeting, "level/"), {"marking": confidential.pk})
    assert "Enter why the level is changing" in response.content.decode()
    response = client.post(url(world.meeting, "level/"), {"marking": confidential.pk, "reasons": "Health data"})
    assert response.status_code == 302
    world.meeting.refresh_from_db()
    assert world.meeting.marking == confidential
    assert "CONFIDENTIAL" in text(client.get(url(world.meeting)))


def test_inviting_by_search_and_without_an_account(world):
    client = world.client_for("chair")
    world.officer_a.first_name, world.officer_a.last_name = "Priya", "Shah"
    world.officer_a.save()
    page = text(client.get(url(world.meeting, "attendees/") + "?q=shah"))
    assert "Priya Shah" in page and "Greater Manchester Police" in page
    response = client.post(url(world.meeting, "attendees/invite/"), {"membership": world.m.officer_a.pk, "q": "shah"})
    assert response.status_code == 302 and response["Location"].endswith("?q=shah")
    assert world.meeting.attendees.filter(user=world.officer_a).exists()
    assert "Nobody who is not already invited matches “shah”" in text(
        client.get(url(world.meeting, "attendees/") + "?q=shah")
    )
    assert client.post(url(world.meeting, "attendees/invite/"), {"membership": "nonsense"}).status_code == 302
    response = client.post(url(world.meeting, "attendees/"), {"name": "", "representing": ""})
    assert "Enter the person's full name" in text(response)
    response = client.post(url(world.meeting, "attendees/"), {"name": "Alex Morgan", "representing": "Women's Aid"})
    assert response.status_code == 302
    guest = world.meeting.attendees.get(name="Alex Morgan")
    assert client.post(url(world.meeting, f"attendees/{guest.pk}/remove/")).status_code == 302
    assert not Attendee.objects.filter(pk=guest.pk).exists()


# --- agenda, summaries, actions, minutes -----------------------------------------------------


@pytest.fixture
def case(world):
    request = world.request()
    assign_perm("sharing.access_disclosure", world.chair, request)
    chair = world.m.chair
    item = services.agenda_item_add(
        meeting=world.meeting, reference=request.reference, acting_user=chair.user, acting_membership=chair
    )
    invite(world.meeting, chair, world.m.requester)  # can see the request
    invite(world.meeting, chair, world.m.officer_c)  # cannot
    return item


def test_adding_a_case_refuses_requests_the_chair_cannot_see(world):
    client = world.client_for("chair")
    hidden = world.request()
    response = client.post(url(world.meeting, "agenda/add/"), {"reference": hidden.reference})
    assert "No request with that reference was found among the requests you can see" in response.content.decode()
    assign_perm("sharing.access_disclosure", world.chair, hidden)
    assert client.post(url(world.meeting, "agenda/add/"), {"reference": hidden.reference}).status_code == 302


def test_a_cases_details_only_for_those_who_can_see_its_request(world, case):
    meeting = world.meeting
    subject = case.subjects.get()
    seen = world.client_for("requester").get(url(meeting, "agenda/", case.pk))
    assert subject.full_name in text(seen)
    assert (
        AccessLogEntry.objects.filter(
            user=world.requester, object_type="disclosure_request", reference=case.request.reference
        ).count()
        == 1
    )
    unseen = world.client_for("officer_c").get(url(meeting, "agenda/", case.pk))
    assert unseen.status_code == 200
    assert subject.full_name not in text(unseen)
    assert "You cannot see this case's request" in text(unseen)
    assert not AccessLogEntry.objects.filter(user=world.officer_c).exists()


def test_a_shared_summary_is_read_by_signed_in_attendees_only_while_in_session(
    world, case, django_capture_on_commit_callbacks
):
    meeting, chair = world.meeting, world.m.chair
    client = world.client_for("chair")
    response = client.post(url(meeting, "agenda/", case.pk) + "summary/", {"summary": "Three call-outs since January."})
    assert response.status_code == 302
    other = world.client_for("officer_c")
    case_url = url(meeting, "agenda/", case.pk)
    assert "Three call-outs" not in text(other.get(case_url))  # not signed in, not in session
    sign_in(meeting, world.m.officer_c)
    assert "Three call-outs" not in text(other.get(case_url))  # signed in, not in session yet
    start(meeting, chair)
    page = text(other.get(case_url))
    assert "Three call-outs since January." in page
    assert AccessLogEntry.objects.filter(
        user=world.officer_c, object_type="meeting", reference=meeting.reference
    ).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_close(meeting=meeting, acting_user=chair.user, acting_membership=chair)
    assert "Three call-outs" not in text(other.get(case_url))  # closed


def test_actions_and_minutes_carry_the_marking(world, case):
    meeting = world.meeting
    client = world.client_for("chair")
    response = client.post(
        url(meeting, "agenda/", case.pk) + "actions/add/", {"text": "", "owner_organisation": "", "due_on": ""}
    )
    body = response.content.decode()
    for message in (
        "Enter the action",
        "Select the organisation that owns the action",
        "Enter the date the action is due",
    ):
        assert message in body
    response = client.post(
        url(meeting, "agenda/", case.pk) + "actions/add/",
        {"text": "Refer to the IDVA service", "owner_organisation": world.c.pk, "due_on": "2026-05-01"},
    )
    assert response.status_code == 302
    action = case.actions.get()
    assert client.post(url(meeting, f"actions/{action.pk}/done/"), {"done": "yes"}).status_code == 302
    action.refresh_from_db()
    assert action.done
    assert client.post(url(meeting, "minutes/"), {"minutes": "Present: all partners."}).status_code == 302
    # A signed-in attendee reads them, under the marking, top and bottom; cannot write them.
    sign_in(meeting, world.m.officer_c)
    reader = world.client_for("officer_c")
    page = reader.get(url(meeting, "minutes/"))
    assert page.status_code == 200 and marking_banners(page) == 2
    body = text(page)
    assert "Present: all partners." in body and "Refer to the IDVA service" in body and "RESTRICTED" in body
    assert "Save the minutes" not in body
    assert reader.post(url(meeting, "minutes/"), {"minutes": "Changed"}).status_code == 403
    # Invited but not signed in: no minutes.
    assert world.client_for("requester").get(url(meeting, "minutes/")).status_code == 404


# --- papers ----------------------------------------------------------------------------------


def test_papers_upload_and_download_only_while_in_session_for_signed_in_attendees(
    world, settings, django_capture_on_commit_callbacks
):
    meeting, chair = world.meeting, world.m.chair
    client = world.client_for("chair")
    bad = client.post(url(meeting, "papers/"), {"file": SimpleUploadedFile("x.pdf", b"not a pdf")})
    assert bad.status_code == 200 and "is not really a PDF" in bad.content.decode()
    empty = client.post(url(meeting, "papers/"), {})
    assert "Choose a file to upload" in empty.content.decode()
    response = client.post(url(meeting, "papers/"), {"file": SimpleUploadedFile("Case notes.pdf", pdf_bytes())})
    assert response.status_code == 302
    paper = meeting.papers.get()
    download = url(meeting, "papers/", paper.pk)
    got = client.get(download)
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    assert f'filename="{meeting.reference}-Case notes-marked.pdf"' in got["Content-Disposition"]
    [page] = pages_text(got.content)  # the paper, stamped (portal/marked.py; tests/meetings/test_marked_papers.py)
    assert page.startswith("RESTRICTED") and "Meeting paper" in page and "Downloaded by" in page
    invite(meeting, chair, world.m.officer_a)
    attendee = world.client_for("officer_a")
    assert attendee.get(download).status_code == 404  # not signed in
    assert "Case notes.pdf" not in text(attendee.get(url(meeting)))
    sign_in(meeting, world.m.officer_a)
    assert attendee.get(download).status_code == 404  # not in session
    start(meeting, chair)
    assert attendee.get(download).status_code == 200
    assert (
        AccessLogEntry.objects.filter(user=world.officer_a, kind="download", reference=meeting.reference).count() == 1
    )
    assert "Case notes.pdf" in text(attendee.get(url(meeting)))
    # Closing: destroyed (eagerly here), tombstone shown to the chair, nobody downloads it.
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url(meeting, "close/")).status_code == 302
    assert attendee.get(download).status_code == 404
    assert client.get(download).status_code == 404
    body = text(client.get(url(meeting)))
    assert "Destroyed papers" in body and "Case notes.pdf" in body
    paper.refresh_from_db()
    assert paper.destroyed_at


def test_an_oversize_paper_is_refused_with_a_message(world, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 1024
    client = world.client_for("chair")
    response = client.post(
        url(world.meeting, "papers/"), {"file": SimpleUploadedFile("big.pdf", b"%PDF-" + b"x" * 4000)}
    )
    assert response.status_code == 200
    assert "is larger than 1 KB" in response.content.decode()
    assert not Paper.objects.exists()


def test_closing_twice_is_harmless(world, django_capture_on_commit_callbacks):
    client = world.client_for("chair")
    assert "Closing the meeting destroys its 0 papers" in text(client.get(url(world.meeting, "close/")))
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url(world.meeting, "close/")).status_code == 302
        assert client.post(url(world.meeting, "close/")).status_code == 302
    world.meeting.refresh_from_db()
    assert world.meeting.status == MeetingStatus.CLOSED
    assert DecisionLogEntry.objects.filter(reference=world.meeting.reference, action="meeting.closed").count() == 1
    body = text(client.get(url(world.meeting)))
    assert "Close the meeting" not in body and "Run the signing-in" not in body


def test_the_meeting_page_keeps_a_constant_number_of_queries(world, django_assert_max_num_queries):
    meeting, chair = world.meeting, world.m.chair
    client = world.client_for("chair")

    def add(count):
        for n in range(count):
            member = MembershipFactory(organisation=world.c)
            invite(meeting, chair, member)
            sign_in(meeting, member)
            upload(meeting, chair, name=f"p{n}.pdf")
            request = world.request()
            assign_perm("sharing.access_disclosure", world.chair, request)
            services.agenda_item_add(
                meeting=meeting, reference=request.reference, acting_user=chair.user, acting_membership=chair
            )

    add(1)
    client.get(url(meeting))
    with django_assert_max_num_queries(40) as small:
        client.get(url(meeting))
    add(12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url(meeting))


def test_the_forums_cases_are_offered_to_pick_from(world):
    """Issue 18 item 4: the chair had to type a reference. The forum's own cases (requests raised
    for it that the chair can see) are offered, with who each is about; typing stays possible."""
    client = world.client_for("chair")
    forum = world.meeting.forum
    mine = world.request(forum=forum)
    assign_perm("sharing.access_disclosure", world.chair, mine)
    hidden = world.request(forum=forum)  # the chair cannot see it: not offered
    elsewhere = world.request()  # no forum: not offered, but can be typed
    assign_perm("sharing.access_disclosure", world.chair, elsewhere)
    page = client.get(url(world.meeting, "agenda/add/")).content.decode()
    assert f'value="{mine.reference}"' in page and "Jordan Example" in page
    assert hidden.reference not in page and f'value="{elsewhere.reference}"' not in page
    assert AccessLogEntry.objects.filter(user=world.chair, reference=mine.reference).exists()
    empty = client.post(url(world.meeting, "agenda/add/"), {})
    assert "Select a case, or enter the request&#x27;s reference" in empty.content.decode()
    assert client.post(url(world.meeting, "agenda/add/"), {"case": mine.reference}).status_code == 302
    assert world.meeting.agenda_items.get().request == mine
    page = client.get(url(world.meeting, "agenda/add/")).content.decode()
    assert f'value="{mine.reference}"' not in page  # on the agenda already
    assert client.post(url(world.meeting, "agenda/add/"), {"reference": elsewhere.reference}).status_code == 302
