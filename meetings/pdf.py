"""The meetings' PDFs: the signing-in sheet, in the form of SSP Appendix 6 (SSP 7.1: "the chair
should retain a copy of this signing-in sheet"), and the minutes with the cases discussed and the
actions agreed (`minutes_pdf`), both marked at the meeting's level.

Rendered by `portal.pdf.render_pdf`, which puts the meeting's level at the top and bottom of every
page and the "Printed by" line on each. The table's header row repeats on every page
(`display: table-header-group`). Electronic signings are filled in; blank rows follow for wet
signatures, enough to fill the page the signings end on and one more whole page, unless the
chair asks for another number. Before anyone has signed in it is a blank sheet to print.
"""

from __future__ import annotations

import datetime

from django.utils import dateformat, timezone

from meetings.agreement import agreement_paragraphs, level_sentence
from meetings.models import AgendaItem, Meeting, MeetingAction
from meetings.selectors import meeting_attendees
from portal.models import User
from portal.pdf import download_footer, pdf_text, render_document, render_pdf

TEMPLATE = "pdf/meetings/signing_sheet.html"

# Rows of the fixed row height on every page after the first, measured with
# templates/pdf/meetings/signing_sheet.html (tests/meetings/test_pdf.py checks it: measure again if
# the layout changes). The first page holds what is left below the heading, the agreement and the
# level, whose length varies: the table starts right below them and the sheet measures how many
# rows fit there (`first_page_rows`) before it is made. FIRST_PAGE_ROWS is the fewest it holds.
FIRST_PAGE_ROWS = 8
ROWS_PER_PAGE = 20
MAX_BLANK_ROWS = 300


