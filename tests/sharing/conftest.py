"""A small partnership for sharing tests: organisation A (police, requesting), B (local authority,
holding) and C (a third organisation), each with two officers and a designated officer; plus a
chair, an auditor and an admin. `parties.client(name)` gives a client signed in (both factors)
as that person, acting in that membership."""
from types import SimpleNamespace

import pytest
from django.test import Client

from portal.middleware import ACTING_MEMBERSHIP
from portal.models import OrganisationKind, StatutoryStanding
from portal.roles import Role
from tests.conftest import sign_in_fully
from tests.portal.factories import MembershipFactory, OrganisationFactory
from tests.sharing.factories import DisclosureRequestFactory, stockport_pack


@pytest.fixture
def pack(db):
    return stockport_pack()


@pytest.fixture
def parties(db, pack):
    p = SimpleNamespace(pack=pack, memberships={})
    p.a = OrganisationFactory(name="Greater Manchester Police", kind=OrganisationKind.POLICE)
    p.b = OrganisationFactory(name="Stockport Council", kind=OrganisationKind.LOCAL_AUTHORITY)
    p.c = OrganisationFactory(
        name="Stockport Homes", kind=OrganisationKind.SOCIAL_LANDLORD, standing=StatutoryStanding.CO_OPERATING_BODY
    )
    people = {
        "requester": (p.a, Role.OFFICER),
        "officer_a": (p.a, Role.OFFICER),
        "do_a": (p.a, Role.DESIGNATED_OFFICER),
        "assignee": (p.b, Role.OFFICER),
        "officer_b": (p.b, Role.OFFICER),
        "do_b": (p.b, Role.DESIGNATED_OFFICER),
        "officer_c": (p.c, Role.OFFICER),
        "do_c": (p.c, Role.DESIGNATED_OFFICER),
        "chair": (p.b, Role.CHAIR),
        "auditor": (p.b, Role.AUDITOR),
        "dpo_b": (p.b, Role.DPO),
        "admin": (p.b, Role.ADMIN),
    }
    for name, (organisation, role) in people.items():
        membership = MembershipFactory(organisation=organisation, role=role, user__username=name)
        p.memberships[name] = membership
        setattr(p, name, membership.user)

    def client(name: str) -> Client:
        c = sign_in_fully(Client(), p.memberships[name].user)
        session = c.session
        session[ACTING_MEMBERSHIP] = p.memberships[name].pk
        session.save()
        return c

    def request(**kwargs):
        """A request from A's requester to B (submitted unless status= is given)."""
        defaults = dict(
            requesting_organisation=p.a, requester=p.requester, holding_organisation=p.b, protocol_pack=pack
        )
        return DisclosureRequestFactory(**{**defaults, **kwargs})

    p.client = client
    p.request = request
    return p
