"""Released attachments download marked (DOMAIN.md §5; SSP App 7 "Marking"; issue 18 item 10;
portal/marked.py): a PDF comes back with the marking at the top and bottom of every page and
"Downloaded by NAME, ORGANISATION, DATE – REFERENCE", its own text and page count kept; an image
becomes a one-page marked PDF; a Word document comes in a ZIP with HANDLING-CONDITIONS.txt. The
download is in the access log, and a marking this deployment may not carry is refused."""
from __future__ import annotations

import io
import shutil
import subprocess
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from meetings.demo import minimal_png
from portal.models import AccessLogEntry
from sharing.models import Outcome, ReleaseAttachment, Status
from tests.sharing.factories import decision_make
from tests.sharing.test_uploads import docx_bytes

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"),
]

PAGES = ("Incident one at the address", "Incident two at the address", "Incident three at the address")


def three_page_pdf() -> bytes:
    from weasyprint import HTML

    body = "".join(f'<p style="break-before: page">{text}</p>' for text in PAGES)
    return HTML(string=f"<html><body>{body}</body></html>").write_pdf()


def pages_text(pdf: bytes) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return [" ".join(page.decode().split()) for page in text.split(b"\f") if page.strip()]


def page_count(pdf: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])


@pytest.fixture
def release(parties):
    request = parties.request(status=Status.RELEASED, assignee=parties.assignee, decided_at=timezone.now())
    decision = decision_make(
        request, outcome=Outcome.RELEASED, items=1, handling_conditions="Use only for the MARAC referral."
    )
    return request, decision


def attach(parties, decision, *, name: str, content: bytes, content_type: str) -> ReleaseAttachment:
    return ReleaseAttachment.objects.create(
        decision=decision,
        file=ContentFile(content, name="stored.bin"),
        original_name=name,
        content_type=content_type,
        size=len(content),
        sha256="0" * 64,
        uploaded_by=parties.assignee,
    )


def download(parties, attachment, who: str = "requester"):
    url = reverse(
        "sharing:attachment_download", kwargs={"pk": attachment.decision.request_id, "attachment_pk": attachment.pk}
    )
    return parties.client(who).get(url)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_pdf_comes_back_marked_and_signed_on_every_page_with_its_own_text(parties, release):
    request, decision = release
    original = three_page_pdf()
    attachment = attach(parties, decision, name="incident log.pdf", content=original, content_type="application/pdf")
    response = download(parties, attachment)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{request.reference}-incident log-marked.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff" and "no-store" in response["Cache-Control"]
    pdf = body(response)
    assert pdf != original
    assert page_count(pdf) == 3
    pages = pages_text(pdf)
    assert len(pages) == 3
    name = parties.requester.display_name
    for number, (text, own) in enumerate(zip(pages, PAGES), start=1):
        assert text.startswith("RESTRICTED"), text  # the marking at the top of the page...
        assert own in text  # ...the page's own text...
        assert text.count("RESTRICTED") == 2  # ...and the marking at the bottom
        assert f"Downloaded by {name}, Greater Manchester Police, " in text
        assert f"– {request.reference}" in text and f"Page {number} of 3" in text
        assert "Jordan Example" not in text  # the subject is not in the stamp
    entry = AccessLogEntry.objects.get(reference=request.reference)
    assert entry.kind == "download" and entry.user == parties.requester


def test_an_image_becomes_a_one_page_marked_pdf(parties, release):
    request, decision = release
    attachment = attach(parties, decision, name="door.png", content=minimal_png(300, 200), content_type="image/png")
    response = download(parties, attachment, who="do_a")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{request.reference}-door-marked.pdf"' in response["Content-Disposition"]
    pdf = body(response)
    assert page_count(pdf) == 1
    [text] = pages_text(pdf)
    assert text.startswith("RESTRICTED") and text.count("RESTRICTED") == 2
    assert f"Downloaded by {parties.do_a.display_name}, Greater Manchester Police, " in text
    assert request.reference in text
    images = subprocess.run(["pdfimages", "-list", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert " 300   200 " in images  # the image itself, at its own size


def test_another_format_comes_in_a_zip_with_its_handling_conditions(parties, release):
    request, decision = release
    document = docx_bytes()
    attachment = attach(
        parties,
        decision,
        name="chronology.docx",
        content=document,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response = download(parties, attachment, who="assignee")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f'filename="{request.reference}-chronology-marked.zip"' in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(body(response))) as archive:
        assert sorted(archive.namelist()) == ["HANDLING-CONDITIONS.txt", "chronology.docx"]
        assert archive.read("chronology.docx") == document  # the file itself, unchanged
        conditions = archive.read("HANDLING-CONDITIONS.txt").decode()
    lines = conditions.splitlines()
    assert lines[0] == lines[-1] == "PROTECTIVE MARKING: RESTRICTED"
    assert f"Reference: {request.reference}" in conditions
    assert "- Use only for the MARAC referral." in conditions
    assert f"Downloaded by {parties.assignee.display_name}, Stockport Council, " in conditions
    assert "Jordan Example" not in conditions
    assert AccessLogEntry.objects.filter(reference=request.reference, kind="download").count() == 1


def test_a_pdf_that_cannot_be_read_is_wrapped_not_handed_over_bare(parties, release):
    request, decision = release
    damaged = b"%PDF-1.4\nnot really a pdf"
    attachment = attach(parties, decision, name="scan.pdf", content=damaged, content_type="application/pdf")
    response = download(parties, attachment)
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(body(response))) as archive:
        assert archive.read("scan.pdf") == damaged
        assert "PROTECTIVE MARKING: RESTRICTED" in archive.read("HANDLING-CONDITIONS.txt").decode()


def test_a_marking_this_deployment_may_not_carry_is_refused(parties, release, settings):
    request, decision = release
    attachment = attach(parties, decision, name="log.pdf", content=three_page_pdf(), content_type="application/pdf")
    confidential = request.protocol_pack.marking_levels.get(code="confidential")
    decision.__class__.objects.filter(pk=decision.pk).update(marking=confidential)
    settings.PORTAL_SECURE_NETWORK = True
    assert download(parties, attachment).status_code == 200
    settings.PORTAL_SECURE_NETWORK = False
    client = parties.client("requester")
    url = reverse("sharing:attachment_download", kwargs={"pk": request.pk, "attachment_pk": attachment.pk})
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("sharing:request_detail", kwargs={"pk": request.pk})
    page = client.get(response["Location"]).content.decode()
    assert "Confidential material can only go through the portal on a secure network" in page
    assert AccessLogEntry.objects.filter(reference=request.reference, kind="download").count() == 1


def test_the_released_information_pdf_keeps_the_same_marking_rule(parties, release, settings):
    """A release made on a secure network at Confidential cannot be downloaded as a PDF once the
    deployment no longer declares one: the same refusal as an attachment, and no download logged."""
    request, decision = release
    confidential = request.protocol_pack.marking_levels.get(code="confidential")
    decision.__class__.objects.filter(pk=decision.pk).update(marking=confidential)
    client = parties.client("requester")
    url = reverse("sharing:request_pdf", kwargs={"pk": request.pk})
    settings.PORTAL_SECURE_NETWORK = True
    assert client.get(url)["Content-Type"] == "application/pdf"
    settings.PORTAL_SECURE_NETWORK = False
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("sharing:request_detail", kwargs={"pk": request.pk})
    page = client.get(response["Location"]).content.decode()
    assert "Confidential material can only go through the portal on a secure network" in page
    assert AccessLogEntry.objects.filter(reference=request.reference, kind="download").count() == 1
