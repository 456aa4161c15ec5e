"""A partnership for the partner API's tests: the Stockport pack, organisations A (police,
requesting), B (council, holding) and C, an admin of the partnership, officers and designated
officers, and API clients registered through the service, each with the key shown once.

`world.call(key, method, path, json=None, headers=None)` sends a real request through the whole
middleware stack (Django's test client) with the key as a Bearer token."""
from __future__ import annotations

import datetime
import json as jsonlib
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from exchange.models import Scope
from exchange.services import api_client_register
from portal.models import OrganisationKind, StatutoryStanding
from portal.protocols.services import protocol_pack_load
from portal.roles import Role
from tests.portal.factories import MembershipFactory, OrganisationFactory
from tests.sharing.factories import DisclosureRequestFactory, gateway_for, stockport_pack

ALL_SCOPES = list(Scope.values)


def raise_body(world, **overrides) -> dict:
    """A complete, valid request from A to B, as a partner system would send it."""
    pack = world.pack
    body = {
        "holding_organisation": world.b.pk,
        "subjects": [{"full_name": "Jordan Quintessa Example", "role": "offender", "date_of_birth": "1990-04-01",
                      "address": "1 Example Street, Stockport"}],
        "purpose": "reduce-crime-disorder",
        "legal_gateway": gateway_for(pack, world.b).code,
        "lawful_bases": ["art6-1-e", "dpa-sch1-pt2-10"],
        "information_requested": "Records of anti-social behaviour complaints at the address since 2023.",
        "special_category": False,
        "criminal_offence_data": True,
        "victim_witness_information": False,
        "sub_judice": False,
        "urgency": "urgent",
        "needed_by": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
        "checklist": [
            {"question": q.code, "answer": "yes", "reason": f"Reason for question {q.number}"}
            for q in pack.checklist_questions.order_by("order")
        ],
    }
    body.update(overrides)
    return body


@pytest.fixture
def world(db):
    w = SimpleNamespace()
    w.pack = stockport_pack()
    w.partnership = w.pack.partnership
    w.a = OrganisationFactory(name="Greater Manchester Police", kind=OrganisationKind.POLICE)
    w.b = OrganisationFactory(name="Stockport Council", kind=OrganisationKind.LOCAL_AUTHORITY)
    w.c = OrganisationFactory(
        name="Stockport Homes", kind=OrganisationKind.SOCIAL_LANDLORD, standing=StatutoryStanding.CO_OPERATING_BODY
    )
    w.admin = MembershipFactory(organisation=w.b, role=Role.ADMIN, partnership=w.partnership)
    w.officer_a = MembershipFactory(organisation=w.a, role=Role.OFFICER)
    w.officer_b = MembershipFactory(organisation=w.b, role=Role.OFFICER)
    w.do_b = MembershipFactory(organisation=w.b, role=Role.DESIGNATED_OFFICER)
    w.http = Client()

    def register(organisation, scopes=ALL_SCOPES, name=None, **kwargs):
        issued = api_client_register(
            organisation=organisation, partnership=w.partnership, name=name or f"{organisation.name} system",
            scopes=list(scopes), acting_user=w.admin.user,
            webhook_url=kwargs.pop("webhook_url", "https://partner.example/hooks" if Scope.WEBHOOKS in scopes else ""),
            **kwargs,
        )
        return issued

    def call(key, method, path, json=None, headers=None, form=None):
        extra = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
        for name, value in (headers or {}).items():
            extra["HTTP_" + name.upper().replace("-", "_")] = value
        send = getattr(w.http, method.lower())
        if form is not None:  # multipart, files included
            return send(path, data=form, **extra)
        if json is not None:
            return send(path, data=jsonlib.dumps(json), content_type="application/json", **extra)
        return send(path, **extra)

    def request(**kwargs):
        defaults = dict(requesting_organisation=w.a, requester=w.officer_a.user, holding_organisation=w.b,
                        protocol_pack=w.pack)
        return DisclosureRequestFactory(**{**defaults, **kwargs})

    w.register, w.call, w.request = register, call, request
    w.client_a = register(w.a)
    w.client_b = register(w.b)
    w.client_c = register(w.c)
    return w


@pytest.fixture
def other_partnership_world(world):
    """A client of an organisation of the Durham partnership only (registered by its own admin)."""
    durham, _ = protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / "durham-2021.yaml")
    elsewhere = OrganisationFactory(partnerships=[durham.partnership])
    admin = MembershipFactory(role=Role.ADMIN, organisation=elsewhere, partnership=durham.partnership)
    world.durham_admin = admin
    world.client_other = api_client_register(
        organisation=elsewhere, partnership=durham.partnership, name="Durham system", scopes=ALL_SCOPES,
        webhook_url="https://durham.example/hooks", acting_user=admin.user,
    )
    return world
