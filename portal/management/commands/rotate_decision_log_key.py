"""Start signing the decision log with a new key (docs/runbook.md, "Rotating PORTAL_DECISION_LOG_KEY").

Run with the web and worker containers stopped, PORTAL_DECISION_LOG_KEY set to the *new* key and
the old one added to PORTAL_DECISION_LOG_RETIRED_KEYS. The whole chain is verified under the
keys it was signed with; then a rotation entry, signed with the new key, starts the new key's
epoch in the chain itself. Prints the count, the head hash and both key ids to keep outside the
database."""
from django.core.management.base import BaseCommand, CommandError

from portal.accountability.services import decision_log_key_rotate


class Command(BaseCommand):
    help = "Rotate the decision log's signing key: verify the chain, then start the new key's epoch."

    def add_arguments(self, parser):
        parser.add_argument("--reason", required=True, help="Why the key is rotated (kept in the decision log).")

    def handle(self, *args, **options):
        try:
            report = decision_log_key_rotate(reasons=options["reason"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Decision log key rotated at entry {report.entry.pk}: key {report.previous_key_id} is now verify-only, "
            f"key {report.new_key_id} signs from here."
        )
        self.stdout.write(f"Decision log intact: {report.count} entries; head hash {report.entry.entry_hash}")
