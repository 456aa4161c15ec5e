"""A real Celery worker for tests that must prove work happens off the request, after commit
(e.g. notification emails: DOMAIN.md §5, SSP Appendix 7).

    from tests.workers import celery_worker_process  # noqa: F401  (a pytest fixture)

    @pytest.mark.worker
    @pytest.mark.django_db(transaction=True)        # the worker only sees committed rows
    def test_something(celery_worker_process):
        ...  # call a service; its after-commit task goes to the worker
        message = celery_worker_process.wait_for_mail(count=1)

The fixture starts `python -m celery -A portal worker --pool=solo` as a subprocess on the test
database (built from django.db.connection.settings_dict, so it is the test_… database), with
mail going to files in a temporary folder, consuming a queue whose name is unique to this run
(so two runs, or a development worker, on the same Redis never take each other's tasks). In the
test process it switches the Celery app from eager to the same broker and queue, and restores
everything afterwards. Without REDIS_URL the test is skipped (`.ci/run` sets it; locally:
`export REDIS_URL=redis://127.0.0.1:6379/0`).

Fault tests need more than one worker, or a broker of their own: `celery_workers_on(...)` (a
context manager) switches the app to a broker and a queue and starts workers on demand
(`workers.start()`), each a `WorkerProcess` that can be stopped or killed (`kill()`: SIGKILL,
mid-task); `RedisServer` runs a private `redis-server` on a free port that a test may stop and
start again without touching the machine's Redis.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.db import connection

PROJECT_ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 60
MAIL_TIMEOUT = 30


def worker_database_url() -> str:
    """A DATABASE_URL for the database this test process is using (the test database)."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or ""
    options = {key: value for key, value in (db.get("OPTIONS") or {}).items() if isinstance(value, (str, int))}
    if host.startswith("/"):  # a unix socket directory goes in the query string
        options.setdefault("host", host)
        host = ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    query = f"?{urlencode(options)}" if options else ""
    return f"postgres://{credentials}{host}{port}/{quote(db['NAME'], safe='')}{query}"


@dataclass
class WorkerProcess:
    process: subprocess.Popen
    queue: str
    node: str
    mail_dir: Path
    log_path: Path
    sent: list[str] = field(default_factory=list)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def wait_for_mail(self, *, count: int = 1, timeout: float = MAIL_TIMEOUT) -> list[str]:
        """The text of the mail files, once at least `count` messages have been written (each
        file of Django's file backend holds the messages of one connection, split by a line of
        dashes). Fails with the worker's log if they do not come within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = []
            for path in sorted(self.mail_dir.glob("*")):
                text = path.read_text(errors="replace")
                messages.extend(part for part in text.split("-" * 79) if part.strip())
            if len(messages) >= count:
                return messages
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        pytest.fail(f"The worker sent fewer than {count} email(s) within {timeout}s. Worker log:\n{self.log()}")

    def wait_ready(self, app, *, timeout: float = READY_TIMEOUT) -> None:
        """Until the worker answers a ping on the app's broker (fails with its log otherwise)."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"The Celery worker exited with {self.process.returncode}:\n{self.log()}")
            if app.control.ping(destination=[self.node], timeout=0.5):
                return
            if time.monotonic() > deadline:
                pytest.fail(f"The Celery worker did not answer within {timeout}s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL: the worker dies at once, wherever it is in a task (no cleanup, no ack)."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=15)

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), then SIGKILL if it has not exited within 15 seconds."""
        process_stop(self.process)


def process_stop(process: subprocess.Popen | None, *, grace: float = 15) -> None:
    """SIGTERM a test's own server or worker, then SIGKILL it if it has not exited within `grace` seconds."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def _switch_app(app, values: dict) -> dict:
    """Set Celery config values on `app` and drop what it cached from the old ones (the
    connection pools, the declared queues and routes). Returns the previous values."""
    from kombu import pools

    previous = {key: app.conf.get(key) for key in values}
    for key, value in values.items():
        app.conf[key] = value
    # kombu keeps one pool per broker URL for the whole process, and an earlier eager test may
    # have left a closed one behind: start from fresh pools.
    pools.reset()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
        amqp._rtable = None
        for cached in ("queues", "default_queue", "router"):
            amqp.__dict__.pop(cached, None)
    return previous


def worker_start(
    *, redis_url: str, queue: str, mail_dir: Path, log_path: Path, name: str = "", extra_env: dict | None = None
) -> WorkerProcess:
    """Start `celery worker --pool=solo` on the test database, consuming `queue` on `redis_url`
    (the caller waits for it with `wait_ready`). `extra_env` adds to or replaces its environment
    (e.g. EMAIL_URL and an SMTP backend, to send to a test's own mail server)."""
    name = name or uuid.uuid4().hex[:12]
    node = f"portal-test-{name}@{os.uname().nodename}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": redis_url,
        "PORTAL_TEST_REAL_WORKER": "1",
        "PORTAL_TEST_WORKER_QUEUE": queue,  # what the worker itself queues comes back to it
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_EMAIL_FILE_PATH": str(mail_dir),
        "PORTAL_FILES_ROOT": str(settings.MEDIA_ROOT),
        "DJANGO_CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "portal", "worker",
        "--pool=solo", "--concurrency=1", "-l", "WARNING",
        "-Q", queue, "-n", node, "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return WorkerProcess(process=process, queue=queue, node=node, mail_dir=mail_dir, log_path=log_path)


