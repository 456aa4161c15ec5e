"""What the single sign-on tests share across the two protocols (issue 15; ADR 0015 OpenID
Connect, ADR 0016 SAML): tests/portal/test_single_sign_on.py and tests/portal/test_saml_sign_on.py,
and their browser journeys. Each drives its own test identity provider (tests/oidc_idp,
tests/saml_idp, started with `tests.servers.running`); what is the same whichever one signs a
person in lives here: the partnership with an admin, a person with an account at the provider,
and the admin's approval of their access request.
"""
from __future__ import annotations

import uuid
from types import SimpleNamespace

from django.test import Client
from django.urls import reverse

from portal.auth.services import totp_code_now
from portal.models import Partnership, SsoAccessRequest, User
from portal.roles import Role
from tests.conftest import sign_in_fully
from tests.portal.factories import MembershipFactory, OrganisationFactory, TOTPDeviceFactory

IDP_PASSWORD = "idp-password-1"  # noqa: S105 - a test user's password at the test provider


def partnership_with_admin(*, slug: str, name: str, organisation: str):
    """A partnership, the organisation whose staff its provider will sign in, and a partnership
    admin (of another member organisation): (partnership, organisation, admin membership)."""
    partnership = Partnership.objects.create(slug=slug, name=name)
    member = OrganisationFactory(name=organisation, partnerships=[partnership])
    admin = MembershipFactory(
        role=Role.ADMIN, organisation=OrganisationFactory(partnerships=[partnership]), partnership=partnership
    )
    return partnership, member, admin


def idp_person(idp, *, domain: str, email: str | None = None, **details):
    """Someone with an account at the test provider `idp` (either protocol's; `details` are its
    `seed_user` arguments): their username and email there, and the subject it knows them by."""
    username = f"idp-{uuid.uuid4().hex[:8]}"
    email = email or f"{username}@{domain}"
    sub = idp.seed_user(username=username, password=IDP_PASSWORD, email=email, **details)
    return SimpleNamespace(username=username, email=email, sub=sub)


def approve(world, email: str, role=Role.OFFICER) -> None:
    """The partnership admin approves the pending access request for `email` on their page."""
    admin = sign_in_fully(Client(), world.admin.user)
    pending = SsoAccessRequest.objects.get(email__iexact=email, status="pending")
    response = admin.post(reverse("portal:admin_sso_access_request_approve", args=[pending.pk]), {"role": role})
    assert response.status_code == 302


def approved(world, person, *, sign_in):
    """`person` after a first sign-in (`sign_in(client, person)`, which leaves their access
    request pending) and its approval as an officer: their next sign-in makes their account."""
    sign_in(Client(), person)
    approve(world, person.email)
    return person


def assert_the_portals_code_is_asked(person, *, sign_in) -> None:
    """For an approved `person` whose provider did no strong authentication: the first sign-in
    sends them to enrol an authenticator, not yet signed in; once enrolled, a sign-in asks the
    portal's own code, and the code lets them in."""
    client = Client()
    response = sign_in(client, person)
    assert response.status_code == 302 and response["Location"] == reverse("portal:enrol")
    assert client.get(reverse("portal:home"))["Location"].startswith(reverse("portal:sign_in"))
    device = TOTPDeviceFactory(user=User.objects.get(email=person.email))
    client = Client()
    response = sign_in(client, person)
    assert response["Location"] == reverse("portal:sign_in_code")
    done = client.post(reverse("portal:sign_in_code"), {"code": totp_code_now(key_hex=device.key)})
    assert done.status_code == 302
    assert client.get(reverse("portal:home")).status_code == 200


def organisation_sign_in_start(page, *, email: str) -> None:
    """In a real browser on the portal's sign-in page: type the work address and choose to sign
    in with the organisation, which sends the browser to its provider."""
    page.get_by_label("Your work email address").fill(email)
    page.get_by_role("button", name="Sign in with your organisation").click()
