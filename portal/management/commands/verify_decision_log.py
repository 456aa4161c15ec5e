"""Verify the decision log's hash chain; exit non-zero naming the first broken entry.

An intact log is anchored at its head (`DecisionLogAnchor`), and a log that no longer reaches the
last anchor (its tail cut, or truncated) is reported broken. Prints the entry count and head hash
(keep them outside the database too: the anchors' table is in it) and the throughput, so a
scheduled run shows how long a growing log takes."""
import time

from django.core.management.base import BaseCommand, CommandError

from portal.accountability.services import decision_log_verify


def throughput(count: int, seconds: float) -> str:
    rate = f" ({int(count / seconds)} entries a second)" if seconds > 0 else ""
    return f"verified {count} entries in {seconds:.2f} s{rate}"


class Command(BaseCommand):
    help = "Recompute the decision log's hash chain. Keep the printed count and head hash outside the database."

    def handle(self, *args, **options):
        started = time.monotonic()
        report = decision_log_verify()
        seconds = time.monotonic() - started
        if not report.intact:
            raise CommandError(
                f"Decision log broken at entry {report.first_broken_id}: {report.problem}. "
                f"{report.count - 1} entries before it verified."
            )
        self.stdout.write(f"Decision log intact: {report.count} entries; head hash {report.head_hash}")
        self.stdout.write(f"Throughput: {throughput(report.count, seconds)}")
