"""Issue 11 in a real browser: an officer reports a breach touching information another partner
released (check answers, confirmation), and their organisation's data protection officer finds it
in the queue with its 72-hour clock, opens the task list and records the ICO decision, first with
an error. Every page passes axe-core (no serious or critical violation)."""
from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from governance.models import Breach

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_browser(browser, live_server):
    contexts = []

    def open_one(w, name):
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        session_key = w.client(name).cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": live_server.url}])
        return page

    yield open_one
    for context in contexts:
        context.close()


def no_errors(page):
    problems = page.locator(".govuk-error-summary")
    assert not problems.count(), f"the page refused the answers: {problems.inner_text()}"


def test_a_breach_from_report_to_ico_decision(w, open_browser, assert_accessible):
    officer = open_browser(w, "officer_a")
    officer.goto("/")
    officer.get_by_role("navigation", name="Menu").get_by_role("link", name="Breaches").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("Breaches")
    assert_accessible(officer)
    officer.get_by_role("link", name="Report a breach").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("Report a breach")
    assert_accessible(officer)

    # Sent half-filled: errors, what was typed is kept.
    officer.get_by_label("What happened?").fill("A case summary was emailed to the wrong partner address.")
    officer.get_by_role("button", name="Continue").click()
    expect(officer.locator(".govuk-error-summary")).to_contain_text("Enter the date it was discovered")
    expect(officer.get_by_label("What happened?")).to_have_value("A case summary was emailed to the wrong partner address.")
    assert_accessible(officer)

    discovered = timezone.localtime() - datetime.timedelta(hours=50)
    officer.get_by_label("Date it happened").fill(discovered.strftime("%d/%m/%Y"))
    officer.get_by_label("Time it happened").fill(discovered.strftime("%H:%M"))
    officer.get_by_label("Date it was discovered").fill(discovered.strftime("%d/%m/%Y"))
    officer.get_by_label("Time it was discovered").fill(discovered.strftime("%H:%M"))
    officer.get_by_label("Which organisation's staff were involved?").select_option(label="Greater Manchester Police")
    officer.get_by_label("Names, addresses, dates of birth or other identifiers").check()
    officer.get_by_label("Roughly how many people's information is involved?").fill("2")
    officer.get_by_label(w.request.reference + ":").check()
    officer.get_by_label("Jordan Example").check()
    officer.get_by_role("button", name="Continue").click()
    no_errors(officer)
    expect(officer.get_by_role("heading", level=1)).to_have_text("Check your answers before reporting the breach")
    expect(officer.locator("main")).to_contain_text("Stockport Council")
    assert_accessible(officer)
    officer.get_by_role("button", name="Report the breach").click()
    expect(officer.locator(".govuk-panel")).to_contain_text("Breach reported")
    breach = Breach.objects.get()
    expect(officer.locator(".govuk-panel")).to_contain_text(breach.reference)
    expect(officer.locator("main")).to_contain_text("Less than 24 hours left")
    assert_accessible(officer)

    # The DPO where it occurred: the queue, the case, the ICO decision.
    dpo = open_browser(w, "dpo_a")
    dpo.goto("/")
    expect(dpo.locator("main")).to_contain_text("Breaches waiting for the ICO decision")
    dpo.get_by_role("navigation", name="Menu").get_by_role("link", name="Breaches").click()
    expect(dpo.get_by_role("heading", level=1)).to_have_text("Breaches waiting for your organisation")
    expect(dpo.locator("main")).to_contain_text("Less than 24 hours left")
    assert_accessible(dpo)
    dpo.get_by_role("link", name=breach.reference).click()
    expect(dpo.get_by_role("heading", level=1)).to_have_text(f"Breach {breach.reference}")
    expect(dpo.locator(".govuk-task-list").first).to_contain_text("Decide whether to report it to the ICO")
    expect(dpo.locator("main")).to_contain_text("Jordan Example")
    assert_accessible(dpo)
    dpo.get_by_role("link", name="Decide whether to report it to the ICO").click()
    expect(dpo.locator(".portal-breach-clock")).to_contain_text("left")
    dpo.get_by_label("Report it to the ICO", exact=True).check()
    dpo.get_by_label("Reasons for the decision").fill("Criminal offence data about two people went outside the partnership.")
    dpo.get_by_role("button", name="Record the decision").click()
    expect(dpo.locator(".govuk-error-summary")).to_contain_text("Enter the reference the ICO gave the report")
    expect(dpo.get_by_label("Reasons for the decision")).to_have_value(
        "Criminal offence data about two people went outside the partnership."
    )
    assert_accessible(dpo)
    # Ten minutes ago, date and time taken together (just after midnight that is yesterday).
    reported = timezone.localtime() - datetime.timedelta(minutes=10)
    dpo.get_by_label("ICO reference").fill("IC-123456-A1B2")
    dpo.get_by_label("Date reported to the ICO").fill(reported.strftime("%d/%m/%Y"))
    dpo.get_by_label("Time reported to the ICO").fill(reported.strftime("%H:%M"))
    dpo.get_by_role("button", name="Record the decision").click()
    no_errors(dpo)
    expect(dpo.locator("main")).to_contain_text("ICO decision made in time")
    expect(dpo.locator("main")).to_contain_text("IC-123456-A1B2")
    expect(dpo.get_by_role("heading", level=1)).to_have_text(f"Breach {breach.reference}")
    assert_accessible(dpo)
    breach.refresh_from_db()
    assert breach.ico_decision == "report" and breach.ico_reference == "IC-123456-A1B2"
