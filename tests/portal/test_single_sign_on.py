"""Single sign-on through an organisation's own OpenID Connect provider (issue 15; docs/sso.md).

Every test talks to a real provider: tests/oidc_idp, a django-oidc-provider project run as its
own gunicorn process on a loopback port (discovery, code flow with PKCE, signed ID tokens). The
portal's side runs in the Django test client; the provider's sign-in page is driven over HTTP as
a browser would (`provider_sign_in`).
"""
from __future__ import annotations

import time
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import (
    DecisionLogEntry,
    ExternalIdentity,
    IdentityProvider,
    Membership,
    Notification,
    Partnership,
    SsoAccessRequest,
    User,
)
from portal.roles import Role
from portal.services.identity_providers import identity_provider_configure
from tests.conftest import sign_in_fully
from tests.oidc_idp.server import OidcProviderServer, provider_sign_in
from tests.portal.factories import TEST_PASSWORD, MembershipFactory, OrganisationFactory, TOTPDeviceFactory, UserFactory
from tests.servers import running
from tests.sso import (
    IDP_PASSWORD,
    approve,
    approved,
    assert_the_portals_code_is_asked,
    idp_person,
    partnership_with_admin,
)

CALLBACK = "http://testserver/sign-in/organisation/callback/"


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    with running(OidcProviderServer(folder=tmp_path_factory.mktemp("oidc-provider"))) as server:
        yield server


@pytest.fixture
def world(db, idp, settings):
    settings.PORTAL_BASE_URL = "http://testserver"
    client_id = f"portal-{uuid.uuid4().hex[:8]}"
    idp.seed_client(client_id=client_id, client_secret="portal-client-secret", redirect_uris=[CALLBACK])
    partnership, police, admin = partnership_with_admin(
        slug="sso-test", name="SSO test partnership", organisation="Test Constabulary"
    )
    provider = identity_provider_configure(
        organisation=police, partnership=partnership, issuer=idp.issuer, client_id=client_id,
        client_secret="portal-client-secret", allowed_domains="police.example", accepted_acr="urn:test:loa:high",
        acting_user=admin.user,
    )
    return type("World", (), {"partnership": partnership, "police": police, "admin": admin, "provider": provider})


def idp_user(idp, *, mfa=True, email=None, acr="", active=True):
    return idp_person(
        idp, domain="police.example", email=email, given_name="Jo", family_name="Bloggs", mfa=mfa, acr=acr,
        active=active,
    )


def sso_sign_in(client: Client, person, *, typed_email=None):
    """Type the address on the portal's sign-in page, sign in at the provider, come back. The
    portal's response to the callback, or None when the provider itself refused."""
    response = client.post(reverse("portal:sign_in_organisation"), {"organisation-email": typed_email or person.email})
    assert response.status_code == 302, response.content[:500]
    callback = provider_sign_in(response["Location"], username=person.username, password=IDP_PASSWORD)
    if callback is None:
        return None
    assert callback.startswith(CALLBACK), callback
    return client.get(callback.removeprefix("http://testserver"))


def actions():
    return list(DecisionLogEntry.objects.order_by("id").values_list("action", flat=True))


def test_unapproved_address_waits_for_an_admin_then_signs_in_into_its_membership(world, idp):
    person = idp_user(idp, mfa=True)
    first = sso_sign_in(Client(), person)
    assert first.status_code == 200
    assert "waiting for approval" in first.content.decode()
    assert not User.objects.filter(email__iexact=person.email).exists()
    assert SsoAccessRequest.objects.filter(email=person.email, status="pending").count() == 1

    # The partnership's admins are told (a reference and a link, not who) and see it waiting.
    note = Notification.objects.get(recipient=world.admin.user)
    assert note.path == reverse("portal:admin_sso_access_requests") and note.reference.startswith("SSO-")
    assert person.email not in note.subject and "Jo" not in note.subject
    admin = sign_in_fully(Client(), world.admin.user)
    assert "Access requests from organisations" in admin.get(reverse("portal:home")).content.decode()
    page = admin.get(reverse("portal:admin_sso_access_requests"))
    assert person.email in page.content.decode()
    approve(world, person.email, role=Role.DESIGNATED_OFFICER)

    client = Client()
    landed = sso_sign_in(client, person)
    assert landed.status_code == 302 and landed["Location"] == reverse("portal:home")
    home = client.get(reverse("portal:home"))
    assert home.status_code == 200
    user = User.objects.get(email=person.email)
    assert not user.has_usable_password()
    assert (user.first_name, user.last_name) == ("Jo", "Bloggs")
    assert list(Membership.objects.filter(user=user).values_list("organisation", "role")) == [
        (world.police.pk, Role.DESIGNATED_OFFICER)
    ]
    assert ExternalIdentity.objects.get(user=user).subject == person.sub
    log = actions()
    assert log.index("sso.account_created") < log.index("sso.signed_in")
    assert "membership.granted" in log
    created = DecisionLogEntry.objects.get(action="sso.account_created")
    assert person.email not in str(created.details) and person.email not in created.reasons


