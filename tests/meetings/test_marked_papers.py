"""Meeting papers download marked at the meeting's level (DOMAIN.md §5; SSP Appendix 6 and 7;
issue 18 item 10; portal/marked.py): a PDF or image paper as a stamped PDF naming who
downloaded it, when, and the meeting's reference; a Word paper in a ZIP with the handling
conditions the attendees agreed to; a paper at a level this deployment may not carry is refused,
like the minutes."""
from __future__ import annotations

import io
import shutil
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from meetings import services
from portal.models import AccessLogEntry
from tests.meetings.factories import invite, meeting_make, png_bytes, sign_in, start, upload
from tests.sharing.test_marked_downloads import page_count, pages_text
from tests.sharing.test_uploads import docx_bytes

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"),
]


def paper_url(meeting, paper) -> str:
    return f"/meetings/{meeting.pk}/papers/{paper.pk}/"


@pytest.fixture
def in_session(world):
    meeting, chair = world.meeting, world.m.chair
    invite(meeting, chair, world.m.officer_a)
    sign_in(meeting, world.m.officer_a)
    start(meeting, chair)
    return meeting


def test_an_image_paper_is_a_marked_pdf_naming_the_attendee_and_the_meeting(world, in_session):
    meeting = in_session
    paper = upload(meeting, world.m.chair, name="floor plan.png", content=png_bytes(120, 240))
    response = world.client_for("officer_a").get(paper_url(meeting, paper))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert page_count(response.content) == 1
    [page] = pages_text(response.content)
    assert page.startswith("RESTRICTED") and page.count("RESTRICTED") == 2
    assert f"Downloaded by {world.officer_a.display_name}, Greater Manchester Police, " in page
    assert f"– {meeting.reference}" in page
    assert AccessLogEntry.objects.filter(user=world.officer_a, kind="download", reference=meeting.reference).exists()


def test_a_word_paper_comes_in_a_zip_with_what_attendees_agreed_to(world, in_session):
    meeting = in_session
    document = docx_bytes()
    paper = services.paper_upload(
        meeting=meeting,
        file=SimpleUploadedFile("chronology.docx", document),
        acting_user=world.chair,
        acting_membership=world.m.chair,
    )
    response = world.client_for("chair").get(paper_url(meeting, paper))
    assert response["Content-Type"] == "application/zip"
    assert f'filename="{meeting.reference}-chronology-marked.zip"' in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.read("chronology.docx") == document
        conditions = archive.read("HANDLING-CONDITIONS.txt").decode()
    assert conditions.startswith("PROTECTIVE MARKING: RESTRICTED")
    assert f"Reference: {meeting.reference}" in conditions
    assert "should not be shared further without consent of the information owner" in conditions
    assert f"Downloaded by {world.chair.display_name}, " in conditions


def test_a_paper_at_a_level_not_allowed_here_is_refused_like_the_minutes(world, settings):
    settings.PORTAL_SECURE_NETWORK = True
    meeting = meeting_make(world.m.chair, marking_code="confidential")
    paper = upload(meeting, world.m.chair)
    client = world.client_for("chair")
    assert client.get(paper_url(meeting, paper))["Content-Type"] == "application/pdf"
    settings.PORTAL_SECURE_NETWORK = False
    response = client.get(paper_url(meeting, paper))
    assert response.status_code == 302 and response["Location"] == f"/meetings/{meeting.pk}/papers/"
    page = client.get(response["Location"]).content.decode()
    assert "Confidential material can only go through the portal on a secure network" in page
    assert AccessLogEntry.objects.filter(kind="download", reference=meeting.reference).count() == 1
