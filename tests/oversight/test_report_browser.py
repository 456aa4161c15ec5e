"""The monitoring report in a real browser (issue 12): an admin opens the report, sees both
charts by their accessible names with the tables of the same numbers, narrows it to one
organisation, gets the error summary for a range back to front (what was typed kept), and every
page passes axe-core."""
import pytest
from django.conf import settings
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(page, known, membership, live_server):
    client = known.client(membership)
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}]
    )
    return page


def test_admin_reads_filters_and_corrects_the_report(page, known, live_server, assert_accessible):
    signed_in(page, known, known.admin, live_server)
    page.goto("/")
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Monitoring report")
    assert_accessible(page)
    trend = page.get_by_role("img", name="Requests raised and decided each month")
    expect(trend).to_be_visible()
    expect(page.get_by_role("img", name="Requests by organisation")).to_be_visible()
    organisations = page.get_by_role("table", name="Requests by organisation")
    # The admin works for the council: its own row is exact; partnership-wide small counts are not.
    expect(organisations.get_by_role("row", name="Stockport Council 0 7 3 1 1 6.0")).to_be_visible()
    volumes = page.get_by_role("table", name="Requests raised and where they stand")
    expect(volumes.get_by_role("row", name="Raised in the period 7")).to_be_visible()
    expect(volumes.get_by_role("row", name="Released in full fewer than 5")).to_be_visible()

    page.get_by_label("Organisation (optional)").select_option(label="Greater Manchester Police")
    page.get_by_label("The organisation's part (optional)").select_option(label="As holder")
    page.get_by_role("button", name="Show the report").click()
    expect(page.get_by_role("table", name="Requests raised and where they stand").get_by_role(
        "row", name="Raised in the period 0")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Period (optional)").select_option(label="Dates I choose")
    page.get_by_label("From (optional)").fill("2026-05-01")
    page.get_by_label("To (optional)").fill("2026-04-01")
    page.get_by_role("button", name="Show the report").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The 'to' date must be the same as or after the 'from' date")
    expect(page.get_by_label("From (optional)")).to_have_value("2026-05-01")
    assert_accessible(page)
