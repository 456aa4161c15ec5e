"""The minutes as a PDF (meetings.pdf.minutes_pdf, meetings.views.meeting_minutes_pdf): the minutes,
the cases discussed and the actions, marked at the meeting's level on every page with the download
footer, for whoever may read the minutes page; each download is access-logged. Read back with
pdftotext page by page, as tests/meetings/test_pdf.py does."""

from __future__ import annotations

import datetime
import re

import pytest
from guardian.shortcuts import assign_perm

from meetings import services
from meetings.retention import agenda_items_purge
from portal.models import AccessLogEntry
from tests.meetings.factories import invite, sign_in, start
from tests.meetings.test_pdf import pdf_pages

pytestmark = pytest.mark.django_db

MINUTES = "Present: all partners.\nAgreed: the IDVA makes contact this week."
SUMMARY = "Three call-outs since January; the perpetrator was released on bail."


@pytest.fixture
def minuted(world):
    """world.meeting with one case (the chair and the requester can see its request; officer_c
    cannot), a shared summary, two actions (one done) and minutes. officer_c and the requester
    are invited and signed in; officer_b is invited and not signed in."""
    meeting, chair = world.meeting, world.m.chair
    request = world.request()
    assign_perm("sharing.access_disclosure", world.chair, request)
    item = services.agenda_item_add(
        meeting=meeting, reference=request.reference, acting_user=chair.user, acting_membership=chair
    )
    services.agenda_summary_share(
        meeting=meeting, item_id=item.pk, summary=SUMMARY, acting_user=chair.user, acting_membership=chair
    )
    for text, owner, due, done in (
        ("Refer to the IDVA service", world.c, datetime.date(2026, 5, 1), True),
        ("Flag the address on the police system", world.a, datetime.date(2026, 5, 8), False),
    ):
        action = services.meeting_action_add(
            meeting=meeting,
            item_id=item.pk,
            text=text,
            owner_organisation=owner,
            due_on=due,
            acting_user=chair.user,
            acting_membership=chair,
        )
        if done:
            services.meeting_action_complete(
                meeting=meeting, action_id=action.pk, done=True, acting_user=chair.user, acting_membership=chair
            )
    services.meeting_minutes_record(meeting=meeting, minutes=MINUTES, acting_user=chair.user, acting_membership=chair)
    for name in ("requester", "officer_c", "officer_b"):
        invite(meeting, chair, world.memberships[name])
    sign_in(meeting, world.m.requester)
    sign_in(meeting, world.m.officer_c)
    world.item = item
    return world


def download(world, name: str):
    return world.client_for(name).get(f"/meetings/{world.meeting.pk}/minutes.pdf")


def flat(pages: list[str]) -> str:
    return " ".join(" ".join(pages).split())


def assert_marked_with_footer(pages: list[str], level: str, downloaded_by: str) -> None:
    for number, page in enumerate(pages, start=1):
        lines = [line.strip() for line in page.strip().splitlines() if line.strip()]
        assert lines[0] == level, f"page {number} does not start with the marking"
        assert level in lines[-2] or level in lines[-1], f"page {number} does not end with the marking"
        assert f"Downloaded by {downloaded_by}" in " ".join(page.split()), f"page {number} has no footer"
        assert f"Page {number} of {len(pages)}" in page


def test_the_chair_downloads_the_minutes_cases_and_actions_marked_on_every_page(minuted):
    world = minuted
    response = download(world, "chair")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{world.meeting.reference}-minutes.pdf"'
    assert response["Cache-Control"] == "no-store"
    pages = pdf_pages(response.content)
    assert_marked_with_footer(pages, "RESTRICTED", f"{world.chair.display_name}, {world.b.name}")
    body = flat(pages)
    assert "Minutes: MARAC, March" in body and world.meeting.reference in body
    assert "Present: all partners. Agreed: the IDVA makes contact this week." in body
    assert f"Case 1 {world.item.request.reference}" in body
    assert SUMMARY in body
    assert "Refer to the IDVA service Stockport Homes 1 May 2026 Done" in body
    # A narrow column wraps "Greater Manchester Police" over two lines.
    assert re.search(r"Flag the address on the police system Greater Manchester 8 May 2026 Open\b.*\bPolice", body)
    # The cases' subjects are not in the minutes, for anyone.
    assert "Jordan Example" not in body and "1 Example Street" not in body


def test_the_download_is_access_logged(minuted):
    world = minuted
    assert download(world, "officer_c").status_code == 200
    [entry] = AccessLogEntry.objects.filter(user=world.officer_c)
    assert entry.kind == "download" and entry.object_type == "meeting"
    assert entry.user == world.officer_c and entry.organisation == world.c
    assert entry.reference == world.meeting.reference
    assert entry.path == f"/meetings/{world.meeting.pk}/minutes.pdf"
    # Refused: nothing logged.
    assert download(world, "officer_b").status_code == 404
    assert download(world, "other_chair").status_code == 404
    assert not AccessLogEntry.objects.filter(user__in=[world.officer_b, world.other_chair]).exists()


