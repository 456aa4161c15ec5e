"""Composite indexes for the auditors' decision-log filters at 10,000,000 entries (issue 17).

A date-ranged page sorts the ids of the range's matching entries (selectors: BY_ID_SORTED). With
only (occurred_at, id), a range with an organisation, action or user filter, and every range an
auditor of a partnership reads (the partnership filter needs partnership_id and organisation_id),
read each row of the range from the table: a month of 10M entries is ~200,000 rows. These
indexes give PostgreSQL those columns in the index itself, so it reads only the index entries of
the matching rows (an index-only scan once autovacuum has marked the pages all-visible):

- (occurred_at, id) INCLUDE (partnership_id, organisation_id) replaces 0006's (occurred_at, id);
- (organisation_id, action, occurred_at, id): organisation + action (+ dates);
- (organisation_id, occurred_at, id), (action, occurred_at, id), (actor_id, occurred_at, id):
  one filter + dates; all INCLUDE partnership_id for the partnership filter.

Raw SQL CONCURRENTLY, like 0006 (building them on a large log does not hold up decisions). Each
costs one more index write per decision recorded; docs/performance.md has the plans before/after.
"""
from django.db import migrations

INDEXES = {
    "portal_dle_time_cover": "(occurred_at, id) INCLUDE (partnership_id, organisation_id)",
    "portal_dle_org_action_time": "(organisation_id, action, occurred_at, id) INCLUDE (partnership_id)",
    "portal_dle_org_time": "(organisation_id, occurred_at, id) INCLUDE (partnership_id)",
    "portal_dle_action_time": "(action, occurred_at, id) INCLUDE (partnership_id, organisation_id)",
    "portal_dle_actor_time": "(actor_id, occurred_at, id) INCLUDE (partnership_id, organisation_id)",
}


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("portal", "0011_h17_decision_log_verification_runs"),
    ]

    operations = [
        *(
            migrations.RunSQL(
                sql=f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON portal_decisionlogentry {columns};",
                reverse_sql=f"DROP INDEX CONCURRENTLY IF EXISTS {name};",
            )
            for name, columns in INDEXES.items()
        ),
        migrations.RunSQL(
            sql="DROP INDEX CONCURRENTLY IF EXISTS portal_decisionlogentry_occurred_at_id;",
            reverse_sql="CREATE INDEX CONCURRENTLY IF NOT EXISTS portal_decisionlogentry_occurred_at_id "
            "ON portal_decisionlogentry (occurred_at, id);",
        ),
    ]
