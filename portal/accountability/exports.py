"""Exports of the decision log for auditors: CSV (everything matching, streamed) and PDF (the
newest entries, marked). DOMAIN.md §8; SSP 7.4 and Appendix 7 (marking top and bottom of each page).

Neither export holds released content or subject details: the log does not hold them.
"""
from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.utils import timezone

from portal.accountability.registry import decision_event_label
from portal.accountability.selectors import DecisionLogFilter, decision_log_export_rows, decision_log_newest
from portal.models import MarkingLevel, User
from portal.pdf import download_footer, pdf_text, render_pdf
from portal.protocols.selectors import current_protocol_packs

CSV_HEADER = (
    "When",
    "Actor",
    "Organisation",
    "Action code",
    "Action",
    "Reference",
    "With whom",
    "Purpose",
    "Reasons",
    "Protocol version",
    "Entry hash",
)
# A spreadsheet treats a cell starting with one of these as a formula (or, for tab and CR, as
# the start of one after trimming): "=HYPERLINK(...)" typed as a reason would run on opening.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The PDF is rendered inline, at about 12 ms an entry: 500 entries take some 6 s. Anything longer
# belongs in the CSV export, which streams everything matching.
PDF_LIMIT = 500
PDF_TEMPLATE = "pdf/audit/decision_log.html"


def csv_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """csv.writer writes into this and gets the line back, so each row can be yielded."""

    def write(self, value: str) -> str:
        return value


def _csv_row(entry: dict) -> list[str]:
    return [
        timezone.localtime(entry["occurred_at"]).isoformat(timespec="seconds"),
        entry["actor_name"],
        entry["organisation_name"],
        entry["action"],
        decision_event_label(entry["action"]),
        entry["reference"],
        entry["recipient_name"],
        entry["purpose"],
        entry["reasons"],
        entry["protocol_version"],
        entry["entry_hash"],
    ]


def csv_marking_line(marking: str) -> list[str]:
    """The first line of a CSV export: its marking, as the top of every PDF page carries it
    (SSP Appendix 7; issue 15), so a file opened or forwarded on its own still says how to handle it."""
    return [f"{marking or 'Marked'}: this export holds information shared under the partnership's protocol. "
            "Handle, store and destroy it as that marking requires."]


def csv_lines(rows: Iterable[list], *, marking: str | None = None) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(csv_marking_line(audit_marking_name() if marking is None else marking))
    yield writer.writerow(CSV_HEADER)
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def decision_log_csv(*, filters: DecisionLogFilter) -> Iterator[str]:
    """The lines of the CSV, generated lazily from a server-side cursor."""
    return csv_lines(_csv_row(entry) for entry in decision_log_export_rows(filters=filters))


def csv_filename(*, today=None) -> str:
    # From the date only: nothing a user typed goes into the Content-Disposition header.
    return f"decision-log-{(today or timezone.localdate()).isoformat()}.csv"


def audit_marking_name() -> str:
    """The marking for exports of the log. The log holds staff names, request references, purposes
    and the reasons for sharing decisions about offenders, victims and witnesses — not the personal
    data itself, but enough to warrant the level a scheme gives to material about those people:
    "Restricted" where the pack has it (Stockport: "personal data about an offender, victim or
    witness"); otherwise the pack's first level (e.g. Durham's OFFICIAL), as packs list levels from
    least to most restrictive and one without "restricted" marks such material at its base level."""
    # One small query of the levels' names (the inbox and the audit pages show this on every
    # load): not the packs themselves, whose JSON data is large.
    levels = list(
        MarkingLevel.objects.filter(pack__in=current_protocol_packs().values("pk"))
        .order_by("pack__partnership__name", "pack_id", "order", "pk")
        .values_list("pack_id", "code", "name")
    )
    if not levels:
        return ""
    for _pack, code, name in levels:  # several partnerships: the most protective of their choices
        if code == "restricted":
            return name
    first_pack = levels[0][0]
    return next(name for pack, _code, name in levels if pack == first_pack)


def personal_data_marking_name(*, pack_id: int) -> str:
    """The same choice as `audit_marking_name` within one pack (a request's): its "restricted"
    level where it has one, else its first. One query."""
    levels = list(MarkingLevel.objects.filter(pack_id=pack_id).order_by("order").values_list("code", "name"))
    for code, name in levels:
        if code == "restricted":
            return name
    return levels[0][1] if levels else ""


def decision_log_pdf(
    *, filters: DecisionLogFilter, filter_summary: list[tuple[str, str]], user: User, organisation_name: str
) -> bytes:
    entries, truncated = decision_log_newest(filters=filters, limit=PDF_LIMIT)
    rows = [
        {
            "entry": entry,
            "when": timezone.localtime(entry.occurred_at),
            "label": decision_event_label(entry.action),
            "purpose": pdf_text(entry.purpose),
            "reasons": pdf_text(entry.reasons),
            "recipient": pdf_text(entry.recipient_name),
            "actor": pdf_text(entry.actor_name),
        }
        for entry in entries
    ]
    return render_pdf(
        template_name=PDF_TEMPLATE,
        context={
            "rows": rows,
            "truncated": truncated,
            "limit": PDF_LIMIT,
            "filter_summary": [(label, pdf_text(value)) for label, value in filter_summary],
            "generated_at": timezone.localtime(),
        },
        marking_text=audit_marking_name(),
        footer_text=download_footer(user=user, organisation_name=organisation_name),
    )
