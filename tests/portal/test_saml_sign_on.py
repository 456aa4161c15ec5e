"""Single sign-on through an organisation's SAML 2.0 identity provider (issue 15; ADR 0016;
docs/sso.md).

Every test talks to a real IdP: tests/saml_idp, a WSGI IdP run as its own gunicorn process on a
loopback port, which reads the portal's AuthnRequest and posts back a Response with an assertion
it signs with its own key (xmlsec). The portal runs in the Django test client; the IdP's sign-in
page is driven over HTTP as a browser would (`idp_sign_in`).
"""
from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.models import DecisionLogEntry, ExternalIdentity, IdentityProvider, Membership, SsoAccessRequest, User
from portal.roles import Role
from portal.services.identity_providers import identity_provider_configure_saml
from tests.conftest import sign_in_fully
from tests.portal.factories import TEST_PASSWORD, MembershipFactory, OrganisationFactory
from tests.saml_idp.server import MFA_CONTEXT, PASSWORD_CONTEXT, SamlIdpServer, idp_sign_in
from tests.servers import running
from tests.sso import (
    IDP_PASSWORD,
    approve,
    approved,
    assert_the_portals_code_is_asked,
    idp_person,
    partnership_with_admin,
)

PORTAL = "http://portal.test"  # what the IdP is given (PORTAL_BASE_URL); the test client is the browser


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    with running(SamlIdpServer(folder=tmp_path_factory.mktemp("saml-idp"))) as server:
        yield server


@pytest.fixture
def world(db, idp, settings):
    settings.PORTAL_BASE_URL = PORTAL
    idp.set_mode()
    partnership, nhs, admin = partnership_with_admin(
        slug="saml-test", name="SAML test partnership", organisation="Test NHS Trust"
    )
    provider = identity_provider_configure_saml(
        organisation=nhs, partnership=partnership, metadata_url=idp.metadata_url, allowed_domains="nhs.example",
        accepted_acr=MFA_CONTEXT, acting_user=admin.user,
    )
    return type("World", (), {"partnership": partnership, "nhs": nhs, "admin": admin, "provider": provider})


def idp_user(idp, *, mfa=True, email=None, active=True):
    return idp_person(
        idp, domain="nhs.example", email=email, given_name="Sam", family_name="Jones",
        authn_context=MFA_CONTEXT if mfa else PASSWORD_CONTEXT, active=active,
    )


def saml_round_trip(client: Client, person, *, typed_email=None):
    """The portal's sign-in form → the IdP (AuthnRequest) → its sign-in page → the form it posts
    back. Returns (acs path, fields) for `post_back`."""
    response = client.post(reverse("portal:sign_in_organisation"), {"organisation-email": typed_email or person.email})
    assert response.status_code == 302, response.content[:500]
    assert response["Location"].startswith(f"{idp_base(client)}/sso/?SAMLRequest=")
    back = idp_sign_in(response["Location"], username=person.username, password=IDP_PASSWORD)
    assert back is not None
    acs, fields = back
    assert acs.startswith(f"{PORTAL}/sign-in/organisation/saml/")
    return acs.removeprefix(PORTAL), fields


def idp_base(client):
    return IdentityProvider.objects.get(protocol="saml").saml_sso_url.removesuffix("/sso/")


def post_back(client: Client, acs: str, fields: dict):
    """The IdP's cross-site POST (no session cookie goes with it), then the same-site GET."""
    held = Client().post(acs, fields)
    assert held.status_code == 302 and "/continue/?key=" in held["Location"]
    return client.get(held["Location"])


def sign_in(client, person, **kwargs):
    acs, fields = saml_round_trip(client, person, **kwargs)
    return post_back(client, acs, fields)


def approved_user(world, idp, *, mfa):
    return approved(world, idp_user(idp, mfa=mfa), sign_in=sign_in)


def last_refusal():
    return DecisionLogEntry.objects.filter(action="sso.sign_in_refused").latest("id")


def test_configuration_reads_the_idps_metadata(world, idp):
    provider = world.provider
    assert provider.protocol == "saml"
    assert provider.issuer == idp.metadata_url  # the test IdP's entity ID is its metadata address
    assert provider.saml_sso_url == f"{idp.base_url}/sso/"
    assert "X509Certificate" in provider.saml_metadata_xml
    sp = Client().get(reverse("portal:sign_in_saml_metadata", args=[provider.pk]))
    assert sp.status_code == 200 and sp["Content-Type"] == "application/samlmetadata+xml"
    text = sp.content.decode()
    assert f'entityID="{PORTAL}/sign-in/organisation/saml/{provider.pk}/metadata/"' in text
    assert f"{PORTAL}/sign-in/organisation/saml/{provider.pk}/acs/" in text


