"""Non-compliance reports and suspension decisions (governance/services/noncompliance.py and its
pages): SSP 13.2 in writing, 13.5 outcome recorded, 13.3 suspension enforced and lifted."""
from __future__ import annotations

import datetime
import html

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from governance.models import NonComplianceReport, NonComplianceStatus, SuspensionDecision
from governance.services import noncompliance as services
from portal.models import AccessLogEntry, DecisionLogEntry, Notification, PartnershipMember
from sharing.services.raising import sharing_refusals

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return html.unescape(response.content.decode())


def place_value(parties, organisation) -> str:
    member = PartnershipMember.objects.get(organisation=organisation)
    return f"{member.partnership_id}:{organisation.pk}"


def report_made(parties, details="Released items were shared onward without consent."):
    return services.noncompliance_report(
        partnership=parties.pack.partnership,
        concerns_organisation=parties.a,
        details=details,
        acting_user=parties.do_b,
        acting_membership=parties.memberships["do_b"],
    )


def test_a_report_in_writing_a_response_and_the_outcome_through_the_pages(parties, django_capture_on_commit_callbacks):
    reporter = parties.client("do_b")
    new = reporter.get(reverse("governance:noncompliance_new"))
    assert new.status_code == 200 and "Greater Manchester Police" in page(new)
    # Nothing typed is lost on an error.
    response = reporter.post(reverse("governance:noncompliance_new"), {"concerns": "", "details": "Kept text"})
    assert response.status_code == 200
    assert "Select the partner organisation" in page(response) and "Kept text" in page(response)
    response = reporter.post(
        reverse("governance:noncompliance_new"),
        {"concerns": place_value(parties, parties.a), "details": "Jordan Example's file was emailed unsecured."},
    )
    assert response.status_code == 200 and "Report sent" in page(response)
    report = NonComplianceReport.objects.get()
    assert report.reference == f"NC-{report.pk:06d}" and report.status == NonComplianceStatus.REPORTED
    assert report.reporting_organisation == parties.b and report.concerns_organisation == parties.a
    # The other organisation's designated officer is told: the reference and a link, nothing more.
    notification = Notification.objects.get(recipient=parties.do_a)
    assert notification.reference == report.reference and "Jordan" not in notification.subject
    assert not Notification.objects.filter(recipient=parties.officer_a).exists()
    entry = DecisionLogEntry.objects.get(action="governance.noncompliance_reported")
    assert entry.reference == report.reference and "Jordan" not in entry.reasons
    assert entry.organisation_name == parties.b.name and entry.recipient_name == parties.a.name

    # The reported organisation's designated officer sees it waiting, reads it (logged) and responds.
    responder = parties.client("do_a")
    home = page(responder.get(reverse("portal:home")))
    assert "Reports of non-compliance awaiting your response" in home
    detail = responder.get(reverse("governance:noncompliance_detail", args=[report.pk]))
    assert "Jordan Example" in page(detail) and "Respond to this report" in page(detail)
    assert AccessLogEntry.objects.filter(user=parties.do_a, reference=report.reference).exists()
    respond = reverse("governance:noncompliance_respond", args=[report.pk])
    response = responder.post(respond, {"finding": "failure", "response": "We looked into it."})
    assert response.status_code == 200 and "Enter the remedial action taken" in page(response)
    assert "We looked into it." in page(response)
    response = responder.post(
        respond, {"finding": "failure", "response": "We looked into it.", "remedial_action": "Training; the family told."}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == NonComplianceStatus.RESPONDED and report.responded_by == parties.do_a
    assert DecisionLogEntry.objects.get(action="governance.noncompliance_responded").details["finding"] == "failure"
    # Responding twice is refused; the reporter, not the responder, records the outcome.
    assert responder.get(respond).status_code == 302
    assert responder.get(reverse("governance:noncompliance_outcome", args=[report.pk])).status_code == 302
    outcome = reverse("governance:noncompliance_outcome", args=[report.pk])
    assert reporter.post(outcome, {"outcome": ""}).status_code == 200
    assert reporter.post(outcome, {"outcome": "Remedial action accepted."}).status_code == 302
    report.refresh_from_db()
    assert report.status == NonComplianceStatus.CLOSED and report.outcome == "Remedial action accepted."
    assert DecisionLogEntry.objects.get(action="governance.noncompliance_closed").reasons == "Remedial action accepted."


def test_a_third_organisation_and_officers_never_see_the_report(parties):
    report = report_made(parties)
    for name in ("do_c", "officer_a", "officer_b"):
        client = parties.client(name)
        status = client.get(reverse("governance:noncompliance_detail", args=[report.pk])).status_code
        assert status == (404 if name == "do_c" else 403), name
    # The partnership's auditor reads it.
    assert parties.client("auditor").get(reverse("governance:noncompliance_detail", args=[report.pk])).status_code == 200
    with pytest.raises(Http404):
        services.noncompliance_respond(
            report=report, finding="no_failure", response="Not ours", acting_user=parties.do_c,
            acting_membership=parties.memberships["do_c"],
        )


def test_no_report_about_ones_own_organisation_or_outside_the_partnership(parties):
    with pytest.raises(ValidationError) as refused:
        services.noncompliance_report(
            partnership=parties.pack.partnership, concerns_organisation=parties.b, details="x",
            acting_user=parties.do_b, acting_membership=parties.memberships["do_b"],
        )
    assert "concerns" in refused.value.message_dict


def test_suspension_is_a_recorded_decision_enforced_everywhere_and_lifted_by_a_recorded_decision(parties):
    from sharing.services import decide
    from tests.sharing.test_decide import marking, ready

    report = report_made(parties)
    req = ready(parties)  # a request from A to B, ready for B's release
    client = parties.client("do_b")
    url = reverse("governance:suspension_new") + f"?report={report.pk}"
    form = page(client.get(url))
    assert "Arising from report " + report.reference in form
    review = timezone.localdate() + datetime.timedelta(days=30)
    response = client.post(url, {"report": report.pk, "organisation": place_value(parties, parties.a), "reasons": "",
                                 "review_date": "31/02/2027"})
    assert response.status_code == 200
    assert "Enter why sharing with this organisation is suspended" in page(response)
    assert "Enter the review date as a real date" in page(response)
    response = client.post(url, {"report": report.pk, "organisation": place_value(parties, parties.a),
                                 "reasons": "Repeated onward sharing.", "review_date": review.strftime("%d/%m/%Y")})
    assert response.status_code == 200 and "is suspended" in page(response)
    decision = SuspensionDecision.objects.get()
    assert decision.report == report and decision.review_date == review and decision.deciding_organisation == parties.b
    assert PartnershipMember.objects.get(organisation=parties.a).sharing_suspended
    entry = DecisionLogEntry.objects.get(action="organisation.suspended")
    assert entry.reference == decision.reference and entry.organisation_name == parties.b.name
    assert entry.details["review_date"] == review.isoformat() and entry.details["report"] == report.reference
    assert entry.reasons == "Repeated onward sharing."
    assert Notification.objects.filter(recipient=parties.do_a, reference=decision.reference).exists()

    # Enforced: no new request from or to A, no release on the open request.
    assert any("suspended" in p for p in sharing_refusals(partnership=parties.pack.partnership, requesting=parties.a, holding=parties.b))
    assert any("suspended" in p for p in sharing_refusals(partnership=parties.pack.partnership, requesting=parties.c, holding=parties.a))
    item = decide.ItemInput(text="Call-outs.", fact_or_opinion="fact", originating_organisation=parties.b)
    with pytest.raises(ValidationError, match="suspended"):
        decide.disclosure_decide(disclosure=req, outcome="released", reasons="x", marking=marking(parties, "restricted"),
                                 items=[item], acting_user=parties.assignee)
    # A second suspension of the same partner is refused.
    with pytest.raises(ValidationError, match="already suspended"):
        services.suspension_decide(partnership=parties.pack.partnership, organisation=parties.a, reasons="Again",
                                   review_date=review, acting_user=parties.do_c, acting_membership=parties.memberships["do_c"])

    # Only the deciding organisation lifts it, with reasons, and sharing resumes.
    assert parties.client("do_c").get(reverse("governance:suspension_lift", args=[decision.pk])).status_code == 302
    lift = reverse("governance:suspension_lift", args=[decision.pk])
    assert client.post(lift, {"reasons": ""}).status_code == 200
    assert client.post(lift, {"reasons": "Training completed."}).status_code == 302
    decision.refresh_from_db()
    assert decision.lifted_at and decision.lift_reasons == "Training completed."
    assert not PartnershipMember.objects.get(organisation=parties.a).sharing_suspended
    resumed = DecisionLogEntry.objects.get(action="organisation.resumed")
    assert resumed.reference == decision.reference and resumed.reasons.startswith("Training completed.")
    decide.disclosure_decide(disclosure=req, outcome="released", reasons="x", marking=marking(parties, "restricted"),
                             items=[item], acting_user=parties.assignee)


def test_the_review_date_must_be_in_the_future(parties):
    with pytest.raises(ValidationError) as refused:
        services.suspension_decide(
            partnership=parties.pack.partnership, organisation=parties.a, reasons="r",
            review_date=timezone.localdate(), acting_user=parties.do_b, acting_membership=parties.memberships["do_b"],
        )
    assert refused.value.message_dict["review_date"] == ["The review date must be in the future"]
    assert not PartnershipMember.objects.get(organisation=parties.a).sharing_suspended


def test_a_suspension_the_admin_resumed_no_longer_stands_and_a_new_one_can_be_decided(parties):
    from portal.services.accounts import organisation_resume_sharing

    review = timezone.localdate() + datetime.timedelta(days=30)
    first = services.suspension_decide(partnership=parties.pack.partnership, organisation=parties.a, reasons="First",
                                       review_date=review, acting_user=parties.do_b, acting_membership=parties.memberships["do_b"])
    organisation_resume_sharing(organisation=parties.a, partnership=parties.pack.partnership, acting_user=parties.admin)
    second = services.suspension_decide(partnership=parties.pack.partnership, organisation=parties.a, reasons="Again",
                                        review_date=review, acting_user=parties.do_c, acting_membership=parties.memberships["do_c"])
    first.refresh_from_db()
    assert first.lifted_at is not None and "partnership admin" in first.lift_reasons
    assert second.is_standing and PartnershipMember.objects.get(organisation=parties.a).sharing_suspended
