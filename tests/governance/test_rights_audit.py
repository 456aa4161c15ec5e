"""The auditor's read-only view of rights cases (governance/views/rights.py rights_audit_*):
the partnership's cases, searched, access-logged, the person never shown."""
from __future__ import annotations

import datetime
import html

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given

from governance.services import rights as services
from portal.middleware import ACTING_MEMBERSHIP
from portal.models import AccessLogEntry
from portal.roles import Role
from tests.conftest import sign_in_fully
from tests.consent.test_hostile_input import HYPOTHESIS, PROBE, hostile_text, hostile_value
from tests.portal.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def auditor(w, partnership=None):
    membership = MembershipFactory(organisation=w.a, role=Role.AUDITOR, partnership=partnership or w.pack.partnership)
    client = sign_in_fully(Client(), membership.user)
    session = client.session
    session[ACTING_MEMBERSHIP] = membership.pk
    session.save()
    return membership, client


def a_case(w, right="access"):
    case = services.rights_case_open(
        right=right, received_on=timezone.localdate() - datetime.timedelta(days=2), request_summary="Everything",
        acting_user=w.m["dpo_b"].user, acting_membership=w.m["dpo_b"],
    )
    services.rights_case_subjects_link(case=case, subject_ids=[w.subject.pk], acting_user=w.m["dpo_b"].user,
                                       acting_membership=w.m["dpo_b"])
    return case


def test_auditor_lists_searches_and_reads_a_case_without_the_person(w):
    case = a_case(w)
    other = a_case(w, right="erasure")
    membership, client = auditor(w)
    listing = html.unescape(client.get(reverse("governance:rights_audit_list")).content.decode())
    assert case.reference in listing and other.reference in listing
    found = html.unescape(client.get(reverse("governance:rights_audit_list"), {"q": case.reference}).content.decode())
    assert case.reference in found and other.reference not in found
    body = html.unescape(client.get(reverse("governance:rights_audit_case", kwargs={"pk": case.pk})).content.decode())
    assert case.reference in body and "Greater Manchester Police" in body  # the consulted organisation
    assert "Jordan Example" not in body and "governance.rights_subjects_linked" in body
    assert AccessLogEntry.objects.filter(user=membership.user, object_type="rights_case", reference=case.reference).exists()


def test_another_partnerships_auditor_sees_nothing(w):
    from portal.models import Partnership

    case = a_case(w)
    _, client = auditor(w, partnership=Partnership.objects.create(slug="elsewhere", name="Elsewhere partnership"))
    assert client.get(reverse("governance:rights_audit_case", kwargs={"pk": case.pk})).status_code == 404
    assert case.reference not in client.get(reverse("governance:rights_audit_list")).content.decode()


@HYPOTHESIS
@given(q=hostile_text, status=hostile_value, page=hostile_value)
def test_audit_search_form(w, q, status, page):
    _, client = auditor(w)
    response = client.get(reverse("governance:rights_audit_list"), {"q": q, "status": status, "page": page})
    assert response.status_code == 200 and PROBE not in response.content.decode()


def test_a_refused_search_says_error_once_in_the_title(w):
    _, client = auditor(w)
    body = html.unescape(client.get(reverse("governance:rights_audit_list"), {"status": "nonsense"}).content.decode())
    assert "Select a status from the list" in body
    assert "<title>Error: Rights cases (audit) –" in body and "Error: Error:" not in body
