"""Fixtures shared by every test. Tests run against the real PostgreSQL of DATABASE_URL."""
import pytest
from django.test import Client

from portal.models import Partnership
from portal.roles import Role
from tests.portal.factories import MembershipFactory, OrganisationFactory, TOTPDeviceFactory

# Browser fixtures (`browser`, `page`, `assert_accessible`) for tests in any folder.
pytest_plugins = ["tests.browser.fixtures"]


@pytest.fixture(autouse=True)
def _inbox_summary_cache_empty():
    """Each test starts with the inbox's cached summaries forgotten (sharing.selectors.inbox_summary
    keeps them only outside a transaction, so only transactional tests ever fill it)."""
    from django.core.cache import caches

    caches["inbox"].clear()


def sign_in_fully(client: Client, user) -> Client:
    """Give `client` a session that has passed both factors for `user`, as the sign-in pages do."""
    device = TOTPDeviceFactory(user=user)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def organisation(db):
    return OrganisationFactory()


@pytest.fixture
def make_member(db):
    """make_member(role=Role.OFFICER, organisation=None) -> Membership."""

    def make(role=Role.OFFICER, organisation=None, **kwargs):
        org = organisation or OrganisationFactory()
        return MembershipFactory(role=role, organisation=org, **kwargs)

    return make


@pytest.fixture
def signed_in(db):
    """signed_in(user) -> a Django test Client whose session has passed password and TOTP."""

    def make(user):
        return sign_in_fully(Client(), user)

    return make


@pytest.fixture
def admin_client_2fa(db, make_member, signed_in):
    """A client signed in (both factors) as a partnership admin (of the partnership loaded, or of a
    test partnership when no pack is: an admin always serves one)."""
    if not Partnership.objects.exists():
        Partnership.objects.create(slug="test-partnership", name="Test Partnership")
    membership = make_member(role=Role.ADMIN)
    client = signed_in(membership.user)
    client.membership = membership
    return client
