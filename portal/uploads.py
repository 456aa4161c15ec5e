"""Checking uploads (release attachments, consent scans, meeting papers) before they are stored
(SSP 7, App 7: what is released is handled securely).

Only PDF, Word (DOCX), PNG and JPEG files are accepted, at most settings.PORTAL_MAX_UPLOAD_BYTES
(20 MB) each. The *content* decides what a file is (its magic bytes; for DOCX, a zip holding
`[Content_Types].xml` and `word/document.xml`), and the name's extension must agree with it: a
renamed executable or web page is refused, whatever it is called. A DOCX is never unpacked; its
declared sizes are checked so that a zip bomb is refused before anything reads it.

Stored files live under MEDIA_ROOT (outside the web root) under a random name
(`sharing.models.attachment_path`); the name the user gave is kept only in `original_name`.

`LimitedUploadHandler` stops storing an upload once it passes the limit (the view installs it
before the request body is read), so an over-size file costs no disk space and still comes back
to the form as a clear error, not a 413 or a 500.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
import zipfile
from functools import wraps

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import FileResponse, Http404
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from portal.malware import malware_check

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Extension -> the content type its content must have.
EXTENSIONS = {".pdf": PDF, ".png": PNG, ".jpg": JPEG, ".jpeg": JPEG, ".docx": DOCX}
KIND_NAMES = {PDF: "a PDF", PNG: "a PNG image", JPEG: "a JPEG image", DOCX: "a Word (DOCX) document"}
ACCEPTED = "PDF, Word (DOCX), PNG or JPEG"
ACCEPT_ATTRIBUTE = ".pdf,.docx,.png,.jpg,.jpeg"

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
PDF_SIGNATURE = b"%PDF-"
ZIP_SIGNATURE = b"PK\x03\x04"

# A DOCX's parts, unpacked, may be at most this many times the upload limit, and no part may
# compress better than this ratio: ordinary documents are far below both.
DOCX_MAX_EXPANSION = 10
DOCX_MAX_RATIO = 200
DOCX_MAX_ENTRIES = 5000
CONTENT_TYPES_MAX_BYTES = 1024 * 1024


def stored_file_delete(field) -> None:
    """Delete a stored upload for good (destruction under retention). A file already gone is not
    an error: a destruction that died after deleting it runs again."""
    if field and field.name:
        try:
            field.storage.delete(field.name)
        except FileNotFoundError:
            pass


def max_upload_bytes() -> int:
    return int(getattr(settings, "PORTAL_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))


def size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    return f"{max(size // 1024, 1)} KB"


def clean_filename(name: str | None) -> str:
    """The user's file name made safe to keep and show: no folders, no control characters, at
    most 255 characters. It is only ever shown (escaped), never used as a path."""
    name = (name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > 255:
        stem, ext = os.path.splitext(name)
        name = stem[: 255 - len(ext[:20])] + ext[:20]
    return name or "attachment"


class OversizeUpload(SimpleUploadedFile):
    """What LimitedUploadHandler gives for a file over the limit: its name and true size, no content."""

    oversize = True

    def __init__(self, name: str, size: int, content_type: str | None):
        super().__init__(name, b"", content_type or "application/octet-stream")
        self.size = size


class LimitedUploadHandler(FileUploadHandler):
    """Passes each file's data on to Django's usual handlers until it passes the limit, then
    swallows the rest and hands back an OversizeUpload, which validate_upload refuses."""

    def __init__(self, request=None, limit: int | None = None):
        super().__init__(request)
        self.limit = limit if limit is not None else max_upload_bytes()
        self.received = 0
        self.over = False

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0
        self.over = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.over = True
            return None  # later handlers get nothing more of this file
        return raw_data

    def file_complete(self, file_size):
        if self.over:
            return OversizeUpload(self.file_name, self.received, self.content_type)
        return None  # let the next handler build the file


def _read_head(file, count: int = 16) -> bytes:
    file.seek(0)
    head = file.read(count)
    file.seek(0)
    return head or b""


def _sniff(file, head: bytes, label: str) -> str | None:
    if head.startswith(PDF_SIGNATURE):
        return PDF
    if head.startswith(PNG_SIGNATURE):
        return PNG
    if head.startswith(JPEG_SIGNATURE):
        return JPEG
    if head.startswith(ZIP_SIGNATURE):
        _check_docx(file, label)
        return DOCX
    return None


def _check_docx(file, label: str) -> None:
    not_word = ValidationError(f"{label} is not a Word (DOCX) document: upload a {ACCEPTED} file", code="content")
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            infos = archive.infolist()
            if len(infos) > DOCX_MAX_ENTRIES:
                raise not_word
            total = 0
            for info in infos:
                total += info.file_size
                if info.file_size > 1024 * 1024 and info.file_size > DOCX_MAX_RATIO * max(info.compress_size, 1):
                    raise ValidationError(
                        f"{label} is compressed suspiciously well and cannot be accepted", code="bomb"
                    )
            if total > DOCX_MAX_EXPANSION * max_upload_bytes():
                raise ValidationError(f"{label} is too large once unpacked and cannot be accepted", code="bomb")
            names = {info.filename for info in infos}
            if "[Content_Types].xml" not in names or "word/document.xml" not in names:
                raise not_word
            content_types = archive.getinfo("[Content_Types].xml")
            if content_types.file_size > CONTENT_TYPES_MAX_BYTES:
                raise not_word
            text = archive.read(content_types).decode("utf-8", errors="replace").lower()
    except ValidationError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError, ValueError, NotImplementedError):
        raise not_word from None
    finally:
        file.seek(0)
    if "macroenabled" in text:
        raise ValidationError(f"{label} contains macros: save it as a plain Word document (.docx) first", code="macros")
    if "wordprocessingml" not in text:
        raise not_word


def _sha256(file) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(65536), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def validate_upload(file) -> tuple[str, str]:
    """(content type, SHA-256 hex digest) of an acceptable attachment; ValidationError naming the
    file otherwise."""
    name = clean_filename(getattr(file, "name", ""))
    label = f"“{name}”"
    limit = max_upload_bytes()
    size = getattr(file, "size", None) or 0
    if getattr(file, "oversize", False) or size > limit:
        raise ValidationError(f"{label} is larger than {size_label(limit)}: choose a smaller file", code="size")
    if size == 0:
        raise ValidationError(f"{label} is empty", code="empty")
    extension = os.path.splitext(name)[1].lower()
    expected = EXTENSIONS.get(extension)
    if expected is None:
        raise ValidationError(f"{label} must be a {ACCEPTED} file", code="extension")
    actual = _sniff(file, _read_head(file), label)
    if actual is None:
        raise ValidationError(f"{label} is not really {KIND_NAMES[expected]}: upload a {ACCEPTED} file", code="content")
    if actual != expected:
        raise ValidationError(
            f"{label} is {KIND_NAMES[actual]} but its name ends in {extension}: rename it or choose the right file",
            code="mismatch",
        )
    malware_check(file, label)  # last: only files that pass the cheap checks reach clamd
    return actual, _sha256(file)


def upload_limited(view):
    """Decorate a view that takes uploads: the size limit is enforced while the body is read, so
    `LimitedUploadHandler` must be in place before anything (the CSRF check included) reads
    request.POST. The view is CSRF-protected just inside the handler."""
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.upload_handlers.insert(0, LimitedUploadHandler(request))
        return protected(request, *args, **kwargs)

    return wrapper


def download_name(original: str | None, *, fallback: str) -> str:
    """The uploader's filename, made safe to hand back: no folders, no control characters, no
    quotes, not empty, at most 150 characters with the extension kept."""
    name = unicodedata.normalize("NFC", original or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        "_" if (unicodedata.category(ch)[0] in "CZ" and ch != " ") or ch in '"<>:|?*;' else ch for ch in name
    )
    name = " ".join(name.split()).strip(" .")
    if len(name) > 150:
        stem, dot, extension = name.rpartition(".")
        name = (stem[:140] + dot + extension[:9]) if dot and len(extension) <= 9 else name[:150]
    return name or fallback


def stored_file_response(
    field, *, original_name: str, content_type: str, allowed_types, fallback_name: str, on_open=None
) -> FileResponse:
    """A stored upload as a download that is never cached or sniffed; Http404 when the file has
    gone. The caller has checked need-to-know; `on_open()` (the access log) runs once the file
    is open, so a file that has gone is not logged as downloaded."""
    if not field:
        raise Http404("The file is not available")
    try:
        handle = field.storage.open(field.name, "rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404("The file is not available") from None
    if on_open is not None:
        on_open()
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(original_name, fallback=fallback_name),
        content_type=content_type if content_type in allowed_types else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
