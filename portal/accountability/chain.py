"""The decision log's hash chain: HMAC-SHA256 over a canonical encoding of each entry's fields
and the previous entry's hash. Only this module knows the encoding."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime

from django.conf import settings

GENESIS = "0" * 64
CHAINED_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_name",
    "organisation_id",
    "organisation_name",
    "action",
    "reference",
    "recipient_name",
    "purpose",
    "reasons",
    "protocol_version",
    "details",
)
# Chained only when set, so entries written before partnerships existed verify as they were.
OPTIONAL_CHAINED_FIELDS = ("partnership_id",)


def _key() -> bytes:
    key = getattr(settings, "PORTAL_DECISION_LOG_KEY", "")
    if not key:
        raise RuntimeError("PORTAL_DECISION_LOG_KEY is not set: the decision log cannot be written or verified.")
    return key.encode()


def _canonical(value):
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return value


def entry_digest(*, previous_hash: str, fields: dict) -> str:
    payload = {name: _canonical(fields[name]) for name in CHAINED_FIELDS}
    for name in OPTIONAL_CHAINED_FIELDS:
        if fields.get(name) is not None:
            payload[name] = fields[name]
    message = previous_hash.encode() + json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()
