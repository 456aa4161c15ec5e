"""Account security (portal/auth/, portal/middleware.py): a lockout set in one session stops the
second-factor step of another; every response has a Permissions-Policy and no page served to a
signed-in user is stored (static files are); a user changes their own password."""
from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from portal.auth.services import totp_code_now
from portal.models import DecisionLogEntry, UserSession
from portal.roles import Role
from tests.conftest import sign_in_fully
from tests.portal.factories import TEST_PASSWORD, MembershipFactory, TOTPDeviceFactory

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("portal:sign_in")
CODE = reverse("portal:sign_in_code")
HOME = reverse("portal:home")
PASSWORD = reverse("portal:account_password")
NEW_PASSWORD = "a long and unusual passphrase 42"


@pytest.fixture
def enrolled():
    member = MembershipFactory(role=Role.OFFICER)
    return member.user, TOTPDeviceFactory(user=member.user)


def password_step(client, user, password=TEST_PASSWORD):
    return client.post(SIGN_IN, {"username": user.username, "password": password})


def signed_in_client(user, device) -> Client:
    client = sign_in_fully(Client(), user)
    UserSession.objects.get_or_create(user=user, session_key=client.session.session_key)
    return client


# --- lockout across sessions ----------------------------------------------------------------------


def test_a_lockout_set_in_another_session_stops_the_code_step(enrolled):
    user, device = enrolled
    mine, also_mine = Client(), Client()
    assert password_step(mine, user).url == CODE  # past the password, at the code step
    assert password_step(also_mine, user).url == CODE
    attacker = Client()
    for _ in range(5):
        password_step(attacker, user, password="wrong password attempt")
    assert password_step(attacker, user).status_code == 429  # the account is locked

    # The right code, in a session that passed the password before the lockout, is refused.
    response = mine.post(CODE, {"code": totp_code_now(key_hex=device.key)})
    assert response.status_code == 429 and "Your account is locked" in response.content.decode()
    assert mine.get(HOME).status_code == 302  # not signed in
    assert also_mine.get(CODE).status_code == 429
    assert also_mine.post(CODE, {"code": totp_code_now(key_hex=device.key)}).status_code == 302  # back to the start


# --- headers ---------------------------------------------------------------------------------------


def test_every_response_has_a_permissions_policy(enrolled, settings):
    user, device = enrolled
    for response in (Client().get(SIGN_IN), Client().get(reverse("portal:healthz")), signed_in_client(user, device).get(HOME)):
        policy = response["Permissions-Policy"]
        assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy


def test_pages_for_a_signed_in_user_are_not_stored_but_static_files_are(enrolled, settings):
    user, device = enrolled
    client = signed_in_client(user, device)
    for url in (HOME, reverse("portal:protocol"), PASSWORD):
        cache = client.get(url)["Cache-Control"]
        assert "no-store" in cache and "private" in cache, url
    anonymous = Client().get(reverse("portal:privacy"))
    assert "no-store" not in anonymous.get("Cache-Control", "")