def test_address_outside_the_organisations_domains_is_refused(world, idp):
    person = idp_user(idp, email=f"someone-{uuid.uuid4().hex[:6]}@elsewhere.example")
    # They typed a police address, but the provider vouches for an address in another domain.
    response = sso_sign_in(Client(), person, typed_email="jo@police.example")
    assert response.status_code == 403
    assert "not one of your organisation" in response.content.decode()
    assert not SsoAccessRequest.objects.exists() and not User.objects.filter(email=person.email).exists()
    refusal = DecisionLogEntry.objects.filter(action="sso.sign_in_refused").latest("id")
    assert refusal.details["reason"] == "email domain not allowed"
    assert refusal.details["domain"] == "elsewhere.example"


def test_an_address_of_no_provider_is_told_to_use_a_password(world):
    response = Client().post(reverse("portal:sign_in_organisation"), {"organisation-email": "jo@voluntary.example"})
    assert response.status_code == 200
    assert "sign in with your username and password" in response.content.decode()
    assert response.content.decode().count('value="jo@voluntary.example"') == 1  # what was typed is kept


def _approved_user(world, idp, *, mfa, acr=""):
    return approved(world, idp_user(idp, mfa=mfa, acr=acr), sign_in=sso_sign_in)


def test_without_mfa_in_amr_the_portals_code_is_still_asked(world, idp):
    person = _approved_user(world, idp, mfa=False)
    assert_the_portals_code_is_asked(person, sign_in=sso_sign_in)
    signed_in = DecisionLogEntry.objects.filter(action="sso.signed_in").latest("id")
    assert signed_in.details["strong"] is False and signed_in.details["amr"] == ["pwd"]


def test_with_mfa_in_amr_no_portal_code_is_asked(world, idp):
    person = _approved_user(world, idp, mfa=True)
    client = Client()
    response = sso_sign_in(client, person)
    assert response["Location"] == reverse("portal:home")
    assert client.get(reverse("portal:home")).status_code == 200
    assert DecisionLogEntry.objects.filter(action="sso.signed_in").latest("id").details["strong"] is True


def test_an_acr_the_configuration_lists_counts_as_strong(world, idp):
    person = _approved_user(world, idp, mfa=False, acr="urn:test:loa:high")
    client = Client()
    assert sso_sign_in(client, person)["Location"] == reverse("portal:home")


def test_disabled_at_the_provider_is_refused_next_time_and_the_session_is_short(world, idp, settings):
    person = _approved_user(world, idp, mfa=True)
    client = Client()
    assert sso_sign_in(client, person)["Location"] == reverse("portal:home")
    assert client.get(reverse("portal:home")).status_code == 200

    # The organisation disables the leaver; nobody touches the portal account.
    idp.seed_user(username=person.username, password=IDP_PASSWORD, email=person.email, mfa=True, active=False)
    # Their portal session ends after PORTAL_SSO_SESSION_MAX_MINUTES, however active...
    session = client.session
    session["portal_session_started_at"] = time.time() - settings.PORTAL_SSO_SESSION_MAX_MINUTES * 60 - 1
    session.save()
    assert client.get(reverse("portal:home"))["Location"].startswith(reverse("portal:sign_in"))
    # ...and signing in again goes to the provider, which refuses them.
    again = Client()
    assert sso_sign_in(again, person) is None
    assert again.get(reverse("portal:home"))["Location"].startswith(reverse("portal:sign_in"))
    assert User.objects.get(email=person.email).is_active  # still active: it did not need disabling


