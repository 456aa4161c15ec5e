#!/usr/bin/env python
"""Django's command-line utility for the case-sharing portal."""
import os
import sys
from pathlib import Path


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
    if os.environ["DJANGO_SETTINGS_MODULE"] == "portal.settings.local" and not os.environ.get("DATABASE_URL"):
        # The demo's database, found (or started) the way `make run` does: the embedded
        # PostgreSQL in .pgdata/, so `manage.py demo_code USERNAME` works in a second shell.
        sys.path.insert(0, str(Path(__file__).resolve().parent / "scripts"))
        from _env import ensure_database_url

        ensure_database_url()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
