"""What the retention engine knows of the apps' content. The core never imports the apps
(docs/architecture.md): each app registers, in its AppConfig.ready(), every content type it
records held copies of:

    register_retention_content(
        content_type="consent.record",
        label="Consent record",
        purge=consent_records_purge,     # (content_ids) -> None
        link=consent_record_path,        # (content_id) -> str, a URL path for the holder
    )

`purge` is called inside the destruction transaction, with the ids whose last live copy has just
been destroyed: it must clear every personal field and delete every file of that content for good,
be idempotent (a file already gone is not an error), and leave the rows other tables point at.
`backfill` (optional) records the copies of content created before it was under retention and
returns how many it recorded (`manage.py retention_backfill`). `in_use` (optional) answers which
of the given ids are still being worked on (an open request): their due copies are not destroyed
but reviewed again after the warning period.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

# Used only when neither the organisation nor the protocol pack says how long (six years).
# Here, not in services, so that the selectors (the policy table) can read it too.
FALLBACK_DAYS = 2190


@dataclass(frozen=True)
class RetentionContent:
    content_type: str
    label: str
    purge: Callable[[list[int]], None]
    link: Callable[[int], str] | None = None
    backfill: Callable[[], int] | None = None
    in_use: Callable[[list[int]], Iterable[int]] | None = None


_CONTENT: dict[str, RetentionContent] = {}


def register_retention_content(
    *,
    content_type: str,
    label: str,
    purge: Callable[[list[int]], None],
    link: Callable[[int], str] | None = None,
    backfill: Callable[[], int] | None = None,
    in_use: Callable[[list[int]], Iterable[int]] | None = None,
) -> None:
    existing = _CONTENT.get(content_type)
    if existing is not None and existing.purge is not purge:
        raise ValueError(f"Retention content {content_type!r} registered twice")
    _CONTENT[content_type] = RetentionContent(content_type, label, purge, link, backfill, in_use)


def retention_content(content_type: str) -> RetentionContent:
    try:
        return _CONTENT[content_type]
    except KeyError:
        raise LookupError(
            f"No retention content {content_type!r}: register it in the owning app's AppConfig.ready()"
        ) from None


def retention_contents() -> Iterable[RetentionContent]:
    return list(_CONTENT.values())
