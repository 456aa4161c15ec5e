"""The PDF copy of released information (sharing:request_pdf) and the core renderer
(portal/pdf.py): the marking at the top and bottom of EVERY page, "Downloaded by NAME,
ORGANISATION at TIME" and "Page N of M" on every page, read back with pdftotext."""
import shutil
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import AccessLogEntry
from portal.pdf import _refusing_fetcher, download_footer, pdf_text, render_pdf
from sharing.models import Outcome, ReleaseItem, Status
from tests.sharing.factories import decision_make

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"),
]


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page (pdftotext separates pages with form feeds)."""
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True).stdout
    pages = text.decode().split("\f")
    return [page for page in pages if page.strip()]


def pdf_url(request):
    return reverse("sharing:request_pdf", kwargs={"pk": request.pk})


@pytest.fixture
def long_release(parties):
    request = parties.request(status=Status.RELEASED, assignee=parties.assignee, decided_at=timezone.now())
    decision = decision_make(request, outcome=Outcome.RELEASED, items=0)
    ReleaseItem.objects.bulk_create(
        ReleaseItem(
            decision=decision,
            text=f"Released item {n}. " + "Officers attended after a report of shouting and a window was broken. " * 6,
            fact_or_opinion="fact",
            originating_organisation=parties.b,
            order=n,
        )
        for n in range(40)
    )
    return request, decision


def test_marking_and_footer_on_every_page_of_a_multi_page_copy(parties, long_release):
    request, _ = long_release
    response = parties.client("requester").get(pdf_url(request))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pages = pdf_pages(response.content)
    assert len(pages) >= 2, "the test needs a copy of several pages"
    requester = parties.requester.display_name
    for number, page in enumerate(pages, start=1):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        assert lines[0] == "RESTRICTED", f"page {number} does not start with the marking"
        assert page.count("RESTRICTED") >= 2, f"page {number} lacks the marking at the bottom"
        assert f"Downloaded by {requester}, {parties.a.name} at" in page, f"page {number}"
        assert f"Page {number} of {len(pages)}" in page
    text = "".join(pages)
    assert "Released item 0." in text and "Released item 39." in text
    assert "Jordan Example" in text  # whom it is about
    assert "Greater Manchester Police" in text


def test_headers_filename_and_access_log(parties, long_release):
    request, _ = long_release
    response = parties.client("do_a").get(pdf_url(request))
    assert response["Content-Disposition"] == f'attachment; filename="{request.reference}-released.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    entry = AccessLogEntry.objects.get(reference=request.reference)
    assert (entry.user, entry.kind, entry.organisation) == (parties.do_a, "download", parties.a)


def test_no_copy_before_anything_is_released(parties):
    request = parties.request(status=Status.DECLINED, assignee=parties.assignee)
    decision_make(request, outcome=Outcome.DECLINED)
    assert parties.client("requester").get(pdf_url(request)).status_code == 404
    submitted = parties.request()
    assert parties.client("requester").get(pdf_url(submitted)).status_code == 404
    assert not AccessLogEntry.objects.filter(kind="download").exists()


@pytest.mark.parametrize("name", ["officer_a", "officer_b", "do_c", "chair", "auditor", "admin"])
def test_no_copy_without_need_to_know(parties, long_release, name):
    request, _ = long_release
    assert parties.client(name).get(pdf_url(request)).status_code == 404


def test_a_disputed_partial_release_can_still_be_downloaded(parties):
    request = parties.request(status=Status.DISPUTED, assignee=parties.assignee)
    decision_make(request, outcome=Outcome.PARTLY_RELEASED, items=2)
    response = parties.client("requester").get(pdf_url(request))
    assert response.status_code == 200
    assert "Third-party details withheld." in "".join(pdf_pages(response.content))


def test_footer_is_in_uk_time(parties):
    summer = datetime(2025, 7, 1, 12, 30, tzinfo=ZoneInfo("UTC"))
    footer = download_footer(user=parties.requester, organisation_name="GMP", at=summer)
    assert footer == f"Downloaded by {parties.requester.display_name}, GMP at 1 July 2025 13:30 BST"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://127.0.0.1:9/x.png", "data:text/css,p{}"])
def test_the_renderer_fetches_nothing(url):
    with pytest.raises(ValueError, match="does not fetch"):
        _refusing_fetcher().fetch(url)


def test_renderer_escapes_page_furniture():
    pdf = render_pdf(
        template_name="pdf/base.html",
        context={},
        marking_text='Official<b>"Sensitive"</b>\x07',
        footer_text='Downloaded by <img src="file:///etc/passwd"> at noon',
    )
    pages = pdf_pages(pdf)
    assert len(pages) == 1
    assert 'OFFICIAL<B>"SENSITIVE"</B>' in pages[0]
    assert '<img src="file:///etc/passwd">' in pages[0]


def test_pdf_text_drops_control_characters_and_breaks_long_runs():
    assert pdf_text("a\x00b\x07c\r\nd\te") == "abc\nd\te"
    broken = pdf_text("x" * 100 + " short")
    assert broken == "x" * 40 + "\u200b" + "x" * 40 + "\u200b" + "x" * 20 + " short"


def test_a_huge_unbroken_item_does_not_stall_the_copy(parties):
    """A pasted 30,000-character "word" took minutes of line breaking before pdf_text."""
    import time

    request = parties.request(status=Status.RELEASED, assignee=parties.assignee)
    decision = decision_make(request, outcome=Outcome.RELEASED, items=0)
    ReleaseItem.objects.create(
        decision=decision, text="z" * 30_000, fact_or_opinion="fact", originating_organisation=parties.b
    )
    started = time.monotonic()
    response = parties.client("requester").get(pdf_url(request))
    assert response.status_code == 200
    assert time.monotonic() - started < 20
    pages = pdf_pages(response.content)
    assert all("RESTRICTED" in page for page in pages)
