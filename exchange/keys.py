"""API keys and webhook signatures (docs/adr/0013-partner-api-on-django-ninja.md).

A key is `csp_<prefix>.<secret>`: the prefix finds the row, and the row holds only an HMAC-SHA256
of the whole key under the server's key (`PORTAL_API_KEY_SECRET`, kept outside the database), so
a copy of the database gives no working key. A webhook's signing secret is derived from the same
server key, the client and its secret version: never stored, shown once to the admin.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings

KEY_PREFIX = "csp_"


def _server_key() -> bytes:
    return (getattr(settings, "PORTAL_API_KEY_SECRET", "") or settings.SECRET_KEY).encode()


def key_digest(key: str) -> str:
    return hmac.new(_server_key(), f"api-key:{key}".encode(), hashlib.sha256).hexdigest()


def key_new() -> tuple[str, str, str]:
    """(prefix, the whole key to show once, its digest to store)."""
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}{prefix}.{secrets.token_urlsafe(32)}"
    return prefix, key, key_digest(key)


def key_prefix(key: str) -> str | None:
    if not key.startswith(KEY_PREFIX) or "." not in key:
        return None
    prefix = key[len(KEY_PREFIX):].split(".", 1)[0]
    return prefix if len(prefix) == 12 else None


def key_matches(key: str, digest: str) -> bool:
    return hmac.compare_digest(key_digest(key), digest)


def webhook_secret(*, client_id: int, version: int) -> str:
    return "whsec_" + hmac.new(_server_key(), f"webhook:{client_id}:{version}".encode(), hashlib.sha256).hexdigest()


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` of `<timestamp>.<body>`: what the receiver recomputes (docs/api.md)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"
