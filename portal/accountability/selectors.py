"""Reads of the decision log for auditors. Auditors see who, what kind, why, when and for what
purpose — never released content or subject details, which the log does not hold."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone

from portal.models import DecisionLogEntry


@dataclass
class DecisionLogFilter:
    organisation_id: int | None = None
    actor_id: int | None = None
    action: str = ""
    reference: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def decision_log_entries(*, filters: DecisionLogFilter) -> QuerySet[DecisionLogEntry]:
    entries = DecisionLogEntry.objects.all()
    if filters.organisation_id:
        entries = entries.filter(organisation_id=filters.organisation_id)
    if filters.actor_id:
        entries = entries.filter(actor_id=filters.actor_id)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.reference:
        entries = entries.filter(reference=filters.reference.strip().upper())
    if filters.date_from:
        entries = entries.filter(occurred_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        entries = entries.filter(occurred_at__lt=_day_start(filters.date_to) + timezone.timedelta(days=1))
    return entries.order_by("-id")


@dataclass
class Page:
    entries: list[DecisionLogEntry]
    newer_than: int | None  # pass as ?after= to see newer entries
    older_than: int | None  # pass as ?before= to see older entries


def decision_log_page(*, filters: DecisionLogFilter, before: int | None, after: int | None, size: int = 50) -> Page:
    """Keyset pagination on id: constant time at any depth, unlike OFFSET and COUNT(*)."""
    entries = decision_log_entries(filters=filters)
    if after:
        rows = list(entries.filter(id__gt=after).order_by("id")[: size + 1])
        has_more_newer = len(rows) > size
        rows = list(reversed(rows[:size]))
        has_older = bool(rows) and entries.filter(id__lt=rows[-1].id).exists()
        return Page(rows, rows[0].id if rows and has_more_newer else None, rows[-1].id if has_older else None)
    if before:
        entries = entries.filter(id__lt=before)
    rows = list(entries[: size + 1])
    has_older = len(rows) > size
    rows = rows[:size]
    newer = rows[0].id if rows and before else None
    return Page(rows, newer, rows[-1].id if has_older else None)