def test_unapproved_then_approved_signs_in_with_the_idps_strong_authentication(world, idp):
    person = idp_user(idp, mfa=True)
    first = sign_in(Client(), person)
    assert first.status_code == 200 and "waiting for approval" in first.content.decode()
    assert not User.objects.filter(email__iexact=person.email).exists()
    assert last_refusal().details["reason"] == "no approved membership"
    approve(world, person.email, role=Role.DESIGNATED_OFFICER)

    client = Client()
    landed = sign_in(client, person)
    assert landed.status_code == 302 and landed["Location"] == reverse("portal:home")
    assert client.get(reverse("portal:home")).status_code == 200
    user = User.objects.get(email=person.email)
    assert not user.has_usable_password()
    assert (user.first_name, user.last_name) == ("Sam", "Jones")
    assert list(Membership.objects.filter(user=user).values_list("organisation", "role")) == [
        (world.nhs.pk, Role.DESIGNATED_OFFICER)
    ]
    assert ExternalIdentity.objects.get(user=user).subject == person.sub
    signed_in = DecisionLogEntry.objects.filter(action="sso.signed_in").latest("id")
    assert signed_in.details["strong"] is True and signed_in.details["acr"] == MFA_CONTEXT


def test_without_strong_authentication_the_portals_code_is_still_asked(world, idp):
    assert_the_portals_code_is_asked(approved_user(world, idp, mfa=False), sign_in=sign_in)


def test_wrong_domain_is_refused(world, idp):
    person = idp_user(idp, email=f"someone-{uuid.uuid4().hex[:6]}@elsewhere.example")
    response = sign_in(Client(), person, typed_email="sam@nhs.example")
    assert response.status_code == 403 and "not one of your organisation" in response.content.decode()
    assert last_refusal().details["reason"] == "email domain not allowed"
    assert not SsoAccessRequest.objects.exists()


@pytest.mark.parametrize(
    ("mode", "reason_part"),
    [
        ({"audience": "https://someone-else.example/sp"}, "audience"),
        ({"expired": True}, "expired"),
        ({"unsigned": True}, "signed"),
        ({"tampered": True}, "signature"),
    ],
    ids=["wrong-audience", "expired", "unsigned", "tampered"],
)
def test_a_response_the_portal_must_not_believe_is_refused(world, idp, mode, reason_part):
    person = approved_user(world, idp, mfa=True)
    idp.set_mode(**mode)
    client = Client()
    response = sign_in(client, person)
    assert response.status_code == 403
    assert "did not complete" in response.content.decode()
    refusal = last_refusal()
    assert refusal.details["reason"].startswith("SAML response not accepted")
    assert reason_part in refusal.details["reason"].lower(), refusal.details["reason"]
    assert not User.objects.filter(email=person.email).exists()
    assert client.get(reverse("portal:home")).status_code == 302


def test_a_response_cannot_be_replayed(world, idp):
    person = approved_user(world, idp, mfa=True)
    client = Client()
    acs, fields = saml_round_trip(client, person)
    assert post_back(client, acs, fields)["Location"] == reverse("portal:home")
    # The same response again, in the same browser after signing out, and in another browser
    # that started its own sign-in: both refused (the request it answered is no longer waited for).
    client.post(reverse("portal:sign_out"))
    again = Client()
    again.post(reverse("portal:sign_in_organisation"), {"organisation-email": person.email})
    for browser in (client, again):
        response = post_back(browser, acs, fields)
        assert response.status_code in (302, 403)
        assert browser.get(reverse("portal:home")).status_code == 302
    assert DecisionLogEntry.objects.filter(action="sso.signed_in").count() == 1
    assert "SAML response not accepted" in last_refusal().details["reason"]


def test_staff_who_left_cannot_sign_in(world, idp):
    person = approved_user(world, idp, mfa=True)
    assert sign_in(Client(), person)["Location"] == reverse("portal:home")
    user = User.objects.get(email=person.email)
    Membership.objects.filter(user=user).update(is_active=False)
    response = sign_in(Client(), person)
    assert response.status_code == 403 and "no longer have a role" in response.content.decode()
    # Disabled at the IdP: the IdP itself keeps them on its sign-in page.
    idp.seed_user(username=person.username, password=IDP_PASSWORD, email=person.email, active=False)
    client = Client()
    start = client.post(reverse("portal:sign_in_organisation"), {"organisation-email": person.email})
    assert idp_sign_in(start["Location"], username=person.username, password=IDP_PASSWORD) is None


