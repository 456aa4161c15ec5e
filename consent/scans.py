"""The scan of a signed consent form is checked exactly like a release attachment (PDF, DOCX, PNG
or JPEG, judged by content, at most settings.PORTAL_MAX_UPLOAD_BYTES).

Those rules live in `sharing/uploads.py`, which depends on nothing but Django. This module is the
one place consent reaches up to them, so the import runs against the house direction
(meetings → sharing → consent → portal) in exactly one, known place; moving uploads.py into the
core (portal/uploads.py, re-exported by sharing) would remove it.
"""
from __future__ import annotations

from sharing.uploads import (
    ACCEPT_ATTRIBUTE,
    ACCEPTED,
    LimitedUploadHandler,
    clean_filename,
    max_upload_bytes,
    size_label,
    validate_upload,
)

__all__ = [
    "ACCEPT_ATTRIBUTE",
    "ACCEPTED",
    "LimitedUploadHandler",
    "clean_filename",
    "max_upload_bytes",
    "size_label",
    "validate_upload",
]
