"""Reads of the protocols in force and of older versions (DOMAIN.md §2, §6; issue 16).

Each partnership has its own pack in force: `current_protocol_pack(partnership)`.

`current_partnership_name()` is called on every page (portal/context_processors.py), so it keeps
the answer for a few seconds per process instead of asking the database every time: the name of
the one partnership a deployment hosts, or a name for the portal when it hosts several. A pack
load clears it at once in the loading process; other processes see the new name within
PORTAL_PROTOCOL_CACHE_SECONDS.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Prefetch, QuerySet

from portal.models import (
    FlowchartAnswer,
    FlowchartNode,
    FlowchartOutcome,
    Forum,
    Organisation,
    Partnership,
    ProtocolPack,
    Purpose,
)

DEFAULT_PARTNERSHIP_NAME = "Community Safety Partnership"
SEVERAL_PARTNERSHIPS_NAME = "Community Safety Partnerships"

_name_cache: tuple[float, str] | None = None  # (expires at, name)


def current_pack_cache_clear() -> None:
    global _name_cache
    _name_cache = None


def current_partnership_name() -> str:
    global _name_cache
    now = time.monotonic()
    cached = _name_cache
    if cached is not None and cached[0] > now:
        return cached[1]
    names = list(ProtocolPack.objects.filter(is_current=True).values_list("partnership_name", flat=True)[:2])
    if len(names) > 1:
        name = SEVERAL_PARTNERSHIPS_NAME
    else:
        name = names[0] if names else DEFAULT_PARTNERSHIP_NAME
    # A value read inside a transaction may yet be rolled back (a failed load, or a test), so only
    # what is committed is shared with the process's other requests.
    if not connection.in_atomic_block:
        _name_cache = (now + getattr(settings, "PORTAL_PROTOCOL_CACHE_SECONDS", 30), name)
    return name


def current_protocol_pack(partnership: Partnership | int | None) -> ProtocolPack | None:
    """The pack in force for `partnership` (None when none is, or no partnership is given)."""
    if partnership is None:
        return None
    return ProtocolPack.objects.filter(partnership=partnership, is_current=True).first()


def current_version_of(pack: ProtocolPack) -> ProtocolPack:
    """The version in force of the partnership `pack` belongs to (a decision is made under it),
    or `pack` itself when that partnership has none in force."""
    return current_protocol_pack(pack.partnership_id) or pack


def organisation_protocol_pack(organisation: Organisation | int) -> ProtocolPack | None:
    """The protocol in force that sets an organisation's defaults where no one request decides
    (its retention defaults, its policy page): that of its partnership, or of the first by name
    when it belongs to several (docs/adr/0009)."""
    return (
        ProtocolPack.objects.filter(is_current=True, partnership__members__organisation=organisation)
        .order_by("partnership__name")
        .first()
    )


def current_protocol_packs() -> QuerySet[ProtocolPack]:
    """Every partnership's pack in force, by partnership name."""
    return ProtocolPack.objects.filter(is_current=True).select_related("partnership").order_by("partnership__name")


def protocol_pack_versions() -> QuerySet[ProtocolPack]:
    """Every loaded pack, newest load first, without the (large) pack data."""
    return ProtocolPack.objects.defer("data").select_related("loaded_by").order_by("-loaded_at", "-pk")


def protocol_pack_get(*, slug: str, version: str) -> ProtocolPack | None:
    return ProtocolPack.objects.filter(slug=slug, version=version).first()


def protocol_forums(*, pack: ProtocolPack) -> QuerySet[Forum]:
    return pack.forums.prefetch_related(Prefetch("purposes", queryset=Purpose.objects.order_by("order")))


# --- The flowchart, as a reader follows it ------------------------------------------------------


@dataclass(frozen=True)
class FlowchartStep:
    answer: str  # answer label: "Yes", "No", "Not sure"
    node: FlowchartNode | None  # the next question, or
    outcome: str  # the FlowchartOutcome code
    outcome_title: str


@dataclass(frozen=True)
class FlowchartQuestion:
    number: int
    node: FlowchartNode
    steps: list[FlowchartStep]


def protocol_flowchart(*, pack: ProtocolPack) -> list[FlowchartQuestion]:
    """The flowchart's questions in pack order, each with where every answer leads."""
    nodes = list(pack.flowchart_nodes.all())
    by_code = {node.code: node for node in nodes}
    titles = {item["code"]: item["title"] for item in pack.data["flowchart"]["outcomes"]}
    questions = []
    for number, node in enumerate(nodes, start=1):
        steps = []
        for answer in FlowchartAnswer:
            target = node.answers[answer.value]
            outcome = target.get("outcome", "")
            steps.append(
                FlowchartStep(
                    answer=answer.label,
                    node=by_code.get(target.get("node", "")),
                    outcome=outcome,
                    outcome_title=titles.get(outcome) or (FlowchartOutcome(outcome).label if outcome else ""),
                )
            )
        questions.append(FlowchartQuestion(number=number, node=node, steps=steps))
    return questions


def protocol_changes_since(*, pack: ProtocolPack):
    """(the version in force, what changed) when a newer version of `pack`'s partnership's protocol
    is in force, else None: what a draft raised under `pack` is told (SSP 17, issue 12). Only the
    sections that changed."""
    from portal.protocols.diff import pack_diff

    current = current_protocol_pack(pack.partnership_id)
    if current is None or current.pk == pack.pk:
        return None
    return current, [section for section in pack_diff(old=pack.data or {}, new=current.data or {}) if section.changes]
