"""Issue 11 in a real browser: a joint complaint across two organisations (SSP 12). The council's
DPO records a complaint about the disclosure it made to the police (first with an error, nothing
typed lost), each organisation's DPO records its part, and the council records the agreed
outcome, which closes it. Every page passes axe-core (no serious or critical violation)."""
from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from governance.models import Complaint, ComplaintStatus
from portal.models import LegalHold
from tests.governance.test_breach_browser import no_errors, open_browser  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_joint_complaint_recorded_each_part_then_the_agreed_outcome(w, open_browser, assert_accessible):  # noqa: F811
    council = open_browser(w, "dpo_b")
    council.goto("/")
    council.get_by_role("navigation", name="Menu").get_by_role("link", name="Complaints").click()
    expect(council.get_by_role("heading", level=1)).to_have_text("Complaints")
    assert_accessible(council)
    council.get_by_role("link", name="Record a complaint").click()
    expect(council.get_by_role("heading", level=1)).to_have_text("Record a complaint")
    assert_accessible(council)

    summary = "The complainant says more was shared with the police than was needed."
    council.get_by_label("What does the complaint say?").fill(summary)
    council.get_by_role("button", name="Record the complaint").click()
    expect(council.locator(".govuk-error-summary")).to_contain_text("Enter the date it was received")
    expect(council.get_by_label("What does the complaint say?")).to_have_value(summary)
    assert_accessible(council)

    council.get_by_label("A disclosure (information was shared)").check()
    council.get_by_label(w.request.reference + ":").check()
    council.get_by_label("Date it was received").fill(timezone.localdate().strftime("%d/%m/%Y"))
    council.get_by_role("button", name="Record the complaint").click()
    no_errors(council)
    complaint = Complaint.objects.get()
    assert set(complaint.parts.values_list("organisation_id", flat=True)) == {w.a.pk, w.b.pk}  # joint
    assert LegalHold.objects.filter(case_reference=complaint.reference, lifted_at__isnull=True).exists()
    expect(council.locator("main")).to_contain_text(complaint.reference)
    expect(council.locator(".govuk-task-list")).to_contain_text("Waiting for every part")
    assert_accessible(council)

    # The police's DPO: told, sees the joint complaint, records its part.
    police = open_browser(w, "dpo_a")
    police.goto("/")
    police.get_by_role("navigation", name="Menu").get_by_role("link", name="Complaints").click()
    police.get_by_role("link", name=complaint.reference).click()
    assert_accessible(police)
    police.get_by_role("link", name="Record your organisation's part").click()
    police.get_by_role("button", name="Save your part").click()
    expect(police.locator(".govuk-error-summary")).to_contain_text("Enter what your organisation found")
    assert_accessible(police)
    police.get_by_label("What did your organisation find?").fill("Only the incident log was received and used.")
    police.get_by_role("button", name="Save your part").click()
    no_errors(police)
    assert_accessible(police)

    # The council's own part, then the agreed outcome.
    council.goto(f"/governance/complaints/{complaint.pk}/")
    council.get_by_role("link", name="Record your organisation's part").click()
    council.get_by_label("What did your organisation find?").fill("The release matched the request's purpose.")
    council.get_by_role("button", name="Save your part").click()
    no_errors(council)
    council.goto(f"/governance/complaints/{complaint.pk}/")
    council.get_by_role("link", name="Record the agreed outcome").click()
    assert_accessible(council)
    council.get_by_label("Not upheld").check()
    council.get_by_label("The agreed outcome and the response given").fill(
        "Both organisations agree the disclosure was necessary and proportionate; the complainant may ask the ICO."
    )
    council.get_by_role("button", name="Record the outcome and close").click()
    no_errors(council)
    expect(council.locator(".govuk-panel")).to_contain_text("Complaint closed")
    assert_accessible(council)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED and complaint.outcome == "not_upheld"
    assert all(part.recorded_at for part in complaint.parts.all())
    assert not LegalHold.objects.filter(case_reference=complaint.reference, lifted_at__isnull=True).exists()