@dataclass
class Workers:
    """Workers of one test on one broker. `queue` is this test's default queue (the app sends
    there); `start(queue=...)` starts a worker on another queue of the test's own (tasks reach it
    with `apply_async(queue=...)`), e.g. to be sure two workers each run one sweep."""

    app: object
    redis_url: str
    queue: str
    mail_dir: Path
    folder: Path
    started: list[WorkerProcess] = field(default_factory=list)
    queues: set[str] = field(default_factory=set)

    def start(self, *, queue: str = "", extra_env: dict | None = None) -> WorkerProcess:
        """Start one more worker (on `queue`, default the test's) and wait until it answers."""
        queue = queue or self.queue
        self.queues.add(queue)
        n = len(self.started)
        log_path = self.folder / ("worker.log" if n == 0 else f"worker-{n + 1}.log")
        worker = worker_start(
            redis_url=self.redis_url, queue=queue, mail_dir=self.mail_dir, log_path=log_path,
            name=f"{self.queue.removeprefix('portal-test-')}-{n + 1}", extra_env=extra_env,
        )
        self.started.append(worker)
        worker.wait_ready(self.app)
        return worker

    def queue_named(self, suffix: str) -> str:
        """A queue name of this test's own (removed from Redis afterwards)."""
        return f"{self.queue}-{suffix}"


@contextlib.contextmanager
def celery_workers_on(*, redis_url: str, tmp_path: Path) -> Iterator[Workers]:
    """Switch the Celery app of this process to `redis_url` and a queue unique to this run, and
    stop every worker started through it, restore the app and remove the queues afterwards."""
    from portal.celery import app

    queue = f"portal-test-{uuid.uuid4().hex[:12]}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir(exist_ok=True)
    workers = Workers(app=app, redis_url=redis_url, queue=queue, mail_dir=mail_dir, folder=tmp_path)
    workers.queues.add(queue)
    previous = _switch_app(app, {"broker_url": redis_url, "task_always_eager": False, "task_default_queue": queue})
    try:
        yield workers
    finally:
        for worker in workers.started:
            worker.stop()
        _switch_app(app, previous)
        for name in workers.queues:
            _forget_queue(redis_url, name)


def redis_url_or_skip() -> str:
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        pytest.skip("REDIS_URL is not set: a real Celery worker needs Redis (export REDIS_URL=redis://127.0.0.1:6379/0)")
    return redis_url


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    redis_url = redis_url_or_skip()
    with celery_workers_on(redis_url=redis_url, tmp_path=tmp_path) as workers:
        yield workers.start()


@pytest.fixture
def celery_workers(transactional_db, tmp_path):
    """Workers on the REDIS_URL broker, started by the test: `celery_workers.start()`."""
    redis_url = redis_url_or_skip()
    with celery_workers_on(redis_url=redis_url, tmp_path=tmp_path) as workers:
        yield workers


class RedisServer:
    """A private redis-server (no persistence) on a free port, in `folder`; `stop()` shuts it
    down (SHUTDOWN NOSAVE), `start()` starts it again on the same port."""

    def __init__(self, folder: Path):
        if not shutil.which("redis-server"):
            pytest.skip("redis-server is not installed")
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.folder / "redis.log", "ab")
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)],
            stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 10
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def answers(self) -> bool:
        import redis

        try:
            client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except redis.exceptions.RedisError:
            return False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        import redis

        try:
            redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5).shutdown(nosave=True)
        except redis.exceptions.RedisError:
            pass  # the connection drops as the server exits
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def _forget_queue(redis_url: str, queue: str) -> None:
    """Remove the run's queue and its kombu bindings from Redis (they are unique to this run)."""
    try:
        import redis

        client = redis.Redis.from_url(redis_url, socket_connect_timeout=1)
        keys = [queue, *client.scan_iter(match=f"_kombu.binding*.{queue}")]
        client.delete(*keys)
        # A task of a killed worker stays in kombu's "unacked" hash and would be put back on the
        # queue an hour later: drop this run's entries (only those routed to its queue).
        for tag, raw in client.hscan_iter("unacked"):
            try:
                _, exchange, routing_key = json.loads(raw)
            except (ValueError, TypeError):
                continue
            if queue in (exchange, routing_key):
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
        client.close()
    except Exception:  # best effort: leftovers are harmless, only untidy
        pass
