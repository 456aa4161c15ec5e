"""`make run`: migrate, load the demo partnership, print how to sign in, serve on :8000.

Demo mail goes to files in .local/mail/ (portal/settings/local.py), so the sign-in table is the
last thing the demo load prints.

With REDIS_URL set, a real Celery worker and beat run beside the web server; without it,
background jobs run in-process. Ctrl-C stops everything this script started (the embedded
PostgreSQL keeps running so the next start takes seconds; `make clean-db` removes it).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys

from _env import ROOT, ensure_database_url

PY = sys.executable


def manage(*args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, check=True)


def demo_mail_dir() -> str:
    """Where the local settings write demo mail (portal/settings/local.py), relative to the repository."""
    path = os.environ.get("DJANGO_EMAIL_FILE_PATH", str(ROOT / ".local" / "mail"))
    return os.path.relpath(path, ROOT) if path.startswith(str(ROOT)) else path


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
    url = ensure_database_url()
    print(f"Database: {url if 'DATABASE_URL' in os.environ else 'embedded'}")
    manage("migrate", "--no-input", "-v", "0")
    print(f"Demo emails: written to {demo_mail_dir()}/ (one file per process), not to this console")
    manage("load_demo")
    children = []
    if os.environ.get("REDIS_URL"):
        for role in ("worker", "beat"):
            children.append(
                subprocess.Popen([PY, "-m", "celery", "-A", "portal", role, "--loglevel", "WARNING"], cwd=ROOT)
            )
        print("Background jobs: Celery worker and beat on", os.environ["REDIS_URL"])
    else:
        print("Background jobs: in-process (set REDIS_URL to use Celery)")
    print("\nServing on http://127.0.0.1:8000 — Ctrl-C to stop.\n")
    server = subprocess.Popen([PY, "manage.py", "runserver", "127.0.0.1:8000", "--noreload"], cwd=ROOT)
    try:
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for child in [server, *children]:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in [server, *children]:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


if __name__ == "__main__":
    sys.exit(main())
