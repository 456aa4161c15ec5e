"""Uploads (release attachments, consent scans, meeting papers) are checked by content, size and extension (portal/uploads.py)."""

import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from portal.uploads import DOCX, JPEG, PDF, PNG, LimitedUploadHandler, clean_filename, validate_upload

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)

CONTENT_TYPES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
DOCUMENT_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>Incident log</w:t></w:r></w:p></w:body></w:document>"
)


def image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), (200, 10, 10)).save(buffer, format=fmt)
    return buffer.getvalue()


def docx_bytes(content_types: str = CONTENT_TYPES_XML, extra: dict | None = None, with_document: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        if with_document:
            archive.writestr("word/document.xml", DOCUMENT_XML)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize(
    "name,content,expected",
    [
        ("report.pdf", MINIMAL_PDF, PDF),
        ("photo.png", image_bytes("PNG"), PNG),
        ("photo.jpg", image_bytes("JPEG"), JPEG),
        ("photo.JPEG", image_bytes("JPEG"), JPEG),
        ("statement.docx", docx_bytes(), DOCX),
    ],
)
def test_each_accepted_type(name, content, expected):
    file = upload(name, content)
    content_type, digest = validate_upload(file)
    assert content_type == expected
    assert digest == hashlib.sha256(content).hexdigest()
    assert file.tell() == 0  # left ready to be stored


@pytest.mark.parametrize(
    "name,content",
    [
        ("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100),  # a Windows executable, renamed
        ("invoice.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),  # a web page, renamed
        ("photo.png", b"GIF89a" + b"\x00" * 50),
        ("statement.docx", docx_bytes(with_document=False)),  # a zip, but not a Word document
        ("statement.docx", b"PK\x03\x04not really a zip at all"),
    ],
)
def test_content_that_is_not_what_the_name_says_is_refused(name, content):
    with pytest.raises(ValidationError) as error:
        validate_upload(upload(name, content))
    assert name in error.value.messages[0]


@pytest.mark.parametrize("name", ["run.exe", "page.html", "script.js", "archive.zip", "noextension"])
def test_other_kinds_of_file_are_refused(name):
    with pytest.raises(ValidationError) as error:
        validate_upload(upload(name, MINIMAL_PDF))
    message = error.value.messages[0]
    assert name in message
    assert "PDF, Word (DOCX), PNG or JPEG" in message


def test_wrong_extension_for_the_content_is_refused():
    with pytest.raises(ValidationError) as error:
        validate_upload(upload("photo.jpg", image_bytes("PNG")))
    assert "is a PNG image but its name ends in .jpg" in error.value.messages[0]
    with pytest.raises(ValidationError) as error:
        validate_upload(upload("report.docx", MINIMAL_PDF))
    assert "is a PDF but its name ends in .docx" in error.value.messages[0]


def test_over_20_mb_is_refused_with_a_message():
    big = upload("huge.pdf", MINIMAL_PDF + b"\x00" * (20 * 1024 * 1024))
    with pytest.raises(ValidationError) as error:
        validate_upload(big)
    assert error.value.messages[0] == "“huge.pdf” is larger than 20 MB: choose a smaller file"


def test_empty_file_is_refused():
    with pytest.raises(ValidationError) as error:
        validate_upload(upload("empty.pdf", b""))
    assert "is empty" in error.value.messages[0]


def test_macro_enabled_word_document_is_refused():
    content_types = CONTENT_TYPES_XML.replace(
        "wordprocessingml.document.main+xml", "ms-word.document.macroEnabled.main+xml"
    )
    with pytest.raises(ValidationError) as error:
        validate_upload(upload("macro.docx", docx_bytes(content_types=content_types)))
    assert "macros" in error.value.messages[0]


def test_zip_bomb_is_refused_without_unpacking(settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 1024 * 1024
    bomb = docx_bytes(extra={"word/media/zeros.bin": b"\x00" * (12 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024
    with pytest.raises(ValidationError) as error:
        validate_upload(upload("bomb.docx", bomb))
    assert "bomb.docx" in error.value.messages[0]


def test_filenames_are_cleaned():
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("C:\\Users\\me\\report.pdf") == "report.pdf"
    assert clean_filename("rep\x00ort\x1b.pdf") == "report.pdf"
    assert clean_filename("") == "attachment"
    long = "a" * 400 + ".pdf"
    assert len(clean_filename(long)) == 255 and clean_filename(long).endswith(".pdf")


def test_limited_upload_handler_swallows_an_over_size_file():
    handler = LimitedUploadHandler(limit=10)
    handler.new_file("file", "big.pdf", "application/pdf", 100)
    assert handler.receive_data_chunk(b"12345", 0) == b"12345"
    assert handler.receive_data_chunk(b"67890abc", 5) is None
    result = handler.file_complete(13)
    assert result.size == 13 and result.oversize
    with pytest.raises(ValidationError):
        validate_upload(result)
    # The next file starts counting again, and is left to Django's own handlers.
    handler.new_file("file", "small.pdf", "application/pdf", 5)
    assert handler.receive_data_chunk(b"12345", 0) == b"12345"
    assert handler.file_complete(5) is None
