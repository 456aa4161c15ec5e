"""Decision-log pages at scale (issue 17): a date range pages by (occurred_at, id), newest in time
first, with a two-column cursor, and still finds an entry whose id is out of time order (a clock
that stepped back) in its place by time."""
from datetime import UTC, date, datetime

import pytest

from portal.accountability import chain
from portal.accountability.selectors import DecisionLogFilter, decision_log_page
from tests.portal.test_decision_log_verification import insert_entry

pytestmark = pytest.mark.django_db


def _march_log():
    previous = chain.GENESIS
    made = []
    # 2024-03: 60 entries, several at the same instant; then 2024-05; then one more 2024-03 entry
    # written last (highest id), in the middle of March by time.
    for i in range(60):
        entry = insert_entry(previous=previous, occurred_at=datetime(2024, 3, 1 + i % 20, 12, tzinfo=UTC), reasons=f"m{i}")
        previous = entry.entry_hash
        made.append(entry)
    for i in range(30):
        previous = insert_entry(previous=previous, occurred_at=datetime(2024, 5, 1 + i % 20, tzinfo=UTC), reasons="may").entry_hash
    late = insert_entry(previous=previous, occurred_at=datetime(2024, 3, 15, 9, tzinfo=UTC), reasons="late")
    return made + [late]


def _time_order(entries):
    return sorted(entries, key=lambda e: (e.occurred_at, e.pk), reverse=True)


def test_a_date_range_pages_by_time_and_finds_every_entry_even_out_of_id_order():
    march_entries = _march_log()
    march = DecisionLogFilter(date_from=date(2024, 3, 1), date_to=date(2024, 3, 31))
    first = decision_log_page(filters=march, before=None, after=None)
    second = decision_log_page(filters=march, before=first.older_than, after=None)
    assert len(first.entries) == 50 and len(second.entries) == 11
    seen = first.entries + second.entries
    # Newest in time first, ties by id; the late entry in its place by time, not at the top.
    assert [e.pk for e in seen] == [e.pk for e in _time_order(march_entries)]
    assert first.entries[0].occurred_at == datetime(2024, 3, 20, 12, tzinfo=UTC)
    assert second.older_than is None and first.newer_than is None and second.newer_than == second.entries[0].pk
    # And back: the newer page of the second is the first again, with nothing lost at equal times.
    back = decision_log_page(filters=march, before=None, after=second.newer_than)
    assert [e.pk for e in back.entries] == [e.pk for e in first.entries]
    assert back.older_than == first.older_than and back.newer_than is None
    empty = DecisionLogFilter(date_from=date(2019, 1, 1), date_to=date(2019, 1, 31))
    assert decision_log_page(filters=empty, before=None, after=None).entries == []


def test_a_cursor_that_is_no_entry_gives_an_empty_page_not_an_error():
    _march_log()
    march = DecisionLogFilter(date_from=date(2024, 3, 1))
    assert decision_log_page(filters=march, before=10**12, after=None).entries == []
    assert decision_log_page(filters=march, before=None, after=10**12).entries == []
