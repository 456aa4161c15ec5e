"""Issue 6, the auditors' half, in a real browser: an auditor signs in through the real pages, reads
the decision log, narrows it by action and by request reference, opens an entry, verifies the
chain from the verification page and finds that verification in the access log. Every page they
see passes axe-core (no serious or critical violation).

The log is written beforehand the way the services write it: `decision_record` inside a
transaction, so the entries are chained and verification has something real to check.
"""
from __future__ import annotations

import re

import pytest
from django.db import transaction
from playwright.sync_api import expect

from portal.accountability.services import decision_record
from portal.models import AccessLogEntry, DecisionLogEntry, OrganisationKind
from portal.roles import Role
from tests.browser.test_disclosure_journey import sign_in_through_pages
from tests.portal.factories import MembershipFactory, OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RELEASED_REF = "DR-2026-000101"
DECLINED_REF = "DR-2026-000202"
DECLINE_REASONS = "Not necessary for the stated purpose: the review can proceed on the council's own records."


@pytest.fixture
def decisions():
    """Six chained entries across two organisations: two requests and a suspension."""
    police = OrganisationFactory(name="Greater Manchester Police", kind=OrganisationKind.POLICE)
    council = OrganisationFactory(name="Stockport Council")
    officer = MembershipFactory(organisation=council, user__first_name="Priya", user__last_name="Shah").user
    responder = MembershipFactory(organisation=police, user__first_name="Tom", user__last_name="Walker").user
    admin = MembershipFactory(
        organisation=council, role=Role.ADMIN, user__first_name="Ann", user__last_name="Hall"
    ).user
    request = {"purpose": "Reducing crime and disorder", "protocol_version": "safer-stockport@2020"}
    with transaction.atomic():
        decision_record(actor=officer, organisation=council, action="request.submitted", reference=RELEASED_REF,
                        recipient=police, reasons="Needed for the case review on 3 March.", **request)
        decision_record(actor=responder, organisation=police, action="request.released", reference=RELEASED_REF,
                        recipient=council, reasons="Necessary and proportionate: incident dates only.", **request)
        decision_record(actor=officer, organisation=council, action="request.submitted", reference=DECLINED_REF,
                        recipient=police, reasons="Tenancy enforcement: were the police called?", **request)
        decision_record(actor=responder, organisation=police, action="request.assigned", reference=DECLINED_REF,
                        recipient=council, reasons="Assigned to Tom Walker.", **request)
        decision_record(actor=responder, organisation=police, action="request.declined", reference=DECLINED_REF,
                        recipient=council, reasons=DECLINE_REASONS, **request)
        decision_record(actor=admin, organisation=None, action="organisation.suspended", recipient=police,
                        reasons="Protocol breach under investigation (SSP 13.3).")
    return DecisionLogEntry.objects.order_by("id")


def log_rows(page):
    """The decision log table's rows as lists of cell texts (When, Who, Action, Reference, With whom)."""
    rows = page.locator("main table tbody tr")
    return [[cell.strip() for cell in row.locator("td").all_inner_texts()] for row in rows.all()]


def value(page, key: str):
    """The value beside `key` in the page's summary list."""
    row = page.locator("main .govuk-summary-list__row").filter(has=page.locator("dt").get_by_text(key, exact=True))
    return row.locator("dd")


ACTIONS = {  # label -> code, as in the filter's URL
    "All actions": "",
    "Released in full": "request.released",
    "Dispute: decision overturned": "dispute.overturned",
}


