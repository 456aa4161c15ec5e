"""Anchors of the decision log's head, and a guard on deleting access-log entries.

- `DecisionLogAnchor` (count, head id and hash) is append-only like the log itself: the same
  `portal_refuse_change` trigger (migration 0002) refuses UPDATE and DELETE on it.
- The access log's trigger refused only UPDATE, because the retention prune deletes expired
  entries. Now DELETE is refused too unless the transaction has set `portal.access_log_prune`
  to 'on' (`SET LOCAL`, so it ends with the transaction), which only the prune does
  (`portal.accountability.services.access_log_entries_delete`). A statement trigger: one check
  per DELETE, not per row. TRUNCATE stays with the table owner (docs/deploy.md: the app's
  database role owns neither log, so it can neither truncate nor switch triggers off).
"""

from django.db import migrations, models

ACCESS_LOG_DELETE_GUARD = """
CREATE OR REPLACE FUNCTION portal_access_log_refuse_delete() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('portal.access_log_prune', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused outside the retention prune', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER portal_accesslogentry_delete_guard BEFORE DELETE ON portal_accesslogentry
    FOR EACH STATEMENT EXECUTE FUNCTION portal_access_log_refuse_delete();
"""

ACCESS_LOG_DELETE_GUARD_REVERSE = """
DROP TRIGGER IF EXISTS portal_accesslogentry_delete_guard ON portal_accesslogentry;
DROP FUNCTION IF EXISTS portal_access_log_refuse_delete();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0006_decision_log_time_id_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='DecisionLogAnchor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('recorded_at', models.DateTimeField()),
                ('count', models.PositiveBigIntegerField()),
                ('head_id', models.BigIntegerField(null=True)),
                ('head_hash', models.CharField(max_length=64)),
                ('source', models.CharField(choices=[('verification', 'Verification'), ('daily', 'Daily anchor')], max_length=16)),
            ],
            options={
                'ordering': ['-id'],
            },
        ),
        migrations.RunSQL(
            sql="""
            CREATE TRIGGER portal_decisionloganchor_append_only BEFORE UPDATE OR DELETE ON portal_decisionloganchor
                FOR EACH ROW EXECUTE FUNCTION portal_refuse_change();
            """,
            reverse_sql="DROP TRIGGER IF EXISTS portal_decisionloganchor_append_only ON portal_decisionloganchor;",
        ),
        migrations.RunSQL(ACCESS_LOG_DELETE_GUARD, reverse_sql=ACCESS_LOG_DELETE_GUARD_REVERSE),
    ]
