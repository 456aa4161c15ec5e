"""Run the retention destruction sweep now (the daily Celery job does the same).

    manage.py retention_sweep            destroy everything due and not on legal hold
    manage.py retention_sweep --dry-run  list what would be destroyed, destroy nothing
"""
from django.core.management.base import BaseCommand
from django.utils import timezone

from portal.models import DestructionRun
from portal.retention.services import BATCH_SIZE, due_copies, retention_sweep, sweep_yield_cpu


class Command(BaseCommand):
    help = "Destroy held copies whose review date has passed and that no legal hold covers."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be destroyed; change nothing.")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, dry_run=False, batch_size=BATCH_SIZE, **options):
        if dry_run:
            count = 0
            for copy in due_copies().select_related("holder").order_by("review_date", "id").iterator():
                count += 1
                self.stdout.write(
                    f"{copy.review_date:%Y-%m-%d}  {copy.holder.name}  {copy.get_kind_display()}  {copy.reference}"
                    f"  ({copy.policy_description})"
                )
            self.stdout.write(
                f"{count} held cop{'y' if count == 1 else 'ies'} would be destroyed (dry run: nothing changed). "
                "Copies of content still open, such as a request in review, are deferred instead."
            )
            return
        sweep_yield_cpu()
        started = timezone.now()
        run = retention_sweep(trigger=DestructionRun.Trigger.COMMAND, batch_size=batch_size)
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(
            f"Run {run.pk}: {run.destroyed_count} held cop{'y' if run.destroyed_count == 1 else 'ies'} destroyed, "
            f"{run.access_log_deleted} access-log entries deleted, in {seconds:.1f} s."
        )