def test_static_files_keep_their_own_caching(enrolled, settings):
    # Whitenoise serves from the source directories here (the tests run no collectstatic).
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    user, device = enrolled
    client = signed_in_client(user, device)
    response = client.get(settings.STATIC_URL + "css/portal.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "camera=()" in response["Permissions-Policy"]


# --- changing one's own password --------------------------------------------------------------


def test_a_user_changes_their_own_password_stays_signed_in_and_it_is_logged(enrolled):
    user, device = enrolled
    client = signed_in_client(user, device)
    other = signed_in_client(user, device)
    page = client.get(PASSWORD)
    assert page.status_code == 200 and "Change your password" in page.content.decode()
    response = client.post(
        PASSWORD,
        {"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get(HOME).status_code == 200  # this session kept valid
    assert other.get(HOME).status_code == 302  # the other one ended
    assert not Session.objects.filter(session_key=other.cookies["sessionid"].value).exists()
    entry = DecisionLogEntry.objects.get(action="account.password_changed")
    assert entry.actor == user and entry.details["user_id"] == user.pk and entry.details["username"] == user.username
    assert NEW_PASSWORD not in entry.reasons + repr(entry.details) and TEST_PASSWORD not in repr(entry.details)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"current_password": "not it", "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD}, "Your current password is not correct"),
        ({"current_password": TEST_PASSWORD, "new_password": "password", "new_password_confirm": "password"}, "This password is too short"),
        ({"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD + "x"}, "The new passwords do not match"),
        ({"current_password": TEST_PASSWORD, "new_password": TEST_PASSWORD, "new_password_confirm": TEST_PASSWORD}, "must be different"),
        ({}, "Enter your current password"),
    ],
)
def test_a_refused_change_says_why_and_changes_nothing(enrolled, data, message):
    user, device = enrolled
    client = signed_in_client(user, device)
    response = client.post(PASSWORD, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and message in html
    for value in data.values():
        assert f'value="{value}"' not in html  # passwords are never sent back
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)
    assert not DecisionLogEntry.objects.exists()


def test_wrong_current_passwords_lock_the_account(enrolled):
    user, device = enrolled
    client = signed_in_client(user, device)
    data = {"current_password": "guess", "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD}
    statuses = [client.post(PASSWORD, data).status_code for _ in range(5)]
    assert statuses[-1] == 429 and statuses[:4] == [200] * 4
    assert client.get(HOME).status_code == 302
    assert password_step(Client(), user).status_code == 429


def test_signed_out_visitors_are_sent_to_sign_in():
    response = Client().get(PASSWORD)
    assert response.status_code == 302 and response.url.startswith(SIGN_IN)


# --- one's own sessions ---------------------------------------------------------------------------

SESSIONS = reverse("portal:account_sessions")


def test_a_user_sees_their_sessions_and_ends_another_one(enrolled):
    user, device = enrolled
    client = signed_in_client(user, device)
    laptop = signed_in_client(user, device)
    someone = MembershipFactory().user
    theirs = signed_in_client(someone, TOTPDeviceFactory(user=someone))
    page = client.get(SESSIONS)
    html = page.content.decode()
    assert page.status_code == 200 and "2 sessions" in html and "This session" in html
    laptop_record = UserSession.objects.get(session_key=laptop.session.session_key)
    mine_record = UserSession.objects.get(session_key=client.session.session_key)
    theirs_record = UserSession.objects.get(session_key=theirs.session.session_key)

    # Someone else's session is not found, and stays signed in.
    assert client.post(reverse("portal:account_session_end", args=[theirs_record.pk])).status_code == 404
    assert theirs.get(HOME).status_code == 200
    # This one ends by signing out.
    refused = client.post(reverse("portal:account_session_end", args=[mine_record.pk]), follow=True)
    assert "sign out to end it" in refused.content.decode() and client.get(HOME).status_code == 200

    assert client.post(reverse("portal:account_session_end", args=[laptop_record.pk])).status_code == 302
    assert laptop.get(HOME).status_code == 302
    assert client.get(HOME).status_code == 200
    assert "1 session" in client.get(SESSIONS).content.decode()


# --- backup codes are stored hashed ---------------------------------------------------------------


def test_backup_codes_are_stored_only_as_digests_and_still_work_once(enrolled):
    from django_otp.plugins.otp_static.models import StaticToken

    from portal.auth.services import backup_code_digest, backup_codes_replace

    user, _ = enrolled
    codes = backup_codes_replace(user=user)
    stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(stored) == len(codes) and not stored & set(codes)
    assert stored == {backup_code_digest(user_id=user.pk, code=code) for code in codes}
    # The same code for another user would be stored differently (salted per user).
    other = MembershipFactory().user
    assert backup_code_digest(user_id=other.pk, code=codes[0]) not in stored

    client = Client()
    password_step(client, user)
    assert client.post(CODE, {"code": codes[0].upper()}).url == HOME
    again = Client()
    password_step(again, user)
    assert again.post(CODE, {"code": codes[0]}).status_code == 200
    assert StaticToken.objects.filter(device__user=user).count() == len(codes) - 1


def test_the_migration_hashes_codes_stored_before():
    import importlib

    from django.apps import apps
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    from portal.auth.services import backup_code_digest

    migration = importlib.import_module("portal.migrations.0008_hash_backup_codes")
    user = MembershipFactory().user
    device = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    StaticToken.objects.create(device=device, token="abcd2345")
    migration.hash_backup_codes(apps, None)
    assert StaticToken.objects.get(device=device).token == backup_code_digest(user_id=user.pk, code="abcd2345")
