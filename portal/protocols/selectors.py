"""Reads of the protocol in force and of older versions (DOMAIN.md §2, §6).

`current_partnership_name()` is called on every page (portal/context_processors.py), so it keeps
the answer for a few seconds per process instead of asking the database every time. A pack load
clears it at once in the loading process; other processes see the new name within
PORTAL_PROTOCOL_CACHE_SECONDS.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Prefetch, QuerySet

from portal.models import FlowchartAnswer, FlowchartNode, FlowchartOutcome, Forum, ProtocolPack, Purpose

DEFAULT_PARTNERSHIP_NAME = "Community Safety Partnership"

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
    name = (
        ProtocolPack.objects.filter(is_current=True).values_list("partnership_name", flat=True).first()
        or DEFAULT_PARTNERSHIP_NAME
    )
    # A value read inside a transaction may yet be rolled back (a failed load, or a test), so only
    # what is committed is shared with the process's other requests.
    if not connection.in_atomic_block:
        _name_cache = (now + getattr(settings, "PORTAL_PROTOCOL_CACHE_SECONDS", 30), name)
    return name


def current_protocol_pack() -> ProtocolPack | None:
    return ProtocolPack.objects.filter(is_current=True).first()


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
