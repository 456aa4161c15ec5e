"""manage.py load_protocol FILE: validate a protocol pack and make it the protocol in force
(DOMAIN.md §2). A refused pack is reported field by field and nothing is written; the command
then exits non-zero."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.models import User
from portal.protocols.services import ProtocolPackError, organisations_sync_from_pack, protocol_pack_load


class Command(BaseCommand):
    help = "Validate a protocol pack (YAML) and load it as the protocol in force."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The pack, e.g. protocols/stockport-2020.yaml")
        parser.add_argument("--by", dest="username", help="Username of the partnership admin loading it (recorded).")
        parser.add_argument(
            "--create-organisations",
            action="store_true",
            help="Also create the pack's partner organisations that do not exist yet.",
        )

    def handle(self, *args, file: str, username: str | None = None, create_organisations: bool = False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        acting_user = None
        if username:
            acting_user = User.objects.filter(username__iexact=username, is_active=True).first()
            if acting_user is None:
                raise CommandError(f"No active user called {username!r}")

        try:
            pack, created = protocol_pack_load(path_or_text=path, acting_user=acting_user)
        except ProtocolPackError as exc:
            lines = "\n".join(f"  {issue}" for issue in exc.issues)
            raise CommandError(f"{file} was not loaded; nothing was changed.\n{lines}") from exc

        if created:
            self.stdout.write(self.style.SUCCESS(f"Loaded {pack}; it is now the protocol in force."))
        else:
            self.stdout.write(f"{pack} is already loaded with the same content; nothing changed.")
        if create_organisations:
            organisations = organisations_sync_from_pack(pack=pack, acting_user=acting_user)
            names = ", ".join(org.name for org in organisations) or "none (all exist already)"
            self.stdout.write(f"Organisations created: {names}")
