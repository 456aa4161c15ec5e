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
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
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


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        pytest.skip("REDIS_URL is not set: a real Celery worker needs Redis (export REDIS_URL=redis://127.0.0.1:6379/0)")
    from portal.celery import app

    run_id = uuid.uuid4().hex[:12]
    queue = f"portal-test-{run_id}"
    node = f"portal-test-{run_id}@{os.uname().nodename}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": redis_url,
        "PORTAL_TEST_REAL_WORKER": "1",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_EMAIL_FILE_PATH": str(mail_dir),
        "PORTAL_FILES_ROOT": str(settings.MEDIA_ROOT),
        "DJANGO_CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "portal", "worker",
        "--pool=solo", "--concurrency=1", "-l", "WARNING",
        "-Q", queue, "-n", node, "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    worker = WorkerProcess(process=process, queue=queue, node=node, mail_dir=mail_dir, log_path=log_path)
    previous = _switch_app(
        app,
        {
            "broker_url": redis_url,
            "task_always_eager": False,
            "task_default_queue": queue,
        },
    )
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"The Celery worker exited with {process.returncode}:\n{worker.log()}")
            if app.control.ping(destination=[node], timeout=0.5):
                break
            if time.monotonic() > deadline:
                pytest.fail(f"The Celery worker did not answer within {READY_TIMEOUT}s:\n{worker.log()}")
        yield worker
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        _switch_app(app, previous)
        _forget_queue(redis_url, queue)


def _forget_queue(redis_url: str, queue: str) -> None:
    """Remove the run's queue and its kombu bindings from Redis (they are unique to this run)."""
    try:
        import redis

        client = redis.Redis.from_url(redis_url)
        keys = [queue, *client.scan_iter(match=f"_kombu.binding*.{queue}")]
        client.delete(*keys)
        client.close()
    except Exception:  # best effort: leftovers are harmless, only untidy
        pass
