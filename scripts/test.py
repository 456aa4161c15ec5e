"""`make test`: the whole suite against PostgreSQL (DATABASE_URL, or the embedded one).

Extra pytest arguments: `make test ARGS="-k sign_in -x"`.
"""
from __future__ import annotations

import os
import subprocess
import sys

from _env import ROOT, ensure_database_url


def main() -> int:
    ensure_database_url()
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
    steps = [
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run", "-v", "1"],
        [sys.executable, "-m", "pytest", *sys.argv[1:]],
    ]
    for step in steps:
        result = subprocess.run(step, cwd=ROOT)
        if result.returncode != 0:
            return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
