"""A web restart drops nothing (issue 19 item 6; docs/deploy.md, "Restarting without dropping
requests"): gunicorn reloaded with SIGHUP keeps its listening socket, starts new workers and lets
the old ones finish what they are answering. Under continuous requests from several clients (each
request on a new connection, so a refused connection would show), two reloads in a row cost no
failed connection, no reset and no 5xx, for anonymous pages and a signed-in officer's inbox alike.

The server is a real gunicorn (tests/servers.py) with 2 workers on a free loopback port, on this
test's database."""
from __future__ import annotations

import http.client
import threading
import time
from collections import Counter

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from portal.middleware import ACTING_MEMBERSHIP
from portal.roles import Role
from tests.conftest import sign_in_fully
from tests.portal.factories import MembershipFactory
from tests.servers import GunicornServer, running
from tests.workers import worker_database_url

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CLIENTS = 4


@pytest.fixture
def gunicorn(tmp_path):
    server = GunicornServer(
        database_url=worker_database_url(), folder=tmp_path, workers=2,
        extra_env={"PORTAL_FILES_ROOT": str(settings.MEDIA_ROOT), "DJANGO_CONN_MAX_AGE": "0"},
    )
    with running(server):
        yield server


def session_cookie(membership) -> str:
    client = sign_in_fully(Client(), membership.user)
    session = client.session
    session[ACTING_MEMBERSHIP] = membership.pk
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


class Load:
    """CLIENTS threads, each requesting its paths in turn until stopped, each request on a fresh
    connection; `statuses` counts the answers, `failures` lists what got no answer."""

    def __init__(self, port: int, paths: list[tuple[str, str]]):
        self.port, self.paths = port, paths
        self.statuses: Counter = Counter()
        self.failures: list[str] = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(i,)) for i in range(CLIENTS)]

    def run(self, i: int) -> None:
        n = i
        while not self.stopping.is_set():
            path, cookie = self.paths[n % len(self.paths)]
            n += 1
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
                response = connection.getresponse()
                response.read()
                connection.close()
                self.statuses[response.status] += 1
            except OSError as error:  # refused, reset, timed out
                self.failures.append(f"{path}: {error!r}")

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(60)

    def total(self) -> int:
        return sum(self.statuses.values()) + len(self.failures)


def test_a_sighup_reload_under_load_fails_no_request(gunicorn):
    officer = MembershipFactory(role=Role.OFFICER)
    cookie = session_cookie(officer)
    paths = [("/healthz/", ""), (reverse("portal:sign_in"), ""), (reverse("sharing:inbox"), cookie)]
    first_workers = gunicorn.worker_pids()

    with Load(gunicorn.port, paths) as load:
        time.sleep(2)
        before = load.total()
        assert before > 0 and not load.failures, load.failures[:5]
        second_workers = gunicorn.reload()
        third_workers = gunicorn.reload()
        time.sleep(2)  # the new workers answer too
        during_and_after = load.total() - before

    assert not (first_workers & second_workers) and not (second_workers & third_workers)
    assert gunicorn.process.poll() is None, "the master restarted instead of reloading"
    assert load.failures == [], f"{len(load.failures)} of {load.total()} requests got no answer: {load.failures[:5]}"
    assert set(load.statuses) == {200}, f"answers other than 200: {dict(load.statuses)}"
    assert during_and_after > 20, "too few requests reached the server while it reloaded to show anything"
