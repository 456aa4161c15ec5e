"""The monitoring report's building blocks (SSP 16.1, SDP 4.5 i; issue 12), in the core so that any
app can add a section: `oversight` draws the report and registers the sections about requests,
retention and meetings; an app below it (e.g. `governance`, for breaches, complaints and rights
cases) registers its own section source in `AppConfig.ready()` without knowing about `oversight`.

A section source is `source(*, filters: ReportFilter) -> list[ReportTable]`. It must answer with
aggregate SQL only (never rows loaded into Python) and hold no personal data: counts, shares and
durations, labelled by organisation, forum, month or status.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ReportFilter:
    """What the reader asked for. Codes, not ids: a purpose or forum keeps its code across pack
    versions, so a report over a period that spans a new version counts both."""

    partnership_id: int
    start: datetime  # inclusive, aware
    end: datetime  # exclusive, aware
    organisation_id: int | None = None
    organisation_as: str = "either"  # "either", "requester" or "holder"
    forum_code: str = ""
    purpose_code: str = ""
    gateway_code: str = ""
    marking_code: str = ""


@dataclass(frozen=True)
class Cell:
    """One figure. `kind`: "count", "percent" (0–100) or "days". `base` is the number of cases a
    share or a duration is computed from, so a share of fewer than 5 cases is withheld like a count."""

    value: int | float | None
    kind: str = "count"
    base: int | None = None


@dataclass
class ReportRow:
    label: str
    cells: list[Cell]
    # The organisations the row is about (for the small-count rule): empty means "the partnership".
    organisation_ids: frozenset[int] = frozenset()


@dataclass
class ReportTable:
    key: str  # a slug: the CSV file's name and the page anchor
    title: str
    columns: list[str]  # headers of the figures (the row label's header is `label_header`)
    rows: list[ReportRow]
    label_header: str = ""
    note: str = ""
    # "trend" or "comparison": the page draws this table as a chart too (of `chart_columns`).
    chart: str = ""
    chart_columns: list[int] = field(default_factory=list)


ReportSource = Callable[..., list[ReportTable]]
_SOURCES: list[tuple[int, str, ReportSource]] = []


def register_report_source(*, name: str, source: ReportSource, order: int = 50) -> None:
    if any(existing == name for _, existing, _ in _SOURCES):
        return
    _SOURCES.append((order, name, source))
    _SOURCES.sort(key=lambda item: (item[0], item[1]))


def report_sources() -> list[tuple[str, ReportSource]]:
    return [(name, source) for _, name, source in _SOURCES]
