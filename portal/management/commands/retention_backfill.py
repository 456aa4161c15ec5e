"""Record held copies for content created before it was under retention (a deployment that ran
before the retention engine existed). Each app counts the copy's clock from the content's own dates; nothing backfilled
falls due before its holder can be warned.

    manage.py retention_backfill
"""
from django.core.management.base import BaseCommand

from portal.retention.services import retention_backfill


class Command(BaseCommand):
    help = "Record held copies (with review dates) for requests and consent records that have none."

    def handle(self, *args, **options):
        counts = retention_backfill()
        for content_type, count in sorted(counts.items()):
            self.stdout.write(f"{content_type}: {count} held cop{'y' if count == 1 else 'ies'} recorded")
