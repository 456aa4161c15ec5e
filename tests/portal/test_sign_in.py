"""Sign-in as an attacker and a user would meet it: two factors, lockout, replay, timeouts."""
import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken

from portal.auth.services import backup_codes_replace, totp_code_now
from portal.middleware import SESSION_STARTED_AT
from portal.roles import Role
from tests.portal.factories import TEST_PASSWORD, MembershipFactory, TOTPDeviceFactory

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("portal:sign_in")
CODE = reverse("portal:sign_in_code")
ENROL = reverse("portal:enrol")
HOME = reverse("portal:home")


def password_step(client, user, password=TEST_PASSWORD):
    return client.post(SIGN_IN, {"username": user.username, "password": password})


@pytest.fixture
def member():
    return MembershipFactory(role=Role.OFFICER)


@pytest.fixture
def enrolled(member):
    device = TOTPDeviceFactory(user=member.user)
    return member.user, device


def test_password_then_code_reaches_home_with_new_session_key_each_step(enrolled):
    user, device = enrolled
    client = Client()
    client.get(SIGN_IN)
    first_key = client.cookies.get("sessionid")
    response = password_step(client, user)
    assert response.status_code == 302 and response.url == CODE
    after_password = client.cookies["sessionid"].value
    assert first_key is None or first_key.value != after_password

    response = client.post(CODE, {"code": totp_code_now(key_hex=device.key)})
    assert response.status_code == 302 and response.url == HOME
    after_code = client.cookies["sessionid"].value
    assert after_code != after_password
    assert not Session.objects.filter(session_key=after_password).exists()

    page = client.get(HOME)
    assert page.status_code == 200
    assert user.memberships.first().organisation.name in page.content.decode()


def test_password_alone_reaches_nothing_behind_sign_in(enrolled):
    user, _ = enrolled
    client = Client()
    password_step(client, user)
    for url in (HOME, reverse("portal:switch_membership")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(SIGN_IN)


def test_authenticated_session_without_second_factor_is_signed_out(member):
    client = Client()
    client.force_login(member.user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith(SIGN_IN)
    assert "_auth_user_id" not in client.session


def test_wrong_password_keeps_username_and_says_what_is_wrong(enrolled):
    user, _ = enrolled
    response = password_step(Client(), user, password="not the password at all")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Enter a correct username and password" in body
    assert f'value="{user.username}"' in body


def test_first_sign_in_enrols_authenticator_and_shows_ten_backup_codes(member):
    client = Client()
    response = password_step(client, member.user)
    assert response.url == ENROL
    page = client.get(ENROL)
    assert page.status_code == 200
    qr = client.get(reverse("portal:enrol_qr"))
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert b"<svg" in qr.content

    wrong = client.post(ENROL, {"code": "000000"})
    assert "The security code is not correct" in wrong.content.decode()

    key = client.session["portal_enrol_key"]
    done = client.post(ENROL, {"code": totp_code_now(key_hex=key)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    for code in codes:
        assert code in done.content.decode()
    assert client.get(HOME).status_code == 200


def test_qr_code_is_not_served_without_a_password_step():
    assert Client().get(reverse("portal:enrol_qr")).status_code == 302


def test_totp_code_cannot_be_replayed(enrolled):
    user, device = enrolled
    code = totp_code_now(key_hex=device.key)
    first = Client()
    password_step(first, user)
    assert first.post(CODE, {"code": code}).url == HOME

    second = Client()
    password_step(second, user)
    response = second.post(CODE, {"code": code})
    assert response.status_code == 200
    assert "already been used" in response.content.decode()
    assert second.get(HOME).status_code == 302


def test_backup_code_works_once(enrolled):
    user, _ = enrolled
    code = backup_codes_replace(user=user)[0]
    first = Client()
    password_step(first, user)
    assert first.post(CODE, {"code": code}).url == HOME
    assert not StaticToken.objects.filter(token=code).exists()

    second = Client()
    password_step(second, user)
    assert second.post(CODE, {"code": code}).status_code == 200
    assert second.get(HOME).status_code == 302


def test_five_failed_passwords_lock_the_account(enrolled):
    user, _ = enrolled
    client = Client()
    for _ in range(5):
        password_step(client, user, password="wrong password attempt")
    response = password_step(client, user)
    assert response.status_code == 429
    assert "Your account is locked" in response.content.decode()


def test_failed_codes_count_towards_lockout(enrolled):
    user, device = enrolled
    client = Client()
    password_step(client, user)
    for _ in range(5):
        response = client.post(CODE, {"code": "123456"})
    assert response.status_code == 429
    fresh = Client()
    assert password_step(fresh, user).status_code == 429


def test_idle_session_ends_after_thirty_minutes(enrolled, settings):
    user, device = enrolled
    client = Client()
    password_step(client, user)
    client.post(CODE, {"code": totp_code_now(key_hex=device.key)})
    session = Session.objects.get(session_key=client.cookies["sessionid"].value)
    remaining = (session.expire_date - timezone.now()).total_seconds()
    assert 29 * 60 < remaining <= 30 * 60
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith(SIGN_IN)


def test_session_ends_after_twelve_hours_however_active(enrolled):
    user, device = enrolled
    client = Client()
    password_step(client, user)
    client.post(CODE, {"code": totp_code_now(key_hex=device.key)})
    assert client.get(HOME).status_code == 200
    session = client.session
    session[SESSION_STARTED_AT] = time.time() - 12 * 3600 - 60
    session.save()
    response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith(SIGN_IN)


def test_sign_out_ends_the_session_on_the_server(enrolled):
    user, device = enrolled
    client = Client()
    password_step(client, user)
    client.post(CODE, {"code": totp_code_now(key_hex=device.key)})
    key = client.cookies["sessionid"].value
    client.post(reverse("portal:sign_out"))
    assert not Session.objects.filter(session_key=key).exists()
    stolen = Client()
    stolen.cookies["sessionid"] = key
    assert stolen.get(HOME).status_code == 302


def test_next_is_kept_through_both_steps_but_never_offsite(enrolled):
    user, device = enrolled
    client = Client()
    client.post(SIGN_IN, {"username": user.username, "password": TEST_PASSWORD, "next": "https://evil.example/"})
    assert client.post(CODE, {"code": totp_code_now(key_hex=device.key)}).url == HOME
