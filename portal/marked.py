"""Marked downloads of uploaded files: release attachments and meeting papers (DOMAIN.md §5;
SSP Appendix 7 "Marking"; ADR 0010).

An upload is kept as it came (its SHA-256 is on the record); what leaves the portal carries the
protective marking and who downloaded it, when:

- a PDF is stamped: every page is scaled down a little, centred on a page of the same size, and
  the marking is laid at its top and bottom with the footer "Downloaded by NAME, ORGANISATION,
  DATE TIME – REFERENCE" and "Page N of M" (the overlay is rendered by WeasyPrint from
  pdf/stamp.html, merged with pypdf). The stamped file is a new document: the original's
  scripts, forms, annotations and metadata are not carried over;
- a PNG or JPEG becomes a one-page PDF (A4, upright or landscape as the image is), stamped the
  same way; the image is re-encoded, so its metadata (camera, location) stays behind;
- anything else (a Word document), and any PDF or image that cannot be read or is too large to
  stamp (encrypted, damaged, more than MAX_STAMPED_PAGES pages), goes in a ZIP with
  HANDLING-CONDITIONS.txt: the marking, the handling conditions, who downloaded it and when and
  the reference, so the marking travels with the file.

The stamp names the downloader and the reference, never the person the information is about.
"""
from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from portal.pdf import render_pdf
from portal.uploads import JPEG, PDF, PNG, download_name

logger = logging.getLogger(__name__)

MM = 72 / 25.4
# The stamp's page margins (top, right, bottom, left), in mm: the marking sits in the top one, the
# marking and the footer in the bottom one; the file's page is scaled into what is left.
STAMP_MARGINS_MM = (16, 10, 22, 10)
A4_POINTS = (595.276, 841.89)
MAX_STAMPED_PAGES = 500
MAX_IMAGE_PIXELS = 40_000_000
IMAGE_DPI = 96
CONDITIONS_NAME = "HANDLING-CONDITIONS.txt"


class NotStampable(Exception):
    """The file cannot be stamped (damaged, encrypted, too large): it is wrapped instead."""


@dataclass(frozen=True)
class Stamp:
    """What a marked download carries. `footer` is portal.pdf.marked_download_footer's line."""

    marking: str
    footer: str
    reference: str
    handling_conditions: tuple[str, ...] = ()


@dataclass(frozen=True)
class MarkedFile:
    content: bytes
    content_type: str
    filename: str


def _size_key(width: float, height: float) -> tuple[float, float]:
    return (round(width, 1), round(height, 1))


def _stamp_css(sizes: dict[tuple[float, float], str]) -> str:
    """Named pages of the sizes needed (numbers the code computed, never user text)."""
    top, right, bottom, left = STAMP_MARGINS_MM
    rules = [f"@page {{ margin: {top}mm {right}mm {bottom}mm {left}mm; }}"]
    for (width, height), name in sizes.items():
        rules.append(f"@page {name} {{ size: {width:.1f}pt {height:.1f}pt; }}")
        rules.append(f".pdf-stamp-{name} {{ page: {name}; }}")
    rules.append(".pdf-stamp-page { break-before: page; height: 1pt; }")
    return "\n".join(rules)


def _overlay(page_sizes: list[tuple[float, float]], stamp: Stamp):
    """A PDF (pypdf reader) of one stamp page per page size given, in order."""
    from pypdf import PdfReader  # imported here: only downloads need it

    names: dict[tuple[float, float], str] = {}
    pages = [names.setdefault(_size_key(*size), f"s{len(names)}") for size in page_sizes]
    pdf = render_pdf(
        template_name="pdf/stamp.html",
        context={"pages": pages, "title": stamp.reference},
        marking_text=stamp.marking,
        footer_text=stamp.footer,
        extra_css=_stamp_css(names),
    )
    overlay = PdfReader(io.BytesIO(pdf))
    if len(overlay.pages) != len(page_sizes):
        raise NotStampable(f"the stamp has {len(overlay.pages)} pages for {len(page_sizes)}")
    return overlay


def _placement(left: float, bottom: float, width: float, height: float, target: tuple[float, float]):
    """The transformation that moves a page's box (left, bottom, width, height) into the target
    page's area inside the stamp's margins, scaled down to fit (never enlarged) and centred."""
    from pypdf import Transformation

    top, right, bottom, left = (value * MM for value in STAMP_MARGINS_MM)
    area_width, area_height = target[0] - left - right, target[1] - top - bottom
    scale = min(area_width / width, area_height / height, 1.0)
    x = left + (area_width - scale * width) / 2
    y = bottom + (area_height - scale * height) / 2
    return Transformation().translate(-left, -bottom).scale(scale, scale).translate(x, y)


def _read_pdf(data: bytes):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise NotStampable("the PDF is encrypted")
    if not 0 < len(reader.pages) <= MAX_STAMPED_PAGES:
        raise NotStampable(f"the PDF has {len(reader.pages)} pages")
    return reader


