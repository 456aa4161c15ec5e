"""A real gunicorn for tests and benchmarks that need the portal behind a listening socket
(restarts, soak): `GunicornServer` starts `gunicorn portal.wsgi:application` on a free loopback
port, on a database given by URL (a test passes `tests.workers.worker_database_url()`, the test
database), and can reload it the zero-downtime way (SIGHUP: the master keeps the socket and
replaces its workers gracefully; docs/deploy.md, "Restarting without dropping requests").

    server = GunicornServer(database_url=..., folder=tmp_path, workers=2)
    server.start()            # returns once /healthz/ answers
    server.reload()           # SIGHUP; returns once every old worker has exited
    server.stop()

`LocalProcessServer` is what every server process the tests start shares (this gunicorn, the test
identity providers in tests/saml_idp and tests/oidc_idp): a folder for its log, a free loopback
port, the process started with its output in the log, the wait until it answers, the stop.
"""
from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

PROJECT_ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children_of(pid: int) -> set[int]:
    """Pids of the live processes whose parent is `pid` (gunicorn's workers), from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry.name))
    return found


class LocalProcessServer:
    """A server process of the tests' own on a loopback port. A subclass names its log file
    (`log_name`), what it is called in errors (`what`), and the path that answers 200 once it is
    up (`ready_path`); its `start()` calls `launch()` with its command and environment, or
    `launch_stand_in()` for another party's WSGI service."""

    log_name = "server.log"
    what = "the server"
    ready_path = "/"

    def __init__(self, *, folder: Path, port: int | None = None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        self.log_path = self.folder / self.log_name

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def launch(self, command: list[str], *, env: dict, before: list[str] | None = None) -> None:
        """Run `before` to completion (a migrate, say), then start `command`; both in the project
        root, writing to the log."""
        with open(self.log_path, "ab") as log:
            if before:
                subprocess.run(  # noqa: S603 - our own interpreter and arguments
                    before, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=True
                )
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def launch_stand_in(self, app: str, *, env: dict, before: list[str] | None = None) -> None:
        """Start a stand-in for another party's service (a test identity provider): the WSGI
        `app` in a one-worker gunicorn, with this process's environment but for the portal's own
        database and Redis, plus `env`; return once it answers."""
        env = {
            **{key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}},
            **env,
            "PYTHONUNBUFFERED": "1",
        }
        self.launch(
            [
                sys.executable, "-m", "gunicorn", app,
                "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--threads", "4",
                "--control-socket", str(self.folder / "gunicorn.ctl"),
            ],
            env=env,
            before=before,
        )
        self.wait_ready()

    def answers(self) -> bool:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            connection.request("GET", self.ready_path)
            return connection.getresponse().status == 200
        except OSError:
            return False

    def is_ready(self) -> bool:
        return self.answers()

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not self.is_ready():
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.what} exited with {self.process.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.what} did not answer within {timeout}s:\n{self.log()}")
            time.sleep(0.1)

    def stop(self, grace: float = 10) -> None:
        from tests.workers import process_stop  # imported here: tests.workers needs pytest and Django

        process_stop(self.process, grace=grace)


ServerT = TypeVar("ServerT", bound=LocalProcessServer)


@contextlib.contextmanager
def running(server: ServerT) -> Iterator[ServerT]:
    """`with running(SamlIdpServer(folder=...)) as idp:` started, and stopped however the block ends."""
    server.start()
    try:
        yield server
    finally:
        server.stop()


class GunicornServer(LocalProcessServer):
    log_name = "gunicorn.log"
    what = "gunicorn"
    ready_path = "/healthz/"

    def __init__(
        self,
        *,
        database_url: str,
        folder: Path,
        workers: int = 2,
        settings: str = "portal.settings.test",
        extra_env: dict | None = None,
        port: int | None = None,
    ):
        super().__init__(folder=folder, port=port)
        self.database_url = database_url
        self.workers = workers
        self.settings = settings
        self.extra_env = extra_env or {}

    def start(self) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": self.settings,
            "DATABASE_URL": self.database_url,
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }
        self.launch(
            [
                sys.executable, "-m", "gunicorn", "portal.wsgi:application",
                "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
                "--graceful-timeout", "30", "--access-logfile", "-",
            ],
            env=env,
        )
        self.wait_ready()

    def is_ready(self) -> bool:
        return self.answers() and len(self.worker_pids()) >= self.workers

    def worker_pids(self) -> set[int]:
        return children_of(self.process.pid) if self.process else set()

    def reload(self, timeout: float = READY_TIMEOUT) -> set[int]:
        """SIGHUP to the master: new workers (new code, new settings) take over the same socket
        and the old ones finish what they are answering, then exit. Returns once every old worker
        has gone and the new ones are all there; the new workers' pids."""
        old = self.worker_pids()
        os.kill(self.process.pid, signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while True:
            current = self.worker_pids()
            if not (current & old) and len(current) >= self.workers:
                return current
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn's old workers did not go within {timeout}s:\n{self.log()}")
            time.sleep(0.05)

    def stop(self, grace: float = 35) -> None:
        super().stop(grace=grace)