def filter_log(page, *, action: str = "All actions", reference: str = ""):
    """Choose the action by its label, type the reference, press Filter and wait for the new page."""
    page.get_by_label("Action (optional)").select_option(label=action)
    page.get_by_label("Request reference (optional)").fill(reference)
    page.get_by_role("button", name="Filter").click()
    query = f"action={re.escape(ACTIONS[action])}&reference={re.escape(reference)}"
    expect(page).to_have_url(re.compile(rf"[?&]{query}(&|$)"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Decision log")
    expect(page.locator(".govuk-error-summary")).to_have_count(0)


def test_auditor_reads_filters_and_verifies_the_decision_log(page, decisions, assert_accessible):
    entries = list(decisions)
    assert len(entries) == 6
    auditor = MembershipFactory(role=Role.AUDITOR, organisation__name="Safer Stockport Partnership",
                                user__first_name="Audrey", user__last_name="Auditor")
    sign_in_through_pages(page, auditor.user, lambda page, what: assert_accessible(page))

    # The decision log, from the service navigation: every entry, newest first.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Decision log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Decision log")
    expect(page.locator("main table tbody tr")).to_have_count(6)
    rows = log_rows(page)
    assert [row[2] for row in rows] == [
        "Sharing with organisation suspended", "Declined", "Request assigned", "Request submitted",
        "Released in full", "Request submitted",
    ]
    assert [row[3] for row in rows] == ["–", DECLINED_REF, DECLINED_REF, DECLINED_REF, RELEASED_REF, RELEASED_REF]
    assert rows[1][1].splitlines() == ["Tom Walker", "Greater Manchester Police"]
    assert_accessible(page)

    # By action: only the release is left.
    filter_log(page, action="Released in full")
    expect(page.locator("main table tbody tr")).to_have_count(1)
    [row] = log_rows(page)
    assert row[2:] == ["Released in full", RELEASED_REF, "Stockport Council"]
    assert row[1].splitlines() == ["Tom Walker", "Greater Manchester Police"]
    assert_accessible(page)

    # An action nobody took: the page says so instead of showing a table.
    filter_log(page, action="Dispute: decision overturned")
    expect(page.locator("main table")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("No decisions match these filters.")
    assert_accessible(page)

    # By request reference (typed in lower case, as people do): that request's three entries.
    filter_log(page, reference=DECLINED_REF.lower())
    expect(page.locator("main table tbody tr")).to_have_count(3)
    rows = log_rows(page)
    assert [row[2] for row in rows] == ["Declined", "Request assigned", "Request submitted"]
    assert {row[3] for row in rows} == {DECLINED_REF}
    assert_accessible(page)

    # The newest of them in full: who, for whom, why, and its hash.
    declined = entries[4]
    page.locator("main table tbody tr").first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Declined")
    assert page.url.endswith(f"/audit/decisions/{declined.pk}/")
    expect(value(page, "Who")).to_have_text("Tom Walker")
    expect(value(page, "Organisation")).to_have_text("Greater Manchester Police")
    expect(value(page, "Request reference")).to_have_text(DECLINED_REF)
    expect(value(page, "With whom")).to_have_text("Stockport Council")
    expect(value(page, "Reasons")).to_have_text(DECLINE_REASONS)
    expect(value(page, "Entry hash")).to_have_text(declined.entry_hash)
    assert_accessible(page)

    # Verification, from its page: none run yet; the button queues a run and opens its page
    # (here the run's job runs in-process, so it has finished by then), intact with the count.
    page.get_by_role("link", name="Back to the decision log").click()
    page.get_by_role("link", name="Verify the decision log's chain").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify the decision log")
    expect(page.locator("main")).to_contain_text("The log has not been verified yet.")
    assert_accessible(page)
    page.get_by_role("button", name="Verify the chain now").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verification ")
    expect(page.locator(".govuk-panel")).to_have_text("The decision log is intact")
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    expect(value(page, "Entries verified")).to_have_text("6")
    expect(value(page, "Head hash")).to_have_text(entries[-1].entry_hash)
    expect(value(page, "Speed")).to_contain_text("Verified 6 entries in")
    assert_accessible(page)

    # The access log shows the verification as a read of the decision log, by this auditor.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Access log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Access log")
    expect(page.locator("main table tbody tr")).to_have_count(1)
    cells = [cell.strip() for cell in page.locator("main table tbody tr").first.locator("td").all_inner_texts()]
    assert cells[1].splitlines() == [f"Audrey Auditor ({auditor.user.username})", "Safer Stockport Partnership"]
    assert cells[2:] == ["Viewed", "decision_log\nverification", "/audit/decisions/verify/"]
    assert_accessible(page)
    assert AccessLogEntry.objects.filter(user=auditor.user, reference="verification").count() == 1
