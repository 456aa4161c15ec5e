"""A police officer signs in through their organisation's own OpenID Connect provider in a real
browser: the test provider (tests/oidc_idp, django-oidc-provider in its own process) signs them
in; the portal first holds them for an admin's approval, then, once approved, creates their
account and lets them in without its own code because the provider did MFA (issue 15)."""
import re
import uuid
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from portal.models import SsoAccessRequest
from portal.roles import Role
from portal.services.identity_providers import identity_provider_configure, sso_access_request_approve
from tests.oidc_idp.server import OidcProviderServer
from tests.servers import running
from tests.sso import organisation_sign_in_start, partnership_with_admin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def idp(tmp_path):
    with running(OidcProviderServer(folder=tmp_path / "oidc-provider")) as server:
        yield server


def test_sign_in_with_the_organisations_provider(page, live_server, idp, settings, assert_accessible):
    settings.PORTAL_BASE_URL = live_server.url
    idp.seed_client(
        client_id="portal", client_secret="browser-secret",
        redirect_uris=[f"{live_server.url}/sign-in/organisation/callback/"],
    )
    partnership, police, admin = partnership_with_admin(
        slug="sso-browser", name="SSO browser partnership", organisation="Test Constabulary"
    )
    identity_provider_configure(
        organisation=police, partnership=partnership, issuer=idp.issuer, client_id="portal",
        client_secret="browser-secret", allowed_domains="police.example", acting_user=admin.user,
    )
    username = f"pc-{uuid.uuid4().hex[:6]}"
    email = f"{username}@police.example"
    idp.seed_user(username=username, password="idp-pass-1", email=email, given_name="Sam", family_name="Jones", mfa=True)

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in/"))
    assert_accessible(page)
    organisation_sign_in_start(page, email=email)

    # The organisation's own sign-in page (another process, another origin).
    expect(page.get_by_role("heading", level=1)).to_have_text("Test organisation sign-in")
    assert urlparse(page.url).port == idp.port
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("idp-pass-1")
    page.get_by_role("button", name="Sign in at the organisation").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your access is waiting for approval")
    assert_accessible(page)

    sso_access_request_approve(
        access_request=SsoAccessRequest.objects.get(email=email), role=Role.OFFICER, acting_user=admin.user
    )
    page.goto("/sign-in/")
    organisation_sign_in_start(page, email=email)
    # Still signed in at the provider: it sends the browser straight back; MFA there, no code here.
    expect(page.locator("header")).to_contain_text("Test Constabulary")
    assert urlparse(page.url).path == "/"
    assert_accessible(page)


def test_admin_pages_for_organisations_sign_in_are_accessible(page, assert_accessible):
    from portal.auth.services import totp_code_now
    from tests.portal.factories import TEST_PASSWORD, TOTPDeviceFactory

    _, police, admin = partnership_with_admin(
        slug="sso-admin", name="SSO admin partnership", organisation="Test Constabulary"
    )
    device = TOTPDeviceFactory(user=admin.user)
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(admin.user.username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Security code").fill(totp_code_now(key_hex=device.key))
    page.get_by_role("button", name="Continue").click()

    page.goto("/admin/identity-providers/")
    assert_accessible(page)
    page.get_by_role("button", name="Add an organisation’s provider").click()
    assert_accessible(page)
    page.get_by_label("Organisation", exact=True).select_option(label="Test Constabulary")
    page.get_by_label("Issuer", exact=True).fill("not an address")
    page.get_by_role("button", name="Save provider").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the client ID")
    expect(page.get_by_label("Issuer", exact=True)).to_have_value("not an address")
    assert_accessible(page)
    page.get_by_label("Client ID", exact=True).fill("portal")
    page.get_by_label(re.compile("^Client secret")).fill("s3cret")
    page.get_by_label("Email domains").fill("police.example")
    page.get_by_role("button", name="Save provider").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the issuer as a web address")
    expect(page.get_by_label("Email domains")).to_have_value("police.example")
    page.get_by_label("Issuer", exact=True).fill("https://login.example.com/tenant/v2.0")
    page.get_by_label(re.compile("^Client secret")).fill("s3cret")
    page.get_by_role("button", name="Save provider").click()
    expect(page.get_by_role("table")).to_contain_text("police.example")
    assert page.get_by_role("table").inner_text().count("Test Constabulary") == 1
    SsoAccessRequest.objects.create(
        provider=police.identity_provider, subject="1", email="sam@police.example", given_name="Sam"
    )
    page.goto("/admin/identity-providers/requests/")
    assert_accessible(page)
    page.get_by_label("Role for sam@police.example").select_option(label="Partner officer")
    page.get_by_role("button", name="Approve sam@police.example").click()
    expect(page.locator("body")).to_contain_text("Access approved")
