"""A PostgreSQL restart or outage under the running portal (issue 19, item 4).

The portal runs under gunicorn (one worker, persistent connections as in production) on a
PostgreSQL server of the test's own (tests/private_servers.py), which the test restarts and stops; the
machine's PostgreSQL, which other test runs share, is never touched.

- After a restart the first request of an idle worker is answered as usual: the connection it
  kept is checked before use (`CONN_HEALTH_CHECKS`) and replaced. Before, it failed with a 500.
- While the database is down every page answers 503 "try again shortly" (templates/503.html,
  no personal data) instead of a 500; when it is back, the next request is answered as usual."""
from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.live_http import HttpBrowser
from tests.private_servers import PortalWeb, PostgresServer

SIGN_IN = reverse("portal:sign_in")
CODE = reverse("portal:sign_in_code")
HOME = reverse("portal:home")

MAKE_USER = """
import json
from portal.auth.services import totp_code_now
from portal.roles import Role
from tests.portal.factories import TEST_PASSWORD, MembershipFactory, TOTPDeviceFactory
user = MembershipFactory(role=Role.OFFICER).user
device = TOTPDeviceFactory(user=user)
print(json.dumps({"username": user.username, "password": TEST_PASSWORD, "code": totp_code_now(key_hex=device.key),
                  "names": [user.first_name, user.last_name]}))
"""


@pytest.fixture
def portal_on_private_postgres(tmp_path):
    server = PostgresServer()
    web = None
    try:
        server.start()
        server.create_database("portal")
        web = PortalWeb(database_url=server.url("portal"), folder=tmp_path / "web")
        web.manage("migrate", "-v0")
        user = json.loads(web.manage("shell", "-c", MAKE_USER).strip().splitlines()[-1])
        web.start()
        yield server, web, user
    finally:
        if web is not None:
            web.stop()
        server.remove()


def signed_in(web: PortalWeb, user: dict) -> HttpBrowser:
    browser = HttpBrowser(web.url)
    browser.get(SIGN_IN)
    assert browser.post(SIGN_IN, {"username": user["username"], "password": user["password"]}).location == CODE
    assert browser.post(CODE, {"code": user["code"]}).location == HOME
    assert browser.get(HOME).status == 200
    return browser


def test_after_a_database_restart_the_first_request_is_answered_and_during_an_outage_pages_say_try_again(
    portal_on_private_postgres,
):
    server, web, user = portal_on_private_postgres
    browser = signed_in(web, user)

    # A restart while the worker is idle: its kept connection is dead.
    server.stop()
    server.start()
    response = browser.get(HOME)
    assert response.status == 200, f"first request after a restart: {response.status}\n{web.log()}"

    # An outage: every page, signed in or not, says to try again shortly.
    server.stop()
    for path in (HOME, reverse("sharing:inbox")):
        response = browser.get(path)
        assert response.status == 503, f"{path} during an outage: {response.status}\n{web.log()}"
        assert "try again shortly" in response.text.lower()
        assert "govuk-heading-l" in response.text
        assert not any(name in response.text for name in user["names"])
        assert user["username"] not in response.text
    stranger = HttpBrowser(web.url)
    stranger.get(SIGN_IN)
    response = stranger.post(SIGN_IN, {"username": user["username"], "password": user["password"]})
    assert response.status == 503

    # Back: the next request is answered as usual, the session still signed in.
    server.start()
    response = browser.get(HOME)
    assert response.status == 200, f"first request after the outage: {response.status}\n{web.log()}"
    assert " 500 " not in web.log()
