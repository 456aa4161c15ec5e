"""Show what falls due for retention review in the next N days.

    manage.py retention_due --days 30 [--organisation NAME]
"""
import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.models import HeldCopy, Organisation
from portal.retention.selectors import copies_on_hold

CHUNK = 1000


class Command(BaseCommand):
    help = "List live held copies whose review date falls within the next N days (or has passed)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=14)
        parser.add_argument("--organisation", help="Only this organisation's copies (its name).")

    def handle(self, *args, days=14, organisation=None, **options):
        if days < 0:
            raise CommandError("--days must be 0 or more")
        until = timezone.localdate() + datetime.timedelta(days=days)
        copies = HeldCopy.objects.filter(destroyed_at__isnull=True, review_date__lte=until).select_related("holder")
        if organisation:
            org = Organisation.objects.filter(name=organisation).first()
            if org is None:
                raise CommandError(f"No organisation named {organisation!r}")
            copies = copies.filter(holder=org)
        count = 0
        chunk: list[HeldCopy] = []
        for copy in copies.order_by("review_date", "id").iterator(chunk_size=CHUNK):
            chunk.append(copy)
            if len(chunk) == CHUNK:
                count += self._write(chunk)
                chunk = []
        count += self._write(chunk)
        self.stdout.write(f"{count} held cop{'y' if count == 1 else 'ies'} due by {until:%Y-%m-%d}.")

    def _write(self, copies: list[HeldCopy]) -> int:
        on_hold = copies_on_hold(copies)  # one query a chunk, not one a copy
        for copy in copies:
            flags = " [legal hold]" if copy.pk in on_hold else ""
            flags += " [confirmed]" if copy.confirmed_at else ""
            self.stdout.write(
                f"{copy.review_date:%Y-%m-%d}  {copy.holder.name}  {copy.get_kind_display()}  {copy.reference}{flags}"
            )
        return len(copies)
