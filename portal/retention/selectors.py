"""Reads of held copies, holds and destruction runs. Held copies carry no personal content
(references, kinds, dates), so these lists need no access log; the content behind them is read
only through each app's guarded selectors."""
from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone

from portal.models import DestructionRun, HeldCopy, LegalHold, Organisation


def destroyed_copies(*, content_type: str, content_ids: Iterable[int], holder_id: int) -> set[tuple[int, str]]:
    """(content_id, kind) of the holder's copies already destroyed: an app hides that content from
    the holder's people even while other organisations' copies still exist."""
    return set(
        HeldCopy.objects.filter(
            content_type=content_type, content_id__in=list(content_ids), holder_id=holder_id, destroyed_at__isnull=False
        ).values_list("content_id", "kind")
    )


def held_copies_due(
    *, organisation: Organisation, within_days: int = 30, kind: str = "", today: datetime.date | None = None
) -> QuerySet[HeldCopy]:
    """The organisation's live copies whose review date falls within `within_days` (or has passed)."""
    today = today or timezone.localdate()
    copies = HeldCopy.objects.filter(
        holder=organisation, destroyed_at__isnull=True, review_date__lte=today + datetime.timedelta(days=within_days)
    )
    if kind:
        copies = copies.filter(kind=kind)
    return copies.select_related("officer", "confirmed_by").order_by("review_date", "id")


def held_copies_for_holder(*, organisation: Organisation) -> QuerySet[HeldCopy]:
    return HeldCopy.objects.filter(holder=organisation)


def legal_holds(*, organisation: Organisation | None = None, active: bool | None = True) -> QuerySet[LegalHold]:
    """Holds placed by the organisation (all organisations' for None)."""
    holds = LegalHold.objects.select_related("organisation", "set_by", "lifted_by", "subject")
    if organisation is not None:
        holds = holds.filter(organisation=organisation)
    if active is True:
        holds = holds.filter(lifted_at__isnull=True)
    elif active is False:
        holds = holds.filter(lifted_at__isnull=False)
    return holds


def holds_covering(copy: HeldCopy) -> QuerySet[LegalHold]:
    condition = Q(pk__in=[])
    if copy.request_reference:
        condition |= Q(request_reference=copy.request_reference)
    if copy.subject_ids:
        condition |= Q(subject_id__in=copy.subject_ids)
    return LegalHold.objects.filter(condition, lifted_at__isnull=True)


def destruction_runs(*, organisation: Organisation | None = None) -> QuerySet[DestructionRun]:
    """Runs that destroyed something (of the organisation's, when given), newest first."""
    runs = DestructionRun.objects.all()
    if organisation is not None:
        runs = runs.filter(destroyed__holder=organisation).distinct()
    return runs.order_by("-started_at", "-pk")


def run_tombstones(*, run: DestructionRun, organisation: Organisation | None = None) -> QuerySet[HeldCopy]:
    tombstones = HeldCopy.objects.filter(destroyed_by_run=run).select_related("holder")
    if organisation is not None:
        tombstones = tombstones.filter(holder=organisation)
    return tombstones.order_by("holder__name", "kind", "reference", "pk")