def test_a_signed_in_attendee_gets_the_summary_only_while_the_meeting_is_in_session(
    minuted, django_capture_on_commit_callbacks
):
    world = minuted
    meeting, chair = world.meeting, world.m.chair
    # officer_c cannot see the request: the case is listed, as the minutes page lists its actions.
    planned = flat(pdf_pages(download(world, "officer_c").content))
    assert "Present: all partners." in planned and "Refer to the IDVA service" in planned
    assert f"Case 1 {world.item.request.reference}" in planned
    assert SUMMARY not in planned
    assert "attendees who signed in read it while the meeting is in session" in planned
    assert_marked_with_footer(
        pdf_pages(download(world, "officer_c").content), "RESTRICTED", f"{world.officer_c.display_name}, {world.c.name}"
    )
    start(meeting, chair)
    assert SUMMARY in flat(pdf_pages(download(world, "officer_c").content))
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_close(meeting=meeting, acting_user=chair.user, acting_membership=chair)
    closed = flat(pdf_pages(download(world, "officer_c").content))
    assert SUMMARY not in closed and "Present: all partners." in closed
    assert SUMMARY in flat(pdf_pages(download(world, "chair").content))  # the chair, throughout


def test_the_pdf_carries_the_meetings_current_level(minuted):
    world = minuted
    chair = world.m.chair
    services.meeting_marking_set(
        meeting=world.meeting,
        marking=world.pack.marking_levels.get(code="protect"),
        reasons="Less sensitive than thought",
        acting_user=chair.user,
        acting_membership=chair,
    )
    pages = pdf_pages(download(world, "chair").content)
    assert_marked_with_footer(pages, "PROTECT", f"{world.chair.display_name}, {world.b.name}")
    assert "These minutes are marked PROTECT" in flat(pages)


def test_long_minutes_and_actions_run_over_pages_each_marked_and_footed(minuted):
    world = minuted
    chair = world.m.chair
    paragraphs = "\n\n".join(f"Item {n:03d}: discussion recorded at some length. " * 4 for n in range(160))
    services.meeting_minutes_record(
        meeting=world.meeting, minutes=paragraphs, acting_user=chair.user, acting_membership=chair
    )
    # An action longer than a page breaks across pages rather than being cut off.
    services.meeting_action_add(
        meeting=world.meeting,
        item_id=world.item.pk,
        text="lengthy " * 2400,  # 19,200 characters: under the 20,000 limit
        owner_organisation=world.a,
        due_on=datetime.date(2026, 6, 1),
        acting_user=chair.user,
        acting_membership=chair,
    )
    pages = pdf_pages(download(world, "chair").content)
    assert len(pages) >= 6
    assert_marked_with_footer(pages, "RESTRICTED", f"{world.chair.display_name}, {world.b.name}")
    body = flat(pages)
    assert "Item 000:" in body and "Item 159:" in body and "Refer to the IDVA service" in body
    assert body.count("lengthy") == 2400


def test_typed_markup_and_control_characters_are_printed_as_text(minuted):
    world = minuted
    chair = world.m.chair
    services.meeting_minutes_record(
        meeting=world.meeting,
        minutes="<b>not bold</b> <img src=http://example.invalid/x.png> bell\x07 " + "x" * 5000,
        acting_user=chair.user,
        acting_membership=chair,
    )
    response = download(world, "chair")
    assert response.status_code == 200
    body = flat(pdf_pages(response.content)).replace("\u200b", "")
    assert "<b>not bold</b>" in body and "<img src=http://example.invalid/x.png>" in body
    assert "x" * 200 in body.replace(" ", "")


def test_before_anything_is_written_the_pdf_says_so(world):
    pages = pdf_pages(download(world, "chair").content)
    body = flat(pages)
    assert "The chair has not written the minutes yet." in body
    assert "No cases were on the agenda." in body and "No actions have been recorded." in body
    assert_marked_with_footer(pages, "RESTRICTED", f"{world.chair.display_name}, {world.b.name}")


def test_destroyed_summaries_and_actions_say_so(minuted):
    world = minuted
    agenda_items_purge([world.item.pk])
    body = flat(pdf_pages(download(world, "chair").content))
    assert SUMMARY not in body and "Refer to the IDVA service" not in body
    assert body.count("Destroyed under the retention policy") == 3  # the summary and two actions
    assert "Stockport Homes 1 May 2026 Done" in body


def test_the_minutes_page_links_the_pdf(minuted):
    world = minuted
    for name in ("chair", "officer_c"):
        page = world.client_for(name).get(f"/meetings/{world.meeting.pk}/minutes/").content.decode()
        assert f'href="/meetings/{world.meeting.pk}/minutes.pdf"' in page, name
