"""Partial, covering indexes for the inbox's tabs (issue 17), so a tab costs the organisation's
open work (or its last 90 days of decisions), not its whole history.

- sharing_inbox_open: the open requests (submitted, in review, awaiting advice, returned) of a
  holding organisation in `needed_by` order, with status and assignee in the index: the open,
  new, mine, assigned, overdue and due-soon tabs and their counts read only these entries
  (index-only once autovacuum has marked the pages all-visible), and the first page is the
  index's first 25 entries, not a sort.
- sharing_inbox_decided: the decided requests by `decided_at`: the "decided (last 90 days)" tab
  and its count read the last 90 days only (before, `decided_at` was in no index and the count
  read every decision the organisation ever made from the table).

The status lists are sharing.selectors' INBOX_STATUSES and INBOX_DECIDED_STATUSES; a change
there needs a new migration. Raw SQL CONCURRENTLY, so building them does not hold up writes.
"""
from django.db import migrations

OPEN = "('submitted', 'in_review', 'awaiting_advice', 'returned')"
DECIDED = "('released', 'partly_released', 'declined', 'disputed')"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("sharing", "0003_dispute_requesting_officers_view"),
    ]

    operations = [
        migrations.RunSQL(
            sql="CREATE INDEX CONCURRENTLY IF NOT EXISTS sharing_inbox_open ON sharing_disclosurerequest "
            f"(holding_organisation_id, needed_by, id) INCLUDE (status, assignee_id) WHERE status IN {OPEN};",
            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS sharing_inbox_open;",
        ),
        migrations.RunSQL(
            sql="CREATE INDEX CONCURRENTLY IF NOT EXISTS sharing_inbox_decided ON sharing_disclosurerequest "
            f"(holding_organisation_id, decided_at) INCLUDE (status, needed_by) WHERE status IN {DECIDED};",
            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS sharing_inbox_decided;",
        ),
    ]
