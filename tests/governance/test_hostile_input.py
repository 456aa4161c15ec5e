"""Hostile input to governance's forms: huge strings, NUL and other control characters, HTML,
template syntax, nonsense ids and dates. Never a 500: an error on the page with what was typed
kept and escaped, or saved and shown escaped."""
from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from governance.models import NonComplianceReport, SuspensionDecision
from portal.models import PartnershipMember
from tests.consent.test_hostile_input import HYPOTHESIS, PROBE, hostile_text, hostile_value

pytestmark = pytest.mark.django_db


def place_value(organisation) -> str:
    member = PartnershipMember.objects.get(organisation=organisation)
    return f"{member.partnership_id}:{organisation.pk}"


def assert_safe(response, client):
    assert response.status_code in (200, 302), response.status_code
    body = (response.content if response.status_code == 200 else client.get(response["Location"]).content).decode()
    assert PROBE not in body


@HYPOTHESIS
@given(field=st.sampled_from(["details", "request_references"]), value=hostile_text, concerns=hostile_value)
def test_report_form(parties, field, value, concerns):
    client = parties.client("do_b")
    data = {"concerns": place_value(parties.a), "details": "Shared onward.", "request_references": ""}
    data[field] = value
    response = client.post(reverse("governance:noncompliance_new"), data)
    assert_safe(response, client)
    response = client.post(reverse("governance:noncompliance_new"), {**data, "concerns": concerns})
    assert response.status_code == 200  # a nonsense organisation is never accepted
    assert not NonComplianceReport.objects.filter(concerns_organisation=parties.b).exists()


@HYPOTHESIS
@given(finding=hostile_value, response_text=hostile_text, remedial=hostile_text)
def test_respond_and_outcome_forms(parties, finding, response_text, remedial):
    from governance.services.noncompliance import noncompliance_report

    report = noncompliance_report(
        partnership=parties.pack.partnership, concerns_organisation=parties.a, details="d",
        acting_user=parties.do_b, acting_membership=parties.memberships["do_b"],
    )
    client = parties.client("do_a")
    for chosen in (finding, "failure"):
        response = client.post(
            reverse("governance:noncompliance_respond", args=[report.pk]),
            {"finding": chosen, "response": response_text, "remedial_action": remedial},
        )
        assert_safe(response, client)
    outcome = parties.client("do_b").post(reverse("governance:noncompliance_outcome", args=[report.pk]), {"outcome": remedial})
    assert_safe(outcome, parties.client("do_b"))


@HYPOTHESIS
@given(reasons=hostile_text, review_date=hostile_value, organisation=hostile_value, report=hostile_value)
def test_suspend_and_lift_forms(parties, reasons, review_date, organisation, report):
    import datetime

    next_year = (datetime.date.today() + datetime.timedelta(days=365)).strftime("%d/%m/%Y")
    client = parties.client("do_b")
    response = client.post(
        reverse("governance:suspension_new") + f"?report={report}",
        {"organisation": organisation, "reasons": reasons, "review_date": review_date, "report": report},
    )
    assert response.status_code in (200, 302, 404), response.status_code
    assert PROBE not in response.content.decode()
    response = client.post(
        reverse("governance:suspension_new"),
        {"organisation": place_value(parties.c), "reasons": reasons, "review_date": next_year},
    )
    assert response.status_code == 200 and PROBE not in response.content.decode()
    for decision in SuspensionDecision.objects.filter(lifted_at__isnull=True):
        lifted = client.post(reverse("governance:suspension_lift", args=[decision.pk]), {"reasons": reasons})
        assert_safe(lifted, client)
