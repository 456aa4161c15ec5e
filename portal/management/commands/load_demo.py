"""Load the demo partnership and print how to sign in as each demo user (local use only)."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.demo.registry import demo_loaders
from portal.demo.services import DEMO_PASSWORD, demo_partnership_load


class Command(BaseCommand):
    help = "Load the demo partnerships (Stockport and Durham packs, partners, users for every role). The local demo only."

    def handle(self, *args, **options):
        if not (settings.DEBUG or settings.PORTAL_DEMO):
            raise CommandError("The demo partnership is for local use: it only loads with portal.settings.local.")
        users = demo_partnership_load()
        out = self.stdout
        for name, loader in demo_loaders():
            summary = loader()
            if summary:
                out.write(f"{name}: {summary}")
        out.write("\nDemo partnership loaded. Sign in at http://127.0.0.1:8000/sign-in/")
        out.write(f"Every demo user's password is: {DEMO_PASSWORD}")
        out.write("Second factor without a phone: either run")
        out.write("    .venv/bin/python manage.py demo_code USERNAME")
        out.write("for the current 6-digit code, or use one of the single-use backup codes below")
        out.write("(a new set is issued every time `make run` starts).\n")
        for spec in users:
            roles = "; ".join(
                f"{m.get_role_display()}, {m.organisation.name}" + (f" ({m.partnership.name})" if m.partnership_id else "")
                for m in spec.membership_objects
            )
            out.write(f"  {spec.username:<16} {roles}")
            out.write(f"  {'':<16} backup codes: {' '.join(spec.backup_codes[:5])}")
        out.write("")
