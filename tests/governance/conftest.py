"""Governance tests' partnership: A (police) asked B (council) for information and B released it,
so B is the source organisation of what A holds. Each has an officer, a designated officer and a
data protection officer; C is a third organisation with its own DPO. `w.client(name)` is signed
in (both factors) acting in that membership."""
from types import SimpleNamespace

import pytest
from django.test import Client

from portal.middleware import ACTING_MEMBERSHIP
from portal.models import OrganisationKind
from portal.roles import Role
from sharing.models import Outcome, Status
from tests.conftest import sign_in_fully
from tests.portal.factories import MembershipFactory, OrganisationFactory
from tests.sharing.conftest import pack, parties  # noqa: F401  (fixtures for the non-compliance tests)
from tests.sharing.factories import DisclosureRequestFactory, decision_make, stockport_pack


@pytest.fixture
def w(db):
    pack = stockport_pack()
    w = SimpleNamespace(pack=pack, m={})
    w.a = OrganisationFactory(name="Greater Manchester Police", kind=OrganisationKind.POLICE)
    w.b = OrganisationFactory(name="Stockport Council", kind=OrganisationKind.LOCAL_AUTHORITY)
    w.c = OrganisationFactory(name="Stockport Homes", kind=OrganisationKind.SOCIAL_LANDLORD)
    people = {
        "officer_a": (w.a, Role.OFFICER), "do_a": (w.a, Role.DESIGNATED_OFFICER), "dpo_a": (w.a, Role.DPO),
        "officer_b": (w.b, Role.OFFICER), "do_b": (w.b, Role.DESIGNATED_OFFICER), "dpo_b": (w.b, Role.DPO),
        "officer_c": (w.c, Role.OFFICER), "do_c": (w.c, Role.DESIGNATED_OFFICER), "dpo_c": (w.c, Role.DPO),
    }
    for name, (organisation, role) in people.items():
        w.m[name] = MembershipFactory(organisation=organisation, role=role, user__username=name)
    w.request = DisclosureRequestFactory(
        requesting_organisation=w.a, requester=w.m["officer_a"].user, holding_organisation=w.b,
        assignee=w.m["officer_b"].user, status=Status.RELEASED, protocol_pack=pack,
    )
    w.release = decision_make(w.request, outcome=Outcome.RELEASED, items=2, decided_by=w.m["officer_b"].user)
    w.subject = w.request.subjects.get().subject

    def client(name: str) -> Client:
        c = sign_in_fully(Client(), w.m[name].user)
        session = c.session
        session[ACTING_MEMBERSHIP] = w.m[name].pk
        session.save()
        return c

    w.client = client
    return w
