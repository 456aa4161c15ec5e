"""The meeting journey in a real browser: a chair creates a meeting, invites a portal user and a
person without an account, the portal user signs in on their own session and the other on the
chair's screen, the chair confirms the list, prints the signing-in sheet and closes the meeting.
Every page is checked with axe-core (no serious or critical violation)."""

from __future__ import annotations

import re
import subprocess

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from meetings.models import Meeting, MeetingStatus
from portal.middleware import ACTING_MEMBERSHIP
from tests.conftest import sign_in_fully

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in_cookie(membership, live_server) -> dict:
    """A fully signed-in session (password and second factor) for `membership`, as a cookie."""
    client = sign_in_fully(Client(), membership.user)
    session = client.session
    session[ACTING_MEMBERSHIP] = membership.pk
    session.save()
    return {"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server.url}


def pdf_text(path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()
    return [sheet for sheet in text.split("\f") if sheet.strip()]


def test_a_chair_runs_a_meeting_from_creation_to_close(
    page,
    browser,  # noqa: F811
    live_server,
    assert_accessible,  # noqa: F811
    parties,
    tmp_path,
):
    chair, officer = parties.memberships["chair"], parties.memberships["officer_a"]
    officer.user.first_name, officer.user.last_name = "Priya", "Shah"
    officer.user.save()
    page.context.add_cookies([signed_in_cookie(chair, live_server)])

    # The chair creates the meeting and sets its level at the outset.
    page.goto("/")
    page.get_by_role("button", name="Create a meeting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a meeting")
    assert_accessible(page)
    page.get_by_role("button", name="Create the meeting").click()  # nothing filled in: errors
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the meeting's title")
    assert_accessible(page)
    page.get_by_label("Forum").select_option(
        label="Multi Agency Risk Assessment Conference (MARAC) (Protecting Vulnerable People)"
    )
    page.get_by_label("Title").fill("MARAC, April")
    page.get_by_label("Date").fill("2026-04-14")
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("Location").fill("Fred Perry House, Stockport")
    page.get_by_label(re.compile(r"^Restricted – data to be shared")).check()
    page.get_by_role("button", name="Create the meeting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("MARAC, April")
    expect(page.locator(".portal-marking").first).to_contain_text("RESTRICTED")
    meeting = Meeting.objects.get(title="MARAC, April")
    assert_accessible(page)

    # Invitations: a portal user found by name, and a person without an account.
    page.get_by_role("button", name="Invite attendees").click()
    page.get_by_label("Name or username").fill("Shah")
    page.get_by_role("button", name="Search").click()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile(r"^Invite Priya Shah")).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Priya Shah is invited")
    page.get_by_label("Full name").fill("Alex Morgan")
    page.get_by_label("Organisation or body they represent").fill("Stockport Women's Aid")
    page.get_by_role("button", name="Invite this person").click()
    expect(page.get_by_role("table").last).to_contain_text("Alex Morgan")
    assert_accessible(page)

    # The portal user signs in on their own session, in their own browser.
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900})
    try:
        context.add_cookies([signed_in_cookie(officer, live_server)])
        theirs = context.new_page()
        theirs.set_default_timeout(15_000)
        theirs.goto(f"/meetings/{meeting.pk}/")
        assert_accessible(theirs)
        theirs.get_by_role("button", name="Sign in to the meeting").click()
        expect(theirs.get_by_role("heading", level=1)).to_have_text("Sign in to MARAC, April")
        expect(theirs.locator("main")).to_contain_text("Please note, by signing this sheet you are agreeing to comply")
        expect(theirs.locator("main")).to_contain_text("Protected by one barrier")
        assert_accessible(theirs)
        theirs.get_by_role("button", name="Sign in").click()
        expect(theirs.locator(".govuk-error-summary")).to_contain_text("Confirm that you agree")
        assert_accessible(theirs)
        theirs.get_by_label("I agree").check()
        theirs.get_by_role("button", name="Sign in").click()
        expect(theirs.locator("main")).to_contain_text("You signed in at")
        assert_accessible(theirs)
    finally:
        context.close()

    # The person without an account signs in on the chair's screen; the chair confirms the list.
    page.goto(f"/meetings/{meeting.pk}/")
    page.get_by_role("button", name="Run the signing-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Signing-in")
    expect(page.locator("main")).to_contain_text("1 of 3 signed in")
    assert_accessible(page)
    page.get_by_label("Alex Morgan, Stockport Women's Aid").check()
    page.get_by_label("Signature: type your full name").fill("Alex Morgan")
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("main")).to_contain_text("2 of 3 signed in")
    page.get_by_role("button", name="Start the meeting").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Confirm the list of who has signed in")
    assert_accessible(page)
    page.get_by_label("I confirm that this is the list of who has signed in").check()
    page.get_by_role("button", name="Start the meeting").click()
    expect(page.locator("main .govuk-tag").first).to_have_text("In session")
    assert_accessible(page)

    # The chair prints the signing-in sheet.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Print the signing-in sheet").click()
    download = download_info.value
    saved = tmp_path / "sheet.pdf"
    download.save_as(saved)
    pages = pdf_text(saved)
    text = " ".join(" ".join(pages).split())
    assert "MARAC, April" in text
    assert re.search(r"Priya Shah Signed electronically at \d\d:\d\d Greater Manchester Police", text)
    assert re.search(r"Alex Morgan Alex Morgan .*Stockport Women's Aid", text)
    for sheet_page in pages:
        assert sheet_page.count("RESTRICTED") >= 2
        assert re.search(r"Name\s+Signature\s+Representing", sheet_page)

    # A paper for the meeting, then the chair closes it: the paper is destroyed.
    page.goto(f"/meetings/{meeting.pk}/papers/")
    assert_accessible(page)
    paper = tmp_path / "agenda.png"
    from tests.meetings.factories import png_bytes

    paper.write_bytes(png_bytes())
    page.get_by_label("Paper").set_input_files(str(paper))
    page.get_by_role("button", name="Add the paper").click()
    expect(page.get_by_role("table")).to_contain_text("agenda.png")
    page.goto(f"/meetings/{meeting.pk}/")
    page.get_by_role("button", name="Close the meeting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Close the meeting")
    assert_accessible(page)
    page.get_by_role("button", name="Close the meeting").click()
    expect(page.locator("main .govuk-tag").first).to_have_text("Closed")
    expect(page.locator("main")).to_contain_text("Destroyed papers")
    assert_accessible(page)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED
    assert not meeting.papers.filter(destroyed_at__isnull=True).exists()
