"""Print the current authenticator code of a demo user, so the demo needs no phone."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.auth.services import totp_code_now, totp_device_for
from portal.demo.services import DEMO_USERS
from portal.models import User


class Command(BaseCommand):
    help = "Print the current 6-digit code for a demo user (the local demo only)."

    def add_arguments(self, parser):
        parser.add_argument("username", choices=[spec.username for spec in DEMO_USERS])

    def handle(self, *args, username, **options):
        if not (settings.DEBUG or settings.PORTAL_DEMO):
            raise CommandError("demo_code is for the local demo only: it runs with portal.settings.local.")
        user = User.objects.filter(username=username).first()
        device = totp_device_for(user=user) if user else None
        if device is None:
            raise CommandError(f"{username} has no authenticator yet: run `make run` first.")
        self.stdout.write(totp_code_now(key_hex=device.key))
