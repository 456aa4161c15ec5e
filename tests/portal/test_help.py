"""Help (issue 18): a page per role, the partnership's contact, the privacy notice and the
accessibility statement, linked from every page's footer and open to anyone."""
import pytest
from django.test import Client
from django.urls import reverse

from portal.roles import Role
from portal.views.help import ROLE_SLUGS
from tests.portal.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_the_footer_links_help_contact_privacy_and_accessibility_on_every_page(signed_in):
    for page in (Client().get(reverse("portal:sign_in")), signed_in(MembershipFactory().user).get("/")):
        footer = page.content.decode().split('<footer class="govuk-template__footer">')[1]
        for name in ("portal:help", "portal:privacy", "portal:accessibility"):
            assert f'href="{reverse(name)}"' in footer
        assert f'href="{reverse("portal:help")}#contact"' in footer


@pytest.mark.parametrize("slug", sorted(ROLE_SLUGS))
def test_each_role_has_a_help_page_with_the_contact(settings, slug):
    settings.PORTAL_CONTACT_EMAIL = "isp.lead@stockport.example"
    body = Client().get(reverse("portal:help_role", args=[slug])).content.decode()
    assert ROLE_SLUGS[slug].label in body
    assert 'href="mailto:isp.lead@stockport.example"' in body


def test_help_points_a_signed_in_person_to_their_roles_page(signed_in):
    membership = MembershipFactory(role=Role.CHAIR)
    body = signed_in(membership.user).get(reverse("portal:help")).content.decode()
    assert f'href="{reverse("portal:help_role", args=["meeting-chair"])}"' in body
    assert "You are acting as meeting chair" in body
    assert Client().get(reverse("portal:help_role", args=["nobody"])).status_code == 404


def test_privacy_notice_and_accessibility_statement_are_public():
    privacy = Client().get(reverse("portal:privacy")).content.decode()
    assert "Privacy notice" in privacy and "Information Commissioner" in privacy
    statement = Client().get(reverse("portal:accessibility")).content.decode()
    assert "WCAG" in statement and "2.2" in statement
