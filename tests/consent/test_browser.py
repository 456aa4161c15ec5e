"""The consent pages in a real browser: an officer records a consent (first with a mistake, then
correctly), reads the record, and records its withdrawal; axe-core finds no serious or critical
violation on any page, error pages included."""
import datetime

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from consent.models import ConsentRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def officer_page(browser, live_server, parties):
    client = parties.client("requester")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900})
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
          "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_record_read_and_withdraw_a_consent(officer_page, parties, assert_accessible):
    page = officer_page
    page.goto("/consent/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Consent records")
    assert_accessible(page)
    page.get_by_role("button", name="Record a consent").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a consent")
    assert_accessible(page)

    given = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    page.get_by_label("Full name").fill("Robin Newperson")
    page.get_by_label("The person the information is about").check()
    page.get_by_role("group", name="Were the reasons for asking for consent explained to them?").get_by_label("No").check()
    page.get_by_role("group", name="Which organisations may it be disclosed to?").get_by_label(parties.a.name).check()
    purpose = parties.pack.purposes.order_by("order").first().name
    page.get_by_label(purpose).check()
    page.get_by_label("What information does the consent apply to?").fill("ASB complaints\nTenancy warnings")
    page.get_by_label("Date consent was given").fill(given)
    page.get_by_label("Witness's position").fill("Police constable")
    page.get_by_label("Date witnessed").fill(given)
    page.get_by_role("button", name="Record the consent").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("not valid")
    assert_accessible(page)

    page.get_by_role("group", name="Were the reasons for asking for consent explained to them?").get_by_label("Yes").check()
    page.get_by_role("button", name="Record the consent").click()
    consent = ConsentRecord.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text(consent.reference)
    expect(page.locator(".portal-marking").first).to_contain_text("RESTRICTED")
    assert_accessible(page)

    page.get_by_role("button", name="Record a withdrawal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a withdrawal of consent")
    page.get_by_role("button", name="Record the withdrawal").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the date the consent was withdrawn")
    assert_accessible(page)
    page.get_by_label("When did they withdraw their consent?").fill(timezone.localdate().isoformat())
    page.get_by_label("How did they tell you?").fill("By phone to the neighbourhood team")
    page.get_by_role("button", name="Record the withdrawal").click()
    expect(page.locator(".govuk-tag")).to_have_text("Withdrawn")
    assert_accessible(page)
