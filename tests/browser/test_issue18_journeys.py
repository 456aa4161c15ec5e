"""Issue 18 items 1–4 in a real browser, each page checked with axe-core: onward disclosure asked
for (the organisation dropdown offers the third organisation), consent recorded from the request
and found on its consent page, a dispute decided by both designated officers, and an agenda case
picked from the forum's cases. States before each journey are built through the real services."""
from __future__ import annotations

import datetime
import re

import pytest
from guardian.shortcuts import assign_perm
from playwright.sync_api import expect

from portal.models import DecisionLogEntry
from sharing.models import OnwardRequest, Outcome, Status
from sharing.services import decide
from sharing.services.disputes import dispute_raise
from tests.browser.test_override_journey import no_errors, open_browser, signed_in_as  # noqa: F401
from tests.meetings.factories import meeting_make
from tests.sharing.conftest import pack, parties  # noqa: F401
from tests.sharing.factories import decision_make
from tests.sharing.test_override import assigned, release, run_flowchart

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_onward_disclosure_is_asked_for(parties, open_browser, live_server, assert_accessible):
    req = assigned(parties)
    run_flowchart(parties, req, route="share")
    release(parties, req, items=[decide.ItemInput("Three call-outs to the address in March.", "fact", parties.b)])
    page = signed_in_as(open_browser, parties, live_server, "requester")
    page.goto(f"/requests/{req.pk}/")
    page.get_by_role("button", name="Ask to share onward").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask to share onward")
    assert_accessible(page)
    page.get_by_label(re.compile("Three call-outs")).check()
    page.get_by_label("Which organisation do you want to share them with?").select_option(label=parties.c.name)
    page.locator("input[name=purpose]").first.check()
    page.get_by_label("Why do they need it?").fill("The landlord needs it to assess the tenancy risk.")
    page.get_by_role("button", name="Send the request").click()
    no_errors(page)
    expect(page.locator("main")).to_contain_text("Your request has been sent to Stockport Council")
    assert_accessible(page)
    assert OnwardRequest.objects.get(request=req).to_organisation == parties.c


def test_consent_recorded_from_the_request_is_found(parties, open_browser, live_server, assert_accessible):
    req = assigned(parties)
    run_flowchart(parties, req, route="consent")
    requester = signed_in_as(open_browser, parties, live_server, "requester")
    requester.goto(f"/requests/{req.pk}/")
    requester.get_by_role("button", name="Record consent for this person").click()
    expect(requester.get_by_role("heading", level=1)).to_have_text("Record a consent")
    assert_accessible(requester)
    requester.locator("input[name=given_by][value=subject]").check()
    requester.locator("input[name=reasons_explained][value=yes]").check()
    requester.locator(f"input[name=recipients][value='{parties.a.pk}']").check()
    requester.locator(f"input[name=purposes][value='{req.purpose_id}']").check()
    requester.get_by_label("What information does the consent apply to?").fill("Anti-social behaviour complaints")
    given = (datetime.date.today() - datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    requester.get_by_label("Date consent was given").fill(given)
    requester.get_by_label("Date witnessed").fill(given)
    requester.get_by_label("Witnessed by (name)").fill("Pat Officer")
    requester.get_by_label("Witness's position").fill("Police constable")
    requester.get_by_role("button", name="Record the consent").click()
    no_errors(requester)
    expect(requester.get_by_role("heading", level=1)).to_have_text(req.reference)  # back on the request
    assert_accessible(requester)
    responder = signed_in_as(open_browser, parties, live_server, "assignee")
    responder.goto(f"/requests/{req.pk}/consent/")
    expect(responder.get_by_role("heading", level=1)).to_have_text("Consent relied on")
    expect(responder.locator("main")).to_contain_text("CR-")
    assert_accessible(responder)


def test_a_dispute_is_decided_by_both_designated_officers(parties, open_browser, live_server, assert_accessible):
    req = parties.request(status=Status.DECLINED, assignee=parties.assignee)
    decision_make(req, outcome=Outcome.DECLINED, reasons="Not proportionate.")
    dispute_raise(
        disclosure=req, grounds="The MARAC needs it.", acting_user=parties.requester,
        acting_membership=parties.memberships["requester"],
    )
    do_a = signed_in_as(open_browser, parties, live_server, "do_a")
    do_a.goto("/")
    do_a.get_by_role("link", name="Designated officer's queue").click()
    expect(do_a.locator("main")).to_contain_text("Disputed decisions (1)")
    assert_accessible(do_a)
    do_a.get_by_role("link", name=f"Give your view {req.reference}").click()
    expect(do_a.get_by_role("heading", level=1)).to_have_text("Your view of the dispute")
    assert_accessible(do_a)
    do_a.get_by_role("button", name="Record your view").click()
    expect(do_a.locator(".govuk-error-summary")).to_contain_text("Enter your view of the dispute")
    assert_accessible(do_a)
    do_a.get_by_label("Your view of the dispute").fill("We support it: the risk is current.")
    do_a.get_by_role("button", name="Record your view").click()
    no_errors(do_a)
    assert_accessible(do_a)

    do_b = signed_in_as(open_browser, parties, live_server, "do_b")
    do_b.goto("/")
    do_b.get_by_role("link", name="Designated officer's queue").click()
    do_b.get_by_role("link", name=f"Decide {req.reference}").click()
    expect(do_b.locator("main")).to_contain_text("We support it: the risk is current.")
    assert_accessible(do_b)
    do_b.get_by_label("Overturn the decision and return the request to the responder to release").check()
    do_b.get_by_label("Reasons for your decision").fill("On reflection the purpose is clear.")
    do_b.get_by_role("button", name="Record the decision").click()
    no_errors(do_b)
    assert_accessible(do_b)
    entry = DecisionLogEntry.objects.get(action="dispute.overturned")
    assert "On reflection the purpose is clear." in entry.reasons
    assert "We support it: the risk is current." in entry.reasons


def test_an_agenda_case_is_picked_from_the_forum(parties, open_browser, live_server, assert_accessible):
    meeting = meeting_make(parties.memberships["chair"])
    case = parties.request(forum=meeting.forum)
    assign_perm("sharing.access_disclosure", parties.chair, case)
    chair = signed_in_as(open_browser, parties, live_server, "chair")
    chair.goto(f"/meetings/{meeting.pk}/")
    chair.get_by_role("button", name="Add a case to the agenda").click()
    expect(chair.get_by_role("heading", level=1)).to_have_text("Add a case to the agenda")
    assert_accessible(chair)
    chair.get_by_role("button", name="Add the case").click()
    expect(chair.locator(".govuk-error-summary")).to_contain_text("Select a case, or enter the request's reference")
    assert_accessible(chair)
    chair.get_by_label(re.compile(rf"^{case.reference}: Jordan Example")).check()
    chair.get_by_role("button", name="Add the case").click()
    no_errors(chair)
    expect(chair.locator("main")).to_contain_text(f"{case.reference} is on the agenda as case 1")
    assert_accessible(chair)