def test_saml_organisation_staff_have_no_password_sign_in(world, idp):
    member = MembershipFactory(organisation=world.nhs, role=Role.OFFICER)
    response = Client().post(
        reverse("portal:sign_in"), {"username": member.user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    assert "sign in through their organisation" in response.content.decode()


def test_bad_metadata_is_refused_with_a_message_and_nothing_saved(world):
    other = OrganisationFactory(name="Council", partnerships=[world.partnership])
    with pytest.raises(ValidationError) as error:
        identity_provider_configure_saml(
            organisation=other, partnership=world.partnership, metadata_xml="<not-metadata/>",
            allowed_domains="council.example", acting_user=world.admin.user,
        )
    assert "metadata_xml" in error.value.message_dict
    assert not IdentityProvider.objects.filter(organisation=other).exists()


def test_admin_adds_and_edits_a_saml_provider_on_its_pages(world, idp):
    admin = sign_in_fully(Client(), world.admin.user)
    listing = admin.get(reverse("portal:admin_identity_providers")).content.decode()
    assert reverse("portal:admin_saml_provider_create") in listing
    council = OrganisationFactory(name="Test Council", partnerships=[world.partnership])
    form = {
        "organisation": council.pk, "metadata_url": "", "metadata_xml": "", "entity_id": "",
        "allowed_domains": "council.example", "email_claim": "email", "given_name_claim": "givenName",
        "family_name_claim": "sn", "accepted_acr": "", "is_enabled": "on",
    }
    # Neither address nor metadata: the error, and what was typed kept.
    missing = admin.post(reverse("portal:admin_saml_provider_create"), form)
    assert missing.status_code == 200
    page = missing.content.decode()
    assert "Enter the address of the identity provider" in page and "council.example" in page
    assert not IdentityProvider.objects.filter(organisation=council).exists()
    # The metadata pasted (the IdP's own, read over HTTP here as its IT team would hand it over).
    import requests

    form["metadata_xml"] = requests.get(idp.metadata_url, timeout=10).text
    saved = admin.post(reverse("portal:admin_saml_provider_create"), form)
    assert saved.status_code == 302
    provider = IdentityProvider.objects.get(organisation=council)
    assert provider.protocol == "saml" and provider.saml_sso_url == f"{idp.base_url}/sso/"
    assert DecisionLogEntry.objects.filter(action="sso.provider_configured").latest("id").details["after"]["protocol"] == "saml"
    edit_url = reverse("portal:admin_identity_provider_edit", args=[provider.pk])
    edit = admin.get(edit_url).content.decode()
    assert f"{PORTAL}/sign-in/organisation/saml/{provider.pk}/metadata/" in edit  # for the IdP's IT team
    form.pop("organisation")
    clash = admin.post(edit_url, {**form, "allowed_domains": "nhs.example"})
    assert clash.status_code == 200 and "already signs in" in clash.content.decode()


PROBE = '<i data-probe="1">'
hostile_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc"]), min_size=1, max_size=20),
    st.sampled_from([
        "\x00", "<script>alert(1)</script>", "{{ 7*7 }}", "javascript:alert(1)", "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/", '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        "<md:EntityDescriptor xmlns:md='urn:oasis:names:tc:SAML:2.0:metadata'/>",
    ]),
    st.just("y" * 6000),
).map(lambda text: text + PROBE)
FIELDS = ["metadata_url", "metadata_xml", "entity_id", "allowed_domains", "email_claim", "given_name_claim",
          "family_name_claim", "accepted_acr"]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(field=st.sampled_from(FIELDS), value=hostile_text)
def test_hostile_input_to_the_saml_form_is_refused_with_what_was_typed_kept(world, field, value):
    admin = sign_in_fully(Client(), world.admin.user)
    council = OrganisationFactory(partnerships=[world.partnership])
    form = {
        "organisation": council.pk, "metadata_url": "", "metadata_xml": "<x/>", "entity_id": "",
        "allowed_domains": "council.example", "email_claim": "email", "given_name_claim": "givenName",
        "family_name_claim": "sn", "accepted_acr": "", "is_enabled": "on", field: value,
    }
    response = admin.post(reverse("portal:admin_saml_provider_create"), form)
    # The probe makes every value invalid metadata, address, domain or attribute name, or the
    # pasted "<x/>" is no metadata: never saved, never a 500, never unescaped.
    assert response.status_code == 200, response.status_code
    body = response.content.decode()
    assert PROBE not in body
    assert 'class="govuk-error-summary' in body
    assert not IdentityProvider.objects.filter(organisation=council).exists()
