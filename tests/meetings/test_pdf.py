"""The signing-in sheet PDF (meetings/pdf.py; SSP Appendix 6): its text read back with pdftotext,
page by page (pages are split on form feeds)."""

from __future__ import annotations

import re
import subprocess

import pytest
from django.utils import timezone

from meetings.pdf import FIRST_PAGE_ROWS, ROWS_PER_PAGE, default_blank_rows, signing_sheet_pdf
from portal.models import AccessLogEntry
from tests.meetings.factories import invite, invite_guest, sign_in, sign_in_guest
from tests.portal.factories import MembershipFactory

pytestmark = pytest.mark.django_db

HEADER = re.compile(r"Name\s+Signature\s+Representing")


def pdf_pages(pdf: bytes) -> list[str]:
    assert pdf.startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return [page for page in text.split("\f") if page.strip()]


def sheet(world, meeting=None, **kwargs) -> list[str]:
    return pdf_pages(
        signing_sheet_pdf(
            meeting=meeting or world.meeting, printed_by=world.chair, organisation_name=world.b.name, **kwargs
        )
    )


def assert_marked_with_header(pages: list[str], level: str) -> None:
    for number, page in enumerate(pages, start=1):
        lines = [line.strip() for line in page.strip().splitlines() if line.strip()]
        assert lines[0] == level, f"page {number} does not start with the marking"
        assert level in lines[-2] or level in lines[-1], f"page {number} does not end with the marking"
        assert page.count(level) >= 2
        assert HEADER.search(page), f"page {number} has no table header"
        assert f"Page {number} of {len(pages)}" in page


def test_a_blank_sheet_before_the_meeting_is_in_the_form_of_appendix_6(world):
    pages = sheet(world)
    assert len(pages) == 2  # the first page filled with blank rows, then one whole page more
    assert_marked_with_header(pages, "RESTRICTED")
    first = " ".join(pages[0].split())
    assert "Name of meeting MARAC, March" in first
    assert "Multi Agency Risk Assessment Conference (MARAC)" in first
    assert "Date and location of meeting" in first and "Fred Perry House, Stockport" in first
    assert (
        "Please note, by signing this sheet you are agreeing to comply with the relevant handling rules for protective "
        "marking and the requirements of the Safer Stockport Partnership Overarching Information Sharing Protocol "
        "applicable to this meeting."
    ) in first
    assert "Information shared should only be used for the purpose requested" in first
    assert "Restricted – data to be shared is personal data about an offender, victim or witness" in first
    assert "significant distress to individuals" in first  # the level's definition
    assert "Signed electronically" not in first
    assert f"Printed by {world.chair.display_name}, {world.b.name}" in first


def test_the_table_starts_right_below_the_intro_on_page_one(world):
    """No large gap above the table: the header row follows the level's box within 12 mm."""
    pdf = signing_sheet_pdf(meeting=world.meeting, printed_by=world.chair, organisation_name=world.b.name)
    bbox = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    words = [
        (float(y_min), float(y_max), word)
        for y_min, y_max, word in re.findall(r'<word xMin="[^"]+" yMin="([^"]+)" xMax="[^"]+" yMax="([^"]+)">([^<]*)</word>', bbox)
    ]
    header = next(i for i, (_, _, word) in enumerate(words) if word == "Name" and words[i + 1][2] == "Signature")
    above = max(y_max for _, y_max, _ in words[:header])
    gap_mm = (words[header][0] - above) / 72 * 25.4
    assert gap_mm < 12, f"{gap_mm:.0f} mm of empty page above the table"


