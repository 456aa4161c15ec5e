"""Verify the decision log's hash chain; exit non-zero naming the first broken entry."""
from django.core.management.base import BaseCommand, CommandError

from portal.accountability.services import decision_log_verify


class Command(BaseCommand):
    help = "Recompute the decision log's hash chain. Keep the printed count and head hash outside the database."

    def handle(self, *args, **options):
        report = decision_log_verify()
        if not report.intact:
            raise CommandError(
                f"Decision log broken at entry {report.first_broken_id}: {report.problem}. "
                f"{report.count - 1} entries before it verified."
            )
        self.stdout.write(f"Decision log intact: {report.count} entries; head hash {report.head_hash}")
