"""The held copies' subject GIN index without a pending list (fastupdate off), set in place
(no rebuild) and the pending list flushed: a sweep's tombstones filled it, and every
"is this person still named by a live copy?" probe scanned all of it (docs/performance.md, h17d)."""
import django.contrib.postgres.indexes
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0019_merge_h11c_h15a"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER INDEX portal_heldcopy_subjects SET (fastupdate = off);"
                    " SELECT gin_clean_pending_list('portal_heldcopy_subjects'::regclass);",
                    reverse_sql="ALTER INDEX portal_heldcopy_subjects SET (fastupdate = on);",
                ),
            ],
            state_operations=[
                migrations.RemoveIndex(model_name="heldcopy", name="portal_heldcopy_subjects"),
                migrations.AddIndex(
                    model_name="heldcopy",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fastupdate=False, fields=["subject_ids"], name="portal_heldcopy_subjects"
                    ),
                ),
            ],
        ),
    ]
