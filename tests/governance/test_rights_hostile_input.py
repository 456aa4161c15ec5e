"""Hostile input to the rights pages' forms (governance/forms/rights.py): never a 500, what was
typed comes back escaped, nonsense ids and dates are refused."""
from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from governance.models import RightsCase
from governance.services import rights as services
from tests.consent.test_hostile_input import HYPOTHESIS, PROBE, hostile_text, hostile_value
from tests.dates import date_parts

pytestmark = pytest.mark.django_db


def safe(response, client):
    assert response.status_code in (200, 302), response.status_code
    body = (response.content if response.status_code == 200 else client.get(response["Location"]).content).decode()
    assert PROBE not in body


def a_case(w):
    return services.rights_case_open(
        right="access", received_on=timezone.localdate() - datetime.timedelta(days=1), request_summary="All",
        acting_user=w.m["dpo_b"].user, acting_membership=w.m["dpo_b"],
    )


@HYPOTHESIS
@given(right=hostile_value, received=hostile_value, summary=hostile_text)
def test_open_form(w, right, received, summary):
    client = w.client("dpo_b")
    safe(client.post(reverse("governance:rights_open"), {"right": right, "received_on": received, "request_summary": summary}), client)
    response = client.post(reverse("governance:rights_open"), {"right": "access", "received_on": "1/1/2000", "request_summary": summary})
    assert response.status_code == 200  # a date over a year ago is refused
    assert not RightsCase.objects.filter(received_on=datetime.date(2000, 1, 1)).exists()


@HYPOTHESIS
@given(name=hostile_text, dob=hostile_value, nhs=hostile_value, chosen=st.lists(hostile_value, max_size=3))
def test_search_and_link_forms(w, name, dob, nhs, chosen):
    case = RightsCase.objects.first() or a_case(w)
    client = w.client("dpo_b")
    url = reverse("governance:rights_search", args=[case.pk])
    response = client.get(url, {"name": name, **date_parts("date_of_birth", dob), "nhs_number": nhs})
    assert response.status_code == 200 and PROBE not in response.content.decode()
    safe(client.post(url + "?name=Jordan", {"subjects": chosen}), client)


@HYPOTHESIS
@given(when=hostile_value, reasons=hostile_text, decision=hostile_value)
def test_extend_and_decide_forms(w, when, reasons, decision):
    case = a_case(w)
    client = w.client("dpo_b")
    safe(client.post(reverse("governance:rights_extend", args=[case.pk]), {"extended_to": when, "reasons": reasons}), client)
    safe(client.post(reverse("governance:rights_decide", args=[case.pk]),
                     {"decision": decision, "reasons": reasons, "released": reasons, "redactions": reasons}), client)


@HYPOTHESIS
@given(answer=hostile_value, exemption=hostile_value, third=hostile_value, reasons=hostile_text)
def test_consultation_answer_form(w, answer, exemption, third, reasons):
    case = RightsCase.objects.filter(consultations__isnull=False).first()
    if case is None:
        case = a_case(w)
        services.rights_case_subjects_link(case=case, subject_ids=[w.subject.pk], acting_user=w.m["dpo_b"].user,
                                           acting_membership=w.m["dpo_b"])
    consultation = case.consultations.get()
    client = w.client("dpo_a")
    url = reverse("governance:rights_consultation", args=[consultation.pk])
    safe(client.post(url, {"answer": answer, "exemption": exemption, "third_party_information": third, "reasons": reasons}), client)


def action_case(w, right, who="dpo_a"):
    case = RightsCase.objects.filter(right=right, status="open").first()
    if case is None:
        membership = w.m[who]
        case = services.rights_case_open(
            right=right, received_on=timezone.localdate() - datetime.timedelta(days=1), request_summary="All",
            acting_user=membership.user, acting_membership=membership,
        )
        services.rights_case_subjects_link(case=case, subject_ids=[w.subject.pk], acting_user=membership.user,
                                           acting_membership=membership)
    return case


@HYPOTHESIS
@given(subject=hostile_value, name=hostile_text, aliases=hostile_text, dob=hostile_value, nhs=hostile_value,
       address=hostile_text, step=st.sampled_from(["", "confirm", "change"]))
def test_rectify_form(w, subject, name, aliases, dob, nhs, address, step):
    case = action_case(w, "rectification")
    client = w.client("dpo_a")
    url = reverse("governance:rights_rectify", args=[case.pk])
    form = {"full_name": name, "aliases": aliases, **date_parts("date_of_birth", dob), "nhs_number": nhs, "address": address}
    if step:
        form[step] = "1"
    safe(client.post(url, {**form, "subject": subject}), client)
    safe(client.post(url, {**form, "subject": w.subject.pk}), client)
    safe(client.get(url, {"subject": subject}), client)


@HYPOTHESIS
@given(chosen=st.lists(hostile_value, max_size=3), reasons=hostile_text, step=st.sampled_from(["", "confirm", "change"]))
def test_erase_form(w, chosen, reasons, step):
    case = action_case(w, "erasure")
    client = w.client("dpo_a")
    form = {"subjects": chosen, "reasons": reasons}
    if step:
        form[step] = "1"
    safe(client.post(reverse("governance:rights_erase", args=[case.pk]), form), client)


@HYPOTHESIS
@given(chosen=st.lists(hostile_value, max_size=3), reasons=hostile_text, outcome=hostile_value)
def test_restrict_objection_and_lift_forms(w, chosen, reasons, outcome):
    client = w.client("dpo_a")
    restriction = action_case(w, "restriction")
    objection = action_case(w, "objection")
    safe(client.post(reverse("governance:rights_restrict", args=[restriction.pk]), {"subjects": chosen, "reasons": reasons}), client)
    safe(client.post(reverse("governance:rights_objection", args=[objection.pk]),
                     {"outcome": outcome, "subjects": chosen, "reasons": reasons}), client)
    safe(client.post(reverse("governance:rights_restriction_lift", args=[restriction.pk]), {"reasons": reasons}), client)
