"""Decision-log pages at scale (issue 17): a date range alone pages by the range's id bounds,
and still finds an entry whose id is out of time order (a clock that stepped back)."""
from datetime import UTC, date, datetime

import pytest

from portal.accountability import chain
from portal.accountability.selectors import DecisionLogFilter, decision_log_page
from tests.portal.test_decision_log_verification import insert_entry

pytestmark = pytest.mark.django_db


def test_a_date_range_finds_every_entry_in_it_even_out_of_id_order():
    previous = chain.GENESIS
    made = []
    # 2024-03: 60 entries; then 2024-05; then one more 2024-03 entry written last (highest id).
    for day, n in ((1, 60), (2, 0)):
        for i in range(n):
            entry = insert_entry(previous=previous, occurred_at=datetime(2024, 3, day + i % 20, 12, tzinfo=UTC), reasons=f"m{i}")
            previous = entry.entry_hash
            made.append(entry)
    for i in range(30):
        previous = insert_entry(previous=previous, occurred_at=datetime(2024, 5, 1 + i % 20, tzinfo=UTC), reasons="may").entry_hash
    late = insert_entry(previous=previous, occurred_at=datetime(2024, 3, 15, 9, tzinfo=UTC), reasons="late")
    march = DecisionLogFilter(date_from=date(2024, 3, 1), date_to=date(2024, 3, 31))
    first = decision_log_page(filters=march, before=None, after=None)
    assert first.entries[0].pk == late.pk  # newest id first, though not newest in time
    second = decision_log_page(filters=march, before=first.older_than, after=None)
    seen = [e.pk for e in first.entries + second.entries]
    assert sorted(seen, reverse=True) == seen
    assert set(seen) == {e.pk for e in made} | {late.pk}
    assert second.older_than is None
    empty = DecisionLogFilter(date_from=date(2019, 1, 1), date_to=date(2019, 1, 31))
    assert decision_log_page(filters=empty, before=None, after=None).entries == []
