"""Disclosure control of published counts (issue 13; the threshold is the pack's
`disclosure_control.threshold`, default 5).

A table of counts is published with its row totals, column totals and grand total. Primary
suppression hides every count (cells and totals) from 1 to threshold − 1. Secondary suppression
then makes sure no total gives a hidden count away: in every row and column whose total is
published, the hidden cells must be at least two and add up to at least the threshold, since
the total minus the published cells is exactly their sum. Where a line falls short, its smallest
published non-zero cell is hidden too; where it has none left, its total is hidden (and the line
of totals is then checked in turn). Each step hides one more cell, so it ends.

Zero is published: it tells no one about a person. What this does not protect against: sums
across different tables (a year's table and its months' tables); the pages publish one grain
each (docs/datasets.md).
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

TOTAL = "__total__"


@dataclass(frozen=True)
class PublishedTable:
    rows: list
    columns: list
    cells: dict  # (row, column) -> int, or None where suppressed; TOTAL as row or column for margins
    threshold: int

    def cell(self, row, column):
        return self.cells[(row, column)]

    def row_total(self, row):
        return self.cells[(row, TOTAL)]

    def column_total(self, column):
        return self.cells[(TOTAL, column)]

    @property
    def grand_total(self):
        return self.cells[(TOTAL, TOTAL)]

    @property
    def suppressed_count(self) -> int:
        return sum(1 for value in self.cells.values() if value is None)


def _lines(rows: Sequence, columns: Sequence):
    """Each row and column with its total: (members, total position)."""
    for row in [*rows, TOTAL]:
        yield [(row, column) for column in columns], (row, TOTAL)
    for column in [*columns, TOTAL]:
        yield [(row, column) for row in rows], (TOTAL, column)


def suppress(counts: dict[tuple[Hashable, Hashable], int], *, rows: Sequence, columns: Sequence, threshold: int) -> PublishedTable:
    """Publish `counts` (missing cells are 0) with margins, suppressed as the module says."""
    if threshold < 1:
        raise ValueError("The threshold must be at least 1")
    rows, columns = list(rows), list(columns)
    values: dict = {}
    for row in rows:
        for column in columns:
            values[(row, column)] = int(counts.get((row, column), 0))
    for row in rows:
        values[(row, TOTAL)] = sum(values[(row, column)] for column in columns)
    for column in columns:
        values[(TOTAL, column)] = sum(values[(row, column)] for row in rows)
    values[(TOTAL, TOTAL)] = sum(values[(row, TOTAL)] for row in rows)

    hidden = {position for position, value in values.items() if 0 < value < threshold}
    lines = list(_lines(rows, columns))
    changed = True
    while changed:
        changed = False
        for members, total in lines:
            if total in hidden:
                continue
            hidden_members = [p for p in members if p in hidden]
            if not hidden_members:
                continue
            if len(hidden_members) >= 2 and sum(values[p] for p in hidden_members) >= threshold:
                continue
            candidates = [p for p in members if p not in hidden and values[p] > 0]
            if candidates:
                hidden.add(min(candidates, key=lambda p: (values[p], str(p))))
            else:
                hidden.add(total)
            changed = True
    cells = {position: (None if position in hidden else value) for position, value in values.items()}
    return PublishedTable(rows=rows, columns=columns, cells=cells, threshold=threshold)


def suppress_series(counts: dict[Hashable, int], *, keys: Sequence, threshold: int) -> PublishedTable:
    """A single series (a trend) as a one-row table with its total."""
    return suppress({("series", key): value for key, value in counts.items()}, rows=["series"], columns=keys, threshold=threshold)