def test_a_local_password_is_refused_for_staff_of_an_organisation_with_a_provider(world):
    officer = MembershipFactory(role=Role.OFFICER, organisation=world.police)
    response = Client().post(reverse("portal:sign_in"), {"username": officer.user.username, "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert "sign in through their organisation" in response.content.decode()
    assert DecisionLogEntry.objects.filter(action="sign_in.password_refused").latest("id").details["username"] == officer.user.username
    # Staff of an organisation without a provider still sign in with a password (then the code).
    voluntary = MembershipFactory(role=Role.OFFICER, organisation=OrganisationFactory(partnerships=[world.partnership]))
    TOTPDeviceFactory(user=voluntary.user)
    passed = Client().post(reverse("portal:sign_in"), {"username": voluntary.user.username, "password": TEST_PASSWORD})
    assert passed["Location"] == reverse("portal:sign_in_code")


def test_an_existing_account_of_the_organisation_is_bound_on_first_sign_in(world, idp):
    person = idp_user(idp, mfa=True)
    existing = MembershipFactory(role=Role.CHAIR, organisation=world.police, user=UserFactory(email=person.email))
    client = Client()
    assert sso_sign_in(client, person)["Location"] == reverse("portal:home")
    assert ExternalIdentity.objects.get(provider=world.provider).user == existing.user
    assert "sso.identity_linked" in actions()


def test_ended_membership_is_refused(world, idp):
    person = _approved_user(world, idp, mfa=True)
    assert sso_sign_in(Client(), person)["Location"] == reverse("portal:home")
    Membership.objects.filter(user__email=person.email).update(is_active=False)
    response = sso_sign_in(Client(), person)
    assert response.status_code == 403
    assert DecisionLogEntry.objects.filter(action="sso.sign_in_refused").latest("id").details["reason"] == "no active membership"


def test_admin_configures_a_provider_with_the_secret_stored_encrypted(world, idp):
    admin = sign_in_fully(Client(), world.admin.user)
    council = OrganisationFactory(name="Test Council", partnerships=[world.partnership])
    form = {
        "organisation": council.pk, "issuer": "https://login.example.com/tenant/v2.0", "client_id": "portal-app",
        "client_secret": "very-secret-value", "allowed_domains": "council.example\ncouncil.example.gov.uk",
        "email_claim": "email", "given_name_claim": "given_name", "family_name_claim": "family_name",
        "accepted_acr": "", "is_enabled": "on",
    }
    assert admin.post(reverse("portal:admin_identity_provider_create"), form).status_code == 302
    provider = IdentityProvider.objects.get(organisation=council)
    assert provider.allowed_domains == ["council.example", "council.example.gov.uk"]
    assert "very-secret-value" not in provider.client_secret_encrypted
    entry = DecisionLogEntry.objects.filter(action="sso.provider_configured").latest("id")
    assert "very-secret-value" not in str(entry.details) + entry.reasons
    # The edit page never shows the secret, and an empty secret keeps it.
    edit_url = reverse("portal:admin_identity_provider_edit", args=[provider.pk])
    assert "very-secret-value" not in admin.get(edit_url).content.decode()
    form.pop("organisation")
    assert admin.post(edit_url, {**form, "client_secret": "", "client_id": "portal-app-2"}).status_code == 302
    provider.refresh_from_db()
    assert provider.client_id == "portal-app-2" and provider.client_secret_encrypted
    # A domain another organisation's provider signs in is refused, with what was typed kept.
    clash = admin.post(edit_url, {**form, "allowed_domains": "police.example"})
    assert clash.status_code == 200 and "already signs in" in clash.content.decode()
    assert "police.example" in clash.content.decode()


def test_another_partnerships_admin_finds_neither_providers_nor_requests(world, idp):
    person = idp_user(idp)
    sso_sign_in(Client(), person)
    other = Partnership.objects.create(slug="other-sso", name="Other partnership")
    other_admin = MembershipFactory(role=Role.ADMIN, organisation=OrganisationFactory(partnerships=[other]), partnership=other)
    client = sign_in_fully(Client(), other_admin.user)
    assert client.get(reverse("portal:admin_identity_provider_edit", args=[world.provider.pk])).status_code == 404
    pending = SsoAccessRequest.objects.get(email=person.email)
    assert client.post(reverse("portal:admin_sso_access_request_approve", args=[pending.pk]), {"role": "officer"}).status_code == 404
    assert person.email not in client.get(reverse("portal:admin_sso_access_requests")).content.decode()


def test_the_sign_in_page_lets_its_form_go_on_to_the_providers(world, idp):
    # Browsers hold a form's redirects to CSP form-action: without the provider's origin there,
    # "Sign in with your organisation" would stop at the portal (the browser test found this).
    policy = Client().get(reverse("portal:sign_in"))["Content-Security-Policy"]
    form_action = next(part for part in policy.split(";") if part.strip().startswith("form-action"))
    assert idp.base_url in form_action and "'self'" in form_action


def test_an_address_an_admin_refused_is_told_so_and_asks_no_more(world, idp):
    person = idp_user(idp)
    sso_sign_in(Client(), person)
    admin = sign_in_fully(Client(), world.admin.user)
    pending = SsoAccessRequest.objects.get(email=person.email)
    assert admin.post(reverse("portal:admin_sso_access_request_refuse", args=[pending.pk])).status_code == 302
    response = sso_sign_in(Client(), person)
    assert response.status_code == 403 and "refused your access" in response.content.decode()
    assert not SsoAccessRequest.objects.filter(email=person.email, status="pending").exists()
    assert not User.objects.filter(email=person.email).exists()


def test_a_forged_return_from_the_provider_signs_no_one_in(world, idp):
    person = _approved_user(world, idp, mfa=True)
    client = Client()
    started = client.post(reverse("portal:sign_in_organisation"), {"organisation-email": person.email})
    callback = provider_sign_in(started["Location"], username=person.username, password=IDP_PASSWORD)
    forged = callback.replace("state=", "state=forged")
    response = client.get(forged.removeprefix("http://testserver"))
    assert response.status_code == 403
    assert client.get(reverse("portal:home"))["Location"].startswith(reverse("portal:sign_in"))
    refusal = DecisionLogEntry.objects.filter(action="sso.sign_in_refused").latest("id")
    assert refusal.details["reason"].startswith("provider answer not accepted")
    # The callback without a sign-in in progress just goes back to the start.
    assert Client().get(callback.removeprefix("http://testserver"))["Location"] == reverse("portal:sign_in")


@pytest.mark.parametrize(
    ("claims", "strong"),
    [
        ({"amr": ["pwd"]}, False),
        ({"amr": ["pwd", "mfa"]}, True),
        ({"amr": ["otp"]}, True),
        ({"amr": ["hwk"]}, True),
        ({"amr": "mfa"}, True),
        ({}, False),
        ({"acr": "urn:test:loa:high"}, True),
        ({"acr": "urn:test:loa:low", "amr": ["pwd"]}, False),
    ],
)
def test_what_counts_as_the_providers_strong_authentication(claims, strong):
    from portal.auth.oidc import authentication_is_strong

    provider = IdentityProvider(accepted_acr=["urn:test:loa:high"])
    assert authentication_is_strong(provider=provider, claims=claims) is strong


def test_client_secrets_survive_a_key_rotation_and_need_a_key(settings):
    from django.core.exceptions import ImproperlyConfigured

    from portal.auth.oidc import secret_decrypt, secret_encrypt

    settings.PORTAL_SSO_SECRET_KEYS = ["old-key"]
    stored = secret_encrypt("the-secret")
    settings.PORTAL_SSO_SECRET_KEYS = ["new-key", "old-key"]
    assert secret_decrypt(stored) == "the-secret"
    settings.PORTAL_SSO_SECRET_KEYS = ["new-key"]
    with pytest.raises(ImproperlyConfigured):
        secret_decrypt(stored)
    settings.PORTAL_SSO_SECRET_KEYS = []
    with pytest.raises(ImproperlyConfigured):
        secret_encrypt("the-secret")


def test_a_session_is_rechecked_at_the_provider_and_ends_when_it_disables_the_user(world, idp, settings):
    person = _approved_user(world, idp, mfa=True)
    client = Client()
    assert sso_sign_in(client, person)["Location"] == reverse("portal:home")

    def recheck_due():
        session = client.session
        session["portal_sso_checked_at"] = time.time() - settings.PORTAL_SSO_RECHECK_MINUTES * 60 - 1
        session.save()

    # Still employed: the provider accepts the refresh token and the session goes on.
    recheck_due()
    assert client.get(reverse("portal:home")).status_code == 200
    assert not DecisionLogEntry.objects.filter(action="sso.session_ended").exists()
    # Disabled at the provider (its tokens revoked): the next request after the re-check is due
    # is signed out, long before the session's own limit.
    idp.seed_user(username=person.username, password=IDP_PASSWORD, email=person.email, mfa=True, active=False)
    assert client.get(reverse("portal:home")).status_code == 200  # not due yet
    recheck_due()
    assert client.get(reverse("portal:home"))["Location"].startswith(reverse("portal:sign_in"))
    ended = DecisionLogEntry.objects.get(action="sso.session_ended")
    assert ended.details["username"] == User.objects.get(email=person.email).username
