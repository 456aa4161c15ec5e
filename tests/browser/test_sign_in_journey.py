"""A person signs in with password and authenticator code in a real browser, and the pages they
meet are accessible (axe-core: no serious or critical violation)."""
import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from portal.auth.services import totp_code_now
from portal.roles import Role
from tests.portal.factories import TEST_PASSWORD, MembershipFactory, TOTPDeviceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_with_password_and_code_reaches_home(page, assert_accessible):
    membership = MembershipFactory(role=Role.OFFICER, organisation__name="Stockport Council")
    device = TOTPDeviceFactory(user=membership.user)

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in/"))
    assert_accessible(page)
    page.get_by_label("Username").fill(membership.user.username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your security code")
    assert_accessible(page)
    page.get_by_label("Security code").fill(totp_code_now(key_hex=device.key))
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("header")).to_contain_text("Stockport Council")
    assert urlparse(page.url).path == "/"
    assert_accessible(page)


def test_first_sign_in_enrols_and_shows_backup_codes(page, assert_accessible):
    membership = MembershipFactory(role=Role.ADMIN)

    page.goto("/sign-in/")
    page.get_by_label("Username").fill(membership.user.username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    assert_accessible(page)
    secret = page.get_by_test_id("totp-secret").inner_text()
    key_hex = base32_to_hex(secret)
    page.get_by_label(re.compile("code", re.I)).fill(totp_code_now(key_hex=key_hex))
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your backup codes")
    assert page.get_by_test_id("backup-code").count() == 10
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("header")).to_contain_text(membership.organisation.name)


def base32_to_hex(secret: str) -> str:
    import base64

    compact = "".join(secret.split())
    compact += "=" * (-len(compact) % 8)
    return base64.b32decode(compact).hex()