def default_blank_rows(signed: int, first_page_rows: int = FIRST_PAGE_ROWS) -> int:
    """Blank rows to fill the page the signed rows end on, then one more whole page."""
    if signed <= first_page_rows:
        pages_after_first = 0
    else:
        pages_after_first = -(-(signed - first_page_rows) // ROWS_PER_PAGE)  # ceiling
    total = first_page_rows + ROWS_PER_PAGE * (pages_after_first + 1)
    return total - signed


def printed_footer(*, user: User, organisation_name: str, at: datetime.datetime | None = None) -> str:
    moment = timezone.localtime(at or timezone.now())
    organisation = organisation_name or "no organisation"
    return f"Printed by {user.display_name}, {organisation} at {dateformat.format(moment, 'j F Y H:i T')}"


def signing_sheet_rows(*, meeting: Meeting) -> list[dict]:
    """One row per attendee signed in at the meeting's level, in the order they signed."""
    signed = [a for a in meeting_attendees(meeting=meeting) if a.signed_for(meeting)]
    signed.sort(key=lambda a: (a.signed_at, a.pk))
    rows = []
    for attendee in signed:
        at = timezone.localtime(attendee.signed_at).strftime("%H:%M")
        rows.append(
            {
                "name": attendee.display_name,
                "signature": attendee.signature if not attendee.has_account else f"Signed electronically at {at}",
                "signature_note": f"Typed on the chair's screen at {at}" if not attendee.has_account else "",
                "representing": attendee.representing_name,
            }
        )
    return rows


def signing_sheet_context(
    *, meeting: Meeting, rows: list[dict], blank_rows: int | None, first_page_rows: int = FIRST_PAGE_ROWS
) -> dict:
    level = meeting.marking
    if blank_rows is None:
        blank = default_blank_rows(len(rows), first_page_rows)
    else:
        blank = max(0, min(int(blank_rows), MAX_BLANK_ROWS))
    return {
        "meeting": meeting,
        "forum": meeting.forum,
        "level": level,
        "level_sentence": level_sentence(level),
        "paragraphs": agreement_paragraphs(meeting.protocol_pack),
        "starts_at": timezone.localtime(meeting.starts_at),
        "rows": rows,
        "blank_rows": range(blank),
    }


def signing_sheet_pdf(
    *, meeting: Meeting, printed_by: User, organisation_name: str, blank_rows: int | None = None
) -> bytes:
    rows = signing_sheet_rows(meeting=meeting)
    page = {
        "template_name": TEMPLATE,
        "marking_text": meeting.marking.name,
        "footer_text": printed_footer(user=printed_by, organisation_name=organisation_name),
    }
    first_page = FIRST_PAGE_ROWS
    if blank_rows is None:
        # Measure how many rows page 1 holds: the intro and blank rows enough to run over it (rows
        # have a fixed height, so the signed ones take the same room; two short pages to lay out).
        probe = signing_sheet_context(meeting=meeting, rows=[], blank_rows=ROWS_PER_PAGE + FIRST_PAGE_ROWS * 2)
        first_page = max(first_page_rows(render_document(context=probe, **page)), 1)
    context = signing_sheet_context(meeting=meeting, rows=rows, blank_rows=blank_rows, first_page_rows=first_page)
    return render_pdf(context=context, **page)


def first_page_rows(document) -> int:
    """How many of the sheet's rows (signed or blank) the laid-out document has on its first page."""
    from weasyprint.formatting_structure import boxes

    return sum(
        1
        for box in document.pages[0]._page_box.descendants()
        if isinstance(box, boxes.TableRowBox) and box.element is not None and box.element.get("class") == "sheet-row"
    )


# --- the minutes -----------------------------------------------------------------------------

MINUTES_TEMPLATE = "pdf/meetings/minutes.html"


SUMMARY_NOT_SHARED = "None shared"
SUMMARY_DESTROYED = "Destroyed under the retention policy"
SUMMARY_NOT_NOW = "Shared with the meeting: attendees who signed in read it while the meeting is in session"


def _case_row(item: AgendaItem, *, show_summaries: bool) -> dict:
    summary, note = "", ""
    if not item.summary_shared_at:
        note = SUMMARY_NOT_SHARED
    elif not item.summary:
        note = SUMMARY_DESTROYED
    elif show_summaries:
        summary = pdf_text(item.summary)
    else:
        note = SUMMARY_NOT_NOW
    return {"number": item.number, "reference": pdf_text(item.request.reference), "summary": summary, "note": note}


def minutes_context(
    *, meeting: Meeting, agenda: list[AgendaItem], actions: list[MeetingAction], show_summaries: bool
) -> dict:
    """What the minutes PDF shows: the minutes; the cases discussed by number and request
    reference, as the meeting page shows them to every attendee (never the request's details or
    its subjects), with the chair's shared summary only where the reader may read it on the case's
    page (`show_summaries`); and every action, as the minutes page lists them."""
    return {
        "meeting": meeting,
        "forum": meeting.forum,
        "level": meeting.marking,
        "level_sentence": level_sentence(meeting.marking),
        "starts_at": timezone.localtime(meeting.starts_at),
        "title": pdf_text(meeting.title),
        "where": pdf_text(meeting.where),
        "minutes": pdf_text(meeting.minutes),
        "minutes_updated_at": timezone.localtime(meeting.minutes_updated_at) if meeting.minutes_updated_at else None,
        "cases": [_case_row(item, show_summaries=show_summaries) for item in agenda],
        "actions": [
            {
                "case": action.agenda_item.number,
                "text": pdf_text(action.text),
                "owner": action.owner_organisation.name,
                "due_on": action.due_on,
                "done": action.done,
            }
            for action in actions
        ],
    }


def minutes_pdf(
    *,
    meeting: Meeting,
    agenda: list[AgendaItem],
    actions: list[MeetingAction],
    show_summaries: bool,
    downloaded_by: User,
    organisation_name: str,
) -> bytes:
    """The minutes as a PDF at the meeting's level (top and bottom of every page), with "Downloaded
    by" on every page."""
    return render_pdf(
        template_name=MINUTES_TEMPLATE,
        context=minutes_context(meeting=meeting, agenda=agenda, actions=actions, show_summaries=show_summaries),
        marking_text=meeting.marking.name,
        footer_text=download_footer(user=downloaded_by, organisation_name=organisation_name),
    )