def stamp_pdf(data: bytes, stamp: Stamp, *, page_size: tuple[float, float] | None = None) -> bytes:
    """`data` (a PDF) with the stamp on every page. Each page keeps its size unless `page_size`
    (points) is given; NotStampable when it cannot be read."""
    from pypdf import PdfWriter

    reader = _read_pdf(data)
    scratch = PdfWriter()  # pypdf turns a page's /Rotate into its content only on a writer's page
    sources = []
    for original in reader.pages:
        page = scratch.add_page(original)
        page.transfer_rotation_to_content()
        box = page.mediabox
        width, height = float(box.width), float(box.height)
        if width <= 0 or height <= 0:
            raise NotStampable("a page has no size")
        sources.append((page, float(box.left), float(box.bottom), width, height))
    targets = [page_size or (width, height) for _, _, _, width, height in sources]
    overlay = _overlay(targets, stamp)
    writer = PdfWriter()
    for (page, left, bottom, width, height), target, furniture in zip(sources, targets, overlay.pages):
        sheet = writer.add_blank_page(width=target[0], height=target[1])
        sheet.merge_transformed_page(page, _placement(left, bottom, width, height, target))
        sheet.merge_page(furniture)
    writer.add_metadata({"/Title": stamp.reference, "/Producer": "Case-sharing portal"})
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def image_pdf(data: bytes) -> tuple[bytes, tuple[float, float]]:
    """A PNG or JPEG as a one-page PDF at IMAGE_DPI, and the A4 page (upright or landscape) to
    stamp it on; NotStampable when it is not a readable image of a sensible size."""
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise NotStampable("the image is too large")
            image.load()
            upright = ImageOps.exif_transpose(image)
            if upright.mode not in ("RGB", "L"):
                rgba = upright.convert("RGBA")
                upright = Image.new("RGB", rgba.size, "white")
                upright.paste(rgba, mask=rgba.getchannel("A"))
            output = io.BytesIO()
            upright.save(output, format="PDF", resolution=IMAGE_DPI)
            landscape = upright.width > upright.height
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise NotStampable(f"the image cannot be read ({type(error).__name__})") from None
    page = (A4_POINTS[1], A4_POINTS[0]) if landscape else A4_POINTS
    return output.getvalue(), page


def handling_text(*, stamp: Stamp, file_name: str) -> str:
    """HANDLING-CONDITIONS.txt: the marking first and last, the conditions, who and when."""
    marking = stamp.marking.upper() or "NO PROTECTIVE MARKING"
    conditions = [f"- {line}" for line in stamp.handling_conditions] or ["- None recorded."]
    lines = [
        f"PROTECTIVE MARKING: {marking}",
        "",
        f"Reference: {stamp.reference}",
        f"File: {file_name}",
        stamp.footer,
        "",
        "Handling conditions:",
        *conditions,
        "",
        "The protective marking and these conditions apply to the file in this archive: keep them together.",
        "",
        f"PROTECTIVE MARKING: {marking}",
        "",
    ]
    return "\r\n".join(lines)


def wrapped(data: bytes, *, original_name: str, stamp: Stamp) -> bytes:
    """A ZIP of the file (under its own name) and HANDLING-CONDITIONS.txt."""
    name = download_name(original_name, fallback="attachment")
    if name.upper() == CONDITIONS_NAME.upper():
        name = f"file-{name}"
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(CONDITIONS_NAME, handling_text(stamp=stamp, file_name=name).encode("utf-8"))
        archive.writestr(name, data)
    return output.getvalue()


def _marked_name(reference: str, original_name: str, extension: str) -> str:
    stem = download_name(original_name, fallback="attachment").rsplit(".", 1)[0] or "attachment"
    return download_name(f"{reference}-{stem}-marked.{extension}", fallback=f"{reference}-attachment-marked.{extension}")


def _stamped(data: bytes, content_type: str, stamp: Stamp) -> bytes | None:
    try:
        if content_type == PDF:
            return stamp_pdf(data, stamp)
        if content_type in (PNG, JPEG):
            pdf, page = image_pdf(data)
            return stamp_pdf(pdf, stamp, page_size=page)
    except NotStampable as error:
        logger.warning("Marked download of %s: wrapped, not stamped (%s)", stamp.reference, error)
    except Exception as error:  # pypdf raises many kinds for damaged files: the file is wrapped instead
        logger.warning("Marked download of %s: wrapped, not stamped (%s)", stamp.reference, type(error).__name__)
    return None


def marked_file(data: bytes, *, content_type: str, original_name: str, stamp: Stamp) -> MarkedFile:
    """What a download hands over: a stamped PDF, or the file wrapped in a ZIP with its conditions."""
    stamped = _stamped(data, content_type, stamp)
    if stamped is not None:
        return MarkedFile(stamped, PDF, _marked_name(stamp.reference, original_name, "pdf"))
    return MarkedFile(
        wrapped(data, original_name=original_name, stamp=stamp),
        "application/zip",
        _marked_name(stamp.reference, original_name, "zip"),
    )


def read_stored(field) -> bytes | None:
    """The stored upload's bytes, or None when it has gone."""
    if not field:
        return None
    try:
        with field.storage.open(field.name, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, OSError, ValueError):
        return None


def marked_response(marked: MarkedFile) -> HttpResponse:
    """The marked file as a download that is never cached or sniffed."""
    response = HttpResponse(marked.content, content_type=marked.content_type)
    response["Content-Disposition"] = content_disposition_header(True, marked.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