def test_the_filled_sheet_names_everyone_who_signed(world):
    meeting, chair = world.meeting, world.m.chair
    invite(meeting, chair, world.m.officer_a)
    invite(meeting, chair, world.m.do_c)  # invited, never signs
    sign_in(meeting, world.m.officer_a)
    guest = invite_guest(meeting, chair, name="Alex Morgan", representing="Stockport Women's Aid")
    sign_in_guest(meeting, chair, guest, signature="A Morgan")
    pages = sheet(world)
    text = " ".join(" ".join(pages).split())
    officer = world.officer_a.display_name
    signed_at = timezone.localtime(meeting.attendees.get(user=world.officer_a).signed_at).strftime("%H:%M")
    assert re.search(rf"{re.escape(officer)}\s+Signed electronically at {signed_at}\s+Greater Manchester Police", text)
    assert re.search(r"Alex Morgan\s+A Morgan", text) and "Stockport Women's Aid" in text
    assert world.do_c.display_name not in text
    assert_marked_with_header(pages, "RESTRICTED")


def test_sixty_attendees_run_over_pages_with_the_header_and_marking_on_every_page(world):
    meeting, chair = world.meeting, world.m.chair
    members = [
        MembershipFactory(organisation=world.c, user__first_name="Attendee", user__last_name=f"No{n:02d}")
        for n in range(60)
    ]
    for member in members:
        invite(meeting, chair, member)
        sign_in(meeting, member)
    pages = sheet(world)
    assert_marked_with_header(pages, "RESTRICTED")
    text = "\n".join(pages)
    for n in range(60):
        assert f"Attendee No{n:02d}" in text
    signed_rows = 60
    expected_pages = 1 + -(-(signed_rows - FIRST_PAGE_ROWS) // ROWS_PER_PAGE) + 1
    assert len(pages) == expected_pages
    assert "Attendee" not in pages[-1]  # a whole page of blank rows for wet signatures


def test_the_number_of_blank_rows_is_configurable(world):
    assert len(sheet(world, blank_rows=0)) == 1
    assert len(sheet(world, blank_rows=5)) == 1
    assert len(sheet(world, blank_rows=80)) >= 4


@pytest.mark.parametrize("signed", [0, 3, 8, 9, 28, 29, 45])
def test_default_blank_rows_fill_the_page_and_one_more(signed):
    blank = default_blank_rows(signed)
    total = signed + blank
    assert blank >= ROWS_PER_PAGE
    assert (total - FIRST_PAGE_ROWS) % ROWS_PER_PAGE == 0


def test_the_sheet_carries_the_meetings_current_level(world, settings):
    from meetings import services

    settings.PORTAL_SECURE_NETWORK = True

    chair = world.m.chair
    services.meeting_marking_set(
        meeting=world.meeting,
        marking=world.pack.marking_levels.get(code="confidential"),
        reasons="Health data",
        acting_user=chair.user,
        acting_membership=chair,
    )
    world.meeting.refresh_from_db()
    pages = sheet(world)
    assert_marked_with_header(pages, "CONFIDENTIAL")
    assert "Confidential – data to be shared is personal and of a sensitive nature" in " ".join(pages[0].split())


def test_printing_is_access_logged(world):
    client = world.client_for("chair")
    response = client.get(f"/meetings/{world.meeting.pk}/signing-in-sheet.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{world.meeting.reference}-signing-in-sheet.pdf"'
    [entry] = AccessLogEntry.objects.filter(reference=world.meeting.reference)
    assert entry.kind == "print" and entry.user == world.chair and entry.object_type == "meeting"
    pages = pdf_pages(response.content)
    assert len(pages) == 2
    assert len(pdf_pages(client.get(f"/meetings/{world.meeting.pk}/signing-in-sheet.pdf?blank_rows=0").content)) == 1
    # Nonsense is ignored, not a 500.
    assert client.get(f"/meetings/{world.meeting.pk}/signing-in-sheet.pdf?blank_rows=lots").status_code == 200


def test_a_long_title_does_not_change_the_layout(world):
    world.meeting.title = "Multi-agency meeting about the partnership's response in the north of the borough " * 2
    world.meeting.save(update_fields=["title"])
    pages = sheet(world)
    assert len(pages) == 2
    assert_marked_with_header(pages, "RESTRICTED")
