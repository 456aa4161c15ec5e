from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client

from portal.models import OrganisationKind
from portal.protocols.services import protocol_pack_load
from portal.roles import Role
from tests.conftest import sign_in_fully
from tests.portal.factories import MembershipFactory, OrganisationFactory


@pytest.fixture
def durham(db):
    """The Durham pack, a police force, an NHS trust and a council in it, an officer of each, and
    the partnership's admin; plus a second partnership (Stockport) with its own admin."""
    pack, _ = protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / "durham-2021.yaml")
    partnership = pack.partnership
    w = SimpleNamespace(pack=pack, partnership=partnership)
    w.police = OrganisationFactory(kind=OrganisationKind.POLICE, partnerships=[partnership])
    w.nhs = OrganisationFactory(kind=OrganisationKind.NHS_TRUST, partnerships=[partnership])
    w.council = OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY, partnerships=[partnership])
    w.police_officer = MembershipFactory(role=Role.OFFICER, organisation=w.police)
    w.nhs_officer = MembershipFactory(role=Role.OFFICER, organisation=w.nhs)
    w.council_officer = MembershipFactory(role=Role.OFFICER, organisation=w.council)
    w.admin = MembershipFactory(role=Role.ADMIN, organisation=w.council, partnership=partnership)
    w.auditor = MembershipFactory(role=Role.AUDITOR, organisation=w.council, partnership=partnership)
    other_pack, _ = protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / "stockport-2020.yaml")
    w.other_partnership = other_pack.partnership
    w.other_org = OrganisationFactory(kind=OrganisationKind.POLICE, partnerships=[w.other_partnership])
    w.other_admin = MembershipFactory(role=Role.ADMIN, organisation=w.other_org, partnership=w.other_partnership)
    w.other_officer = MembershipFactory(role=Role.OFFICER, organisation=w.other_org)
    return w


def client_for(membership) -> Client:
    return sign_in_fully(Client(), membership.user)
