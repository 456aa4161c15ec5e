"""An NHS officer signs in through their organisation's SAML 2.0 identity provider in a real
browser: the test IdP (tests/saml_idp, its own process and origin) signs them in and posts a
signed assertion back; the portal holds them for an admin's approval, then creates their account
and, the IdP's AuthnContextClassRef being one the admin accepted as strong, lets them in without
its own code (issue 15, ADR 0016)."""
import re
import uuid
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from portal.models import SsoAccessRequest
from portal.roles import Role
from portal.services.identity_providers import identity_provider_configure_saml, sso_access_request_approve
from tests.saml_idp.server import MFA_CONTEXT, SamlIdpServer
from tests.servers import running
from tests.sso import organisation_sign_in_start, partnership_with_admin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def idp(tmp_path):
    with running(SamlIdpServer(folder=tmp_path / "saml-idp")) as server:
        yield server


def _through_the_idp(page, idp, *, email, username):
    organisation_sign_in_start(page, email=email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Test IdP sign in")
    assert urlparse(page.url).port == idp.port
    page.locator("#username").fill(username)
    page.locator("#password").fill("idp-pass-1")
    page.locator("#idp-sign-in").click()
    page.locator("#idp-continue").click()  # the IdP's HTTP-POST binding form


def test_sign_in_with_the_organisations_saml_idp(page, live_server, idp, settings, assert_accessible):
    settings.PORTAL_BASE_URL = live_server.url
    partnership, nhs, admin = partnership_with_admin(
        slug="saml-browser", name="SAML browser partnership", organisation="Test NHS Trust"
    )
    identity_provider_configure_saml(
        organisation=nhs, partnership=partnership, metadata_url=idp.metadata_url, allowed_domains="nhs.example",
        accepted_acr=MFA_CONTEXT, acting_user=admin.user,
    )
    username = f"nurse-{uuid.uuid4().hex[:6]}"
    email = f"{username}@nhs.example"
    idp.seed_user(username=username, password="idp-pass-1", email=email, authn_context=MFA_CONTEXT)

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in/"))
    _through_the_idp(page, idp, email=email, username=username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your access is waiting for approval")
    assert_accessible(page)

    sso_access_request_approve(
        access_request=SsoAccessRequest.objects.get(email=email), role=Role.OFFICER, acting_user=admin.user
    )
    page.goto("/sign-in/")
    _through_the_idp(page, idp, email=email, username=username)
    expect(page.locator("header")).to_contain_text("Test NHS Trust")
    assert urlparse(page.url).path == "/"
    assert_accessible(page)
