"""Issue 11 (h11b) in a real browser: the council's DPO opens a subject access case, finds the
person across the portal (a record the police hold, on the police's request to the council),
links it so the police are consulted; the police's DPO answers with an exemption; the council's
DPO records the final decision. Every page they see passes axe-core."""
from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from governance.models import RightsCase, RightsStatus
from portal.middleware import ACTING_MEMBERSHIP
from portal.models import OrganisationKind
from portal.roles import Role
from sharing.models import Outcome, Status
from tests.conftest import sign_in_fully
from tests.portal.factories import MembershipFactory, OrganisationFactory
from tests.sharing.factories import DisclosureRequestFactory, decision_make, stockport_pack

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_errors(page):
    problems = page.locator(".govuk-error-summary")
    assert not problems.count(), f"the page refused the answers: {problems.inner_text()}"


def signed_in_page(browser, live_server, membership):
    client = sign_in_fully(Client(), membership.user)
    session = client.session
    session[ACTING_MEMBERSHIP] = membership.pk
    session.save()
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900})
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
          "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def test_a_subject_access_case_across_two_organisations(browser, live_server, assert_accessible):
    pack = stockport_pack()
    police = OrganisationFactory(name="Greater Manchester Police", kind=OrganisationKind.POLICE)
    council = OrganisationFactory(name="Stockport Council", kind=OrganisationKind.LOCAL_AUTHORITY)
    officer_a = MembershipFactory(organisation=police, role=Role.OFFICER)
    officer_b = MembershipFactory(organisation=council, role=Role.OFFICER)
    dpo_police = MembershipFactory(organisation=police, role=Role.DPO)
    dpo_council = MembershipFactory(organisation=council, role=Role.DPO)
    request = DisclosureRequestFactory(
        requesting_organisation=police, requester=officer_a.user, holding_organisation=council,
        assignee=officer_b.user, status=Status.RELEASED, protocol_pack=pack,
    )
    decision_make(request, outcome=Outcome.RELEASED, items=1, decided_by=officer_b.user)

    council_page = signed_in_page(browser, live_server, dpo_council)
    page = council_page
    page.goto("/")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Rights requests").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data-subject rights")
    assert_accessible(page)
    page.get_by_role("button", name="Open a rights case").click()
    page.get_by_label("Access (subject access request)").check()
    received = timezone.localdate() - datetime.timedelta(days=2)
    page.get_by_label("When did your organisation receive the request?").fill(received.strftime("%d/%m/%Y"))
    page.get_by_label("What does the person ask for?").fill("Everything held about me.")
    assert_accessible(page)
    page.get_by_role("button", name="Open the case").click()
    no_errors(page)
    expect(page.locator("main")).to_contain_text("Respond by")
    assert_accessible(page)

    page.get_by_role("link", name="Find the person across the portal").click()
    page.get_by_label("Name or alias").fill("JORDAN  example")
    born = page.get_by_role("group", name="Date of birth (optional)")  # day and month the other way round
    born.get_by_label("Day").fill("4")
    born.get_by_label("Month").fill("1")
    born.get_by_label("Year").fill("1990")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("main")).to_contain_text(request.reference)
    assert_accessible(page)
    page.get_by_label("Jordan Example", exact=False).check()
    page.get_by_role("button", name="Link to the case and consult the partners").click()
    no_errors(page)
    expect(page.locator("main")).to_contain_text("Awaiting 1 answer")
    assert_accessible(page)

    # The police's DPO answers.
    police_page = signed_in_page(browser, live_server, dpo_police)
    police_page.goto("/governance/rights/")
    police_page.get_by_role("link", name=RightsCase.objects.get().reference).click()
    expect(police_page.get_by_role("heading", level=1)).to_contain_text("your organisation's answer")
    assert_accessible(police_page)
    police_page.get_by_label("Withhold under an exemption").check()
    police_page.get_by_label("DPA 2018 Schedule 2 Part 1 paragraph 2 (crime and taxation)").check()
    police_page.locator("#id_third_party_information_1").check()
    police_page.get_by_label("Your reasons").fill("Would prejudice an investigation.")
    police_page.get_by_role("button", name="Send your answer").click()
    no_errors(police_page)
    assert_accessible(police_page)

    # The council decides.
    page.reload()
    page.get_by_role("link", name="Record the final decision").click()
    assert_accessible(page)
    page.get_by_label("Comply in part").check()
    page.get_by_label("Reasons for the decision").fill("Police information withheld.")
    page.get_by_label("What is released to the person").fill("The council's case notes.")
    page.get_by_label("What is redacted or withheld, and under which exemption").fill("Police items.")
    page.get_by_role("button", name="Record the decision and close the case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Decision recorded")
    assert_accessible(page)
    assert RightsCase.objects.get().status == RightsStatus.CLOSED
    police_page.context.close()
    council_page.context.close()
