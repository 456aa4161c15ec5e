"""Issue 18's everyday pages in a real browser, each passing axe-core: the home page's "What is
waiting for you", the inbox searched by a person's name (the name never in the address bar),
My requests, the consent search, the meetings list with a bad date, and the help, privacy and
accessibility pages from the footer."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_disclosure_journey import a11y, open_browser, signed_in_as  # noqa: F401
from tests.sharing.conftest import pack, parties  # noqa: F401  (the sharing tests' fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_everyday_pages(open_browser, live_server, parties, a11y):  # noqa: F811
    parties.request(reference="DR-E-1")
    parties.request(reference="DR-E-2", assignee=parties.assignee, status="in_review")

    page = signed_in_as(open_browser, parties, live_server, "assignee")
    page.goto("/")
    expect(page.get_by_role("heading", name="What is waiting for you")).to_be_visible()
    expect(page.get_by_role("link", name="Requests assigned to you to decide")).to_be_visible()
    a11y(page, "home: what is waiting")

    page.goto("/requests/inbox/")
    page.get_by_text("Search by reference, person or status").click()
    page.get_by_label("Name of the person it is about").fill("Jordan")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"search="))
    assert "jordan" not in page.url.lower()
    expect(page.get_by_role("table")).to_contain_text("DR-E-2")
    expect(page.get_by_role("table")).not_to_contain_text("DR-E-1")
    a11y(page, "inbox searched by name")

    born = page.get_by_role("group", name="Their date of birth")
    born.get_by_label("Day").fill("30")
    born.get_by_label("Month").fill("2")
    born.get_by_label("Year").fill("2099")
    page.get_by_role("button", name="Search").click()
    a11y(page, "inbox search with an error")

    requester = signed_in_as(open_browser, parties, live_server, "requester")
    requester.goto("/requests/mine/")
    expect(requester.get_by_role("table")).to_contain_text("Jordan Example")
    a11y(requester, "my requests, who each is about")
    requester.goto("/consent/")
    requester.get_by_label("Search by reference or the person's name").fill("Jordan")
    requester.get_by_role("button", name="Search").click()
    assert "jordan" not in requester.url.lower()
    a11y(requester, "consent search")
    requester.goto("/meetings/?on=9999-99-99")
    expect(requester.get_by_role("alert")).to_contain_text("Enter the date as a real date")
    a11y(requester, "meetings search with an error")

    for link, heading in (("Help", "Help"), ("Privacy", "Privacy notice"), ("Accessibility statement", "Accessibility statement")):
        requester.get_by_role("contentinfo").get_by_role("link", name=link, exact=True).click()
        expect(requester.get_by_role("heading", level=1)).to_have_text(heading)
        a11y(requester, heading)
    requester.get_by_role("contentinfo").get_by_role("link", name="Help", exact=True).click()
    requester.get_by_role("link", name="Designated officer").click()
    expect(requester.get_by_role("heading", level=1)).to_have_text("Designated officer")
    a11y(requester, "help for designated officers")
