"""`manage.py` in a second shell finds the demo's embedded PostgreSQL the way `make run` does
(scripts/_env.py ensure_database_url), so `manage.py demo_code USERNAME` works with no DATABASE_URL."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _environment(pgdata: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["PORTAL_PGDATA"] = str(pgdata)
    return env


@pytest.fixture
def embedded(tmp_path):
    """An embedded PostgreSQL started as `make run` starts it, in a data folder of this test's own."""
    pgdata = tmp_path / "pgdata"
    env = _environment(pgdata)
    started = subprocess.run(
        [sys.executable, "scripts/devdb.py", "url", "portal"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert started.returncode == 0, started.stderr
    yield env, started.stdout.strip().splitlines()[-1]
    subprocess.run([sys.executable, "scripts/devdb.py", "stop"], cwd=ROOT, env=env, capture_output=True)


def test_a_manage_command_without_database_url_uses_the_embedded_database(embedded):
    env, url = embedded
    probe = (
        "from django.db import connection; connection.ensure_connection(); "
        "d = connection.connection.get_dsn_parameters(); print('connected to', d['dbname'], 'at', d['host'], d['port'])"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip().splitlines()[-1]
    assert line.startswith("connected to portal at ")
    host, _, port = line.removeprefix("connected to portal at ").partition(" ")
    # The embedded server in this test's data folder, not another server with a `portal` database.
    assert host == env["PORTAL_PGDATA"] or f"{host}:{port}" in url


def test_stopping_the_embedded_database_stops_it(embedded):
    """`scripts/devdb.py stop` (the README's way to stop `make run`'s database) really stops the
    server, instead of leaving it running after the command returns."""
    env, _url = embedded
    pid_file = Path(env["PORTAL_PGDATA"]) / "postmaster.pid"
    assert pid_file.exists()
    stopped = subprocess.run([sys.executable, "scripts/devdb.py", "stop"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert stopped.returncode == 0, stopped.stderr
    assert not pid_file.exists()
