"""PDF rendering for every printable record of the portal: released information, signing-in
sheets, audit exports (DOMAIN.md §5; SSP Appendix 7 "Marking": top and bottom of each page).

`render_pdf` renders a Django template that extends ``pdf/base.html`` with WeasyPrint. The page
furniture is not left to the caller: the protective marking is drawn in the top and bottom page
margins (CSS paged media ``@top-center`` / ``@bottom-center``) and the footer ("Downloaded by NAME,
ORGANISATION at TIME") with "Page N of M" at the bottom of **every** page, however long the body.

The marking and footer are placed as running elements (``position: running()`` shown through
``element()`` in the margin boxes), so they are ordinary escaped HTML text: nothing a user typed
is ever written into CSS. WeasyPrint fetches nothing: every URL in the document is refused
(no remote resources, no local files) and fonts come from the system (Arial, else Liberation Sans).
"""
from __future__ import annotations

import logging
import re
import unicodedata

from django.template.loader import get_template, render_to_string
from django.utils import dateformat, timezone

PAGE_STYLESHEET = "pdf/page.css"

# WeasyPrint reports every layout step at INFO: keep the server log for what matters.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _refusing_fetcher():
    """A WeasyPrint URL fetcher that fetches nothing: a PDF of personal data never reaches out to
    a server or reads a local file, whatever URL ends up in the document."""
    from weasyprint.urls import URLFetcher  # not a cycle: WeasyPrint is heavy and only PDF views need it

    class RefuseEverything(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"PDF rendering does not fetch resources ({url[:80]!r})")

    return RefuseEverything(allowed_protocols=())


def pdf_text(text: str, *, every: int = 40) -> str:
    """Text made safe and quick to lay out: control characters dropped (new lines and tabs
    kept), and a zero-width space every `every` characters inside any longer unbroken run, so a
    pasted 50,000-character "word" wraps like text instead of costing minutes of line breaking."""
    cleaned = "".join(ch for ch in str(text or "") if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    return re.sub(
        r"\S{" + str(every + 1) + ",}",
        lambda match: "\u200b".join(match.group(0)[i : i + every] for i in range(0, len(match.group(0)), every)),
        cleaned,
    )


def _plain(text: str) -> str:
    """One line of page furniture: no control characters, no line breaks."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in str(text or "")).split())


def download_footer(*, user, organisation_name: str, at=None) -> str:
    """ "Downloaded by NAME, ORGANISATION at 12 March 2025 14:03 GMT" in UK time (Europe/London)."""
    moment = timezone.localtime(at or timezone.now())
    name = getattr(user, "display_name", None) or str(user)
    organisation = organisation_name or "no organisation"
    return f"Downloaded by {name}, {organisation} at {dateformat.format(moment, 'j F Y H:i T')}"


def marked_download_footer(*, user, organisation_name: str, reference: str, at=None) -> str:
    """ "Downloaded by NAME, ORGANISATION, 12 March 2025 14:03 GMT – DR-2025-000012": the stamp
    on a downloaded attachment or paper (portal/marked.py). The reference, never the subject."""
    moment = timezone.localtime(at or timezone.now())
    name = getattr(user, "display_name", None) or str(user)
    organisation = organisation_name or "no organisation"
    return f"Downloaded by {name}, {organisation}, {dateformat.format(moment, 'j F Y H:i T')} \u2013 {reference}"


def render_pdf(
    *, template_name: str, context: dict, marking_text: str, footer_text: str, extra_css: str = ""
) -> bytes:
    """Render `template_name` (which extends pdf/base.html) to PDF bytes, with `marking_text` at
    the top and bottom of every page and `footer_text` plus "Page N of M" on every page."""
    return render_document(
        template_name=template_name,
        context=context,
        marking_text=marking_text,
        footer_text=footer_text,
        extra_css=extra_css,
    ).write_pdf()


def render_document(*, template_name: str, context: dict, marking_text: str, footer_text: str, extra_css: str = ""):
    """The laid-out WeasyPrint document render_pdf writes: its pages can be measured first (how
    many table rows fit on a page) before the PDF is made. `extra_css` is the caller's own page
    geometry (portal/marked.py: page sizes and margins), never text a user typed."""
    from weasyprint import CSS, HTML  # imported here: it is heavy and only PDF views need it

    page_context = {
        **context,
        "pdf_marking": _plain(marking_text).upper(),
        "pdf_footer": _plain(footer_text),
    }
    html = render_to_string(template_name, page_context)
    fetcher = _refusing_fetcher()
    stylesheets = [CSS(string=get_template(PAGE_STYLESHEET).render({}), url_fetcher=fetcher)]
    if extra_css:
        stylesheets.append(CSS(string=extra_css, url_fetcher=fetcher))
    document = HTML(string=html, base_url=None, url_fetcher=fetcher)
    return document.render(stylesheets=stylesheets)
