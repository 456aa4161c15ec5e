"""Shared by run.py and test.py: find or start the database the commands use."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ensure_database_url(dbname: str = "portal") -> str:
    """DATABASE_URL if set; otherwise start (or reuse) the embedded PostgreSQL in .pgdata/."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "devdb.py"), "url", dbname],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        sys.exit("Could not start the embedded PostgreSQL (see above). Set DATABASE_URL to use another server.")
    url = result.stdout.strip().splitlines()[-1]
    os.environ["DATABASE_URL"] = url
    return url
