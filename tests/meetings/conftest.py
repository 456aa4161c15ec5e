"""Fixtures for meetings tests: the sharing tests' partnership (`parties`: organisations A, B, C,
their officers and designated officers, a chair at B, an auditor and an admin), plus a second
chair and a meeting chaired by `parties.chair`."""

from types import SimpleNamespace

import pytest
from django.test import Client

from portal.middleware import ACTING_MEMBERSHIP
from portal.roles import Role
from tests.conftest import sign_in_fully
from tests.meetings.factories import meeting_make
from tests.portal.factories import MembershipFactory
from tests.sharing.conftest import pack, parties  # noqa: F401  (fixtures)


def client_for(membership) -> Client:
    client = sign_in_fully(Client(), membership.user)
    session = client.session
    session[ACTING_MEMBERSHIP] = membership.pk
    session.save()
    return client


@pytest.fixture
def world(parties):  # noqa: F811
    """`parties` plus `other_chair` (a chair at C) and `meeting` (chaired by `chair`, Restricted)."""
    w = parties
    w.memberships["other_chair"] = MembershipFactory(organisation=w.c, role=Role.CHAIR, user__username="other_chair")
    w.other_chair = w.memberships["other_chair"].user
    w.m = SimpleNamespace(**w.memberships)
    w.meeting = meeting_make(w.m.chair)
    w.client_for = lambda name: client_for(w.memberships[name])
    return w
