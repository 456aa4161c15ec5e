"""Operations (issue 15): /healthz/ checks what the portal needs (database, Redis, storage, a live
Celery worker), every request has an id that reaches the logs, logs are JSON, and error reports
sent to Sentry carry no personal data (a real sentry-sdk posting to a local HTTP server)."""
from __future__ import annotations

import gzip
import json
import logging
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client, override_settings
from django.urls import reverse

from portal.health import HEARTBEAT_PREFIX
from tests.mail_servers import free_port
from tests.workers import celery_workers  # noqa: F401  (fixture)

HEALTHZ = reverse("portal:healthz")
NAME = "Jordan Example"
ADDRESS = "1 Example Street"


def health(**headers) -> tuple[int, dict]:
    """GET /healthz/ from a thread of its own, as a server's worker thread would: the view is
    async (django-health-check), and a browser test's Playwright leaves an event loop running in
    the main thread of the test process, where Django could not run it."""

    def get():
        try:
            return Client().get(HEALTHZ, HTTP_ACCEPT="application/json", **headers)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        response = pool.submit(get).result()
    return response.status_code, json.loads(response.content)


@pytest.mark.django_db
def test_healthz_checks_the_database_storage_and_redis(monkeypatch):
    # As under a real server: the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE would hide a database
    # check run inside the view's event loop (it answered "unknown error" under gunicorn).
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    status, checks = health()
    assert status == 200
    names = " ".join(checks)
    assert "Database" in names and "Storage" in names
    if settings.REDIS_URL:
        assert "Redis" in names
    assert set(checks.values()) == {"OK"}
    text = Client().get(HEALTHZ)
    assert text.status_code == 200 and text["Content-Type"].startswith("text/plain")
    assert "no-store" in text["Cache-Control"] or "no-cache" in text["Cache-Control"]


@pytest.mark.django_db
def test_healthz_fails_when_redis_is_unreachable():
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"):
        status, checks = health()
    assert status == 500
    assert any("Redis" in name and value != "OK" for name, value in checks.items())


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_healthz_fails_without_a_live_worker_and_passes_with_one(celery_workers):  # noqa: F811
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    for key in client.scan_iter(match=HEARTBEAT_PREFIX + "*"):
        client.delete(key)  # heartbeats of workers other test runs left on this Redis db
    with override_settings(PORTAL_HEALTHZ_REQUIRE_WORKER=True, REDIS_URL=os.environ["REDIS_URL"]):
        status, checks = health()
        assert status == 500
        assert "No Celery worker has reported" in " ".join(checks.values())

        worker = celery_workers.start()
        deadline = time.monotonic() + 20
        while (status := health()[0]) != 200 and time.monotonic() < deadline:
            time.sleep(0.3)
        assert status == 200

        worker.stop()  # a warm shutdown takes its heartbeat away at once
        assert health()[0] == 500


@pytest.mark.django_db
def test_every_response_has_a_request_id_and_a_sane_incoming_one_is_kept():
    first = Client().get(reverse("portal:sign_in"))
    second = Client().get(reverse("portal:sign_in"))
    assert len(first["X-Request-ID"]) == 32 and first["X-Request-ID"] != second["X-Request-ID"]
    kept = Client().get(reverse("portal:sign_in"), HTTP_X_REQUEST_ID="lb-1234abcd")
    assert kept["X-Request-ID"] == "lb-1234abcd"
    refused = Client().get(reverse("portal:sign_in"), HTTP_X_REQUEST_ID='"><script>')
    assert refused["X-Request-ID"] != '"><script>' and len(refused["X-Request-ID"]) == 32


def test_log_lines_are_json_with_the_request_id():
    """The LOGGING of the settings, as a process configured by them writes it."""
    code = (
        "import django, logging; django.setup(); "
        "from portal.observability import _request_id; _request_id.set('req-abc12345'); "
        "logging.getLogger('portal.test').warning('Notification %s not delivered', 42)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.production", "DJANGO_SECRET_KEY": "x" * 60,
           "PORTAL_DECISION_LOG_KEY": "k", "DJANGO_ALLOWED_HOSTS": "portal.example.org"}
    env.pop("PORTAL_LOG_FORMAT", None)
    result = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "Notification 42 not delivered"
    assert line["level"] == "WARNING" and line["logger"] == "portal.test" and line["request_id"] == "req-abc12345"


class _Collector(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        _Collector.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


REPORTING_SCRIPT = f"""
import logging, django
django.setup()
import sentry_sdk
from django.test import Client
from django.test.utils import setup_test_environment
from django.urls import path
logger = logging.getLogger("portal.example")
person = {NAME!r}
logger.info("Looked up %s at %s", person, {ADDRESS!r})
try:
    raise ValueError(f"No consent recorded for {{person}} of {ADDRESS}")
except ValueError:
    logger.exception("Consent check failed for %s", person)
sentry_sdk.flush(timeout=10)
"""


def test_error_reports_to_sentry_carry_no_personal_data():
    _Collector.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test",
               "PORTAL_SENTRY_DSN": f"http://publickey@127.0.0.1:{server.server_address[1]}/1"}
        result = subprocess.run([sys.executable, "-c", REPORTING_SCRIPT], cwd=settings.BASE_DIR, env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
    finally:
        server.shutdown()
    assert _Collector.received, f"sentry-sdk sent no report: {result.stderr[-2000:]}"
    report = b"\n".join(_Collector.received).decode(errors="replace")
    assert "ValueError" in report  # what broke, and where, is still there
    assert "Consent check failed for %s" in report
    for secret in (NAME, "Jordan", ADDRESS):
        assert secret not in report, f"{secret!r} reached Sentry: ...{report[max(report.find(secret) - 400, 0):report.find(secret) + 100]}"


def test_the_scrubber_takes_the_request_user_and_messages_out():
    from portal.observability import sentry_scrub

    event = {
        "request": {"method": "GET", "url": "https://portal.example.org/admin/users/?q=Jordan",
                    "query_string": "q=Jordan", "cookies": {"sessionid": "x"}, "data": {"name": NAME},
                    "headers": {"Cookie": "sessionid=x"}},
        "user": {"id": 7, "email": "jordan@example.org", "username": "jordan"},
        "logentry": {"message": "Looked up %s", "params": [NAME], "formatted": f"Looked up {NAME}"},
        "exception": {"values": [{"type": "ValueError", "value": NAME,
                                  "stacktrace": {"frames": [{"function": "f", "vars": {"person": NAME}}]}}]},
        "breadcrumbs": {"values": [{"message": NAME}]},
        "extra": {"person": NAME},
    }
    scrubbed = json.dumps(sentry_scrub(event, {}))
    assert "Jordan" not in scrubbed and "jordan" not in scrubbed and "sessionid" not in scrubbed
    assert "https://portal.example.org/admin/users/" in scrubbed and "ValueError" in scrubbed


def test_gunicorn_config_sets_workers_timeout_and_max_requests(tmp_path):
    code = ("import runpy, json; c = runpy.run_path('deploy/gunicorn.conf.py'); "
            "print(json.dumps({k: c[k] for k in ('workers', 'timeout', 'max_requests', 'max_requests_jitter', 'access_log_format')}))")
    result = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, capture_output=True, text=True,
                            env={**os.environ, "GUNICORN_WORKERS": "4"})
    values = json.loads(result.stdout)
    assert values["workers"] == 4 and values["timeout"] == 60 and values["max_requests"] == 1000
    assert values["max_requests_jitter"] > 0
    assert "%(U)s" in values["access_log_format"] and "%(q)s" not in values["access_log_format"]
    logging.getLogger(__name__).debug("gunicorn config read")
