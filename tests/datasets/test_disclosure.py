"""Disclosure control (datasets/disclosure.py), as properties over random tables: no published
cell is from 1 to threshold - 1, and no published total minus its published cells (the one
difference a reader can take) is either."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from datasets.disclosure import TOTAL, suppress, suppress_series

counts = st.integers(min_value=0, max_value=40)


@st.composite
def tables(draw):
    rows = draw(st.integers(min_value=1, max_value=6))
    columns = draw(st.integers(min_value=1, max_value=6))
    # Small counts are common in real tables: weight them so most tables need suppression.
    value = st.one_of(st.integers(min_value=0, max_value=6), counts)
    cells = {(r, c): draw(value) for r in range(rows) for c in range(columns)}
    threshold = draw(st.integers(min_value=2, max_value=10))
    return cells, list(range(rows)), list(range(columns)), threshold


def lines(table):
    for row in [*table.rows, TOTAL]:
        yield [(row, c) for c in table.columns], (row, TOTAL)
    for column in [*table.columns, TOTAL]:
        yield [(r, column) for r in table.rows], (TOTAL, column)


def true_value(cells, position):
    row, column = position
    rows = [row] if row != TOTAL else sorted({r for r, _ in cells})
    columns = [column] if column != TOTAL else sorted({c for _, c in cells})
    return sum(cells[(r, c)] for r in rows for c in columns)


@settings(max_examples=400, deadline=None)
@given(tables())
def test_no_published_cell_or_derivable_difference_is_below_the_threshold(data):
    cells, rows, columns, threshold = data
    table = suppress(cells, rows=rows, columns=columns, threshold=threshold)
    for position, value in table.cells.items():
        if value is not None:
            assert value == true_value(cells, position), "a published value must be the true one"
            assert value == 0 or value >= threshold, f"{position} published as {value}"
    for members, total in lines(table):
        if table.cells[total] is None:
            continue
        hidden = [p for p in members if table.cells[p] is None]
        difference = table.cells[total] - sum(table.cells[p] for p in members if table.cells[p] is not None)
        assert difference == sum(true_value(cells, p) for p in hidden)
        assert difference == 0 and not hidden or difference >= threshold, (
            f"the line of {total} gives away {difference} across {len(hidden)} hidden cell(s)"
        )
        assert len(hidden) != 1, f"the line of {total} has one hidden cell: its total gives it away"


@settings(max_examples=200, deadline=None)
@given(st.lists(counts, min_size=1, max_size=24), st.integers(min_value=2, max_value=10))
def test_a_series_never_publishes_a_small_month(values, threshold):
    table = suppress_series(dict(enumerate(values)), keys=list(range(len(values))), threshold=threshold)
    published = [table.cell("series", i) for i in range(len(values))]
    assert all(v is None or v == 0 or v >= threshold for v in published)
    total = table.row_total("series")
    if total is not None:
        hidden_sum = total - sum(v for v in published if v is not None)
        assert hidden_sum == 0 or hidden_sum >= threshold


def test_a_single_small_cell_takes_a_second_with_it_so_the_total_cannot_reveal_it():
    table = suppress({("a", "x"): 3, ("a", "y"): 20, ("b", "x"): 30, ("b", "y"): 40}, rows=["a", "b"], columns=["x", "y"], threshold=5)
    assert table.cell("a", "x") is None
    assert table.cell("a", "y") is None  # else row a's total minus 20 gives 3
    assert table.cell("b", "x") is None  # else column x's total minus 30 gives 3
    assert table.cell("b", "y") is None  # else column y's total minus 40 gives (a, y), and so (a, x)
    # The totals stay published: four unknowns, and the margins only tie them to one another.
    assert (table.row_total("a"), table.row_total("b"), table.column_total("x"), table.grand_total) == (23, 70, 33, 93)


def test_nothing_is_suppressed_when_every_count_is_large_or_zero():
    table = suppress({("a", "x"): 0, ("a", "y"): 9, ("b", "x"): 12, ("b", "y"): 5}, rows=["a", "b"], columns=["x", "y"], threshold=5)
    assert table.suppressed_count == 0
