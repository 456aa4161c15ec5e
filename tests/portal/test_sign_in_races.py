"""A single-use code signs in one session, however many post it at the same moment (issue 19,
items 1 and 2).

Two browsers (real HTTP against the live server, each request on the server's own thread and
database connection, so a real race on PostgreSQL) pass the password step, wait at a barrier, and
post the same backup code, or the same authenticator code, together. Exactly one may be signed in.
Before the fix django-otp read and then deleted the backup code (or read and then wrote the
TOTP device's `last_t`) with no lock, and both sessions got in most trials."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.urls import reverse

from portal.auth.services import backup_codes_replace, totp_code_now
from portal.roles import Role
from tests.live_http import HttpBrowser
from tests.portal.factories import TEST_PASSWORD, MembershipFactory, TOTPDeviceFactory

pytestmark = pytest.mark.django_db(transaction=True)

SIGN_IN = reverse("portal:sign_in")
CODE = reverse("portal:sign_in_code")
HOME = reverse("portal:home")
TRIALS = 10
SESSIONS = 2


def password_passed(base_url: str, user) -> HttpBrowser:
    browser = HttpBrowser(base_url)
    browser.get(SIGN_IN)
    response = browser.post(SIGN_IN, {"username": user.username, "password": TEST_PASSWORD})
    assert response.status == 302 and response.location == CODE
    assert browser.get(CODE).status == 200
    return browser


def signed_in_count(base_url: str, user, code: str) -> int:
    """How many of SESSIONS browsers, posting `code` at the same moment, end up signed in."""
    browsers = [password_passed(base_url, user) for _ in range(SESSIONS)]
    barrier = threading.Barrier(SESSIONS)

    def post_code(browser: HttpBrowser) -> bool:
        barrier.wait(timeout=10)
        browser.post(CODE, {"code": code})
        return browser.get(HOME).status == 200

    with ThreadPoolExecutor(max_workers=SESSIONS) as pool:
        return sum(pool.map(post_code, browsers))


def test_a_backup_code_posted_by_two_sessions_at_once_signs_in_exactly_one(live_server):
    outcomes = []
    for _ in range(TRIALS):
        user = MembershipFactory(role=Role.OFFICER).user
        TOTPDeviceFactory(user=user)
        code = backup_codes_replace(user=user)[0]
        outcomes.append(signed_in_count(live_server.url, user, code))
    assert outcomes == [1] * TRIALS, f"sessions signed in with one backup code, per trial: {outcomes}"


def test_an_authenticator_code_posted_by_two_sessions_at_once_signs_in_exactly_one(live_server):
    outcomes = []
    for _ in range(TRIALS):
        user = MembershipFactory(role=Role.OFFICER).user
        device = TOTPDeviceFactory(user=user)
        outcomes.append(signed_in_count(live_server.url, user, totp_code_now(key_hex=device.key)))
    assert outcomes == [1] * TRIALS, f"sessions signed in with one authenticator code, per trial: {outcomes}"
