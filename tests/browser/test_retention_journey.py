"""Issue 6 in a real browser: a designated officer finds a copy due for review, extends it with a
reason, places a legal hold on its request and lifts it; on the way they look at the policies and
a destruction run. Every page they see passes axe-core (no serious or critical violation).
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from portal.models import DecisionLogEntry, HeldCopy, LegalHold
from portal.protocols.services import protocol_pack_load
from portal.roles import Role
from tests.conftest import sign_in_fully
from tests.portal.factories import MembershipFactory, OrganisationFactory
from tests.portal.test_retention_views import destroy, make_copy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_errors(page):
    problems = page.locator(".govuk-error-summary")
    assert not problems.count(), f"the page refused the answers: {problems.inner_text()}"


def test_a_designated_officer_extends_a_due_copy_and_holds_and_releases_its_request(
    page, live_server, assert_accessible
):
    pack, _ = protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / "stockport-2020.yaml")
    council = OrganisationFactory(name="Stockport Council")
    do = MembershipFactory(organisation=council, role=Role.DESIGNATED_OFFICER)
    restricted = pack.marking_levels.get(code="restricted")
    copy = make_copy(council, reference="DR-2026-0700", marking=restricted, review_in_days=6)
    run = destroy(make_copy(council, reference="DR-2026-0699", marking=restricted))

    client = sign_in_fully(Client(), do.user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )

    # The due list, from the navigation.
    page.goto("/")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Retention").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Due for review")
    expect(page.locator("main")).to_contain_text("1 record due for review within 30 days")
    expect(page.locator("main")).to_contain_text("DR-2026-0700")
    assert_accessible(page)

    # The copy, then the extension: first sent empty (errors, accessible), then complete.
    page.get_by_role("link", name="Review released data DR-2026-0700").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("DR-2026-0700")
    assert_accessible(page)
    page.get_by_role("button", name="Extend").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Keep this record longer")
    assert_accessible(page)
    page.get_by_role("button", name="Extend the review date").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the new review date")
    assert_accessible(page)
    new_date = timezone.localdate() + datetime.timedelta(days=180)
    page.get_by_label("New review date").fill(new_date.strftime("%-d/%-m/%Y"))
    page.get_by_label("Why is the copy kept longer?").fill("The case review panel meets again in six months.")
    page.get_by_role("button", name="Extend the review date").click()
    no_errors(page)
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"reviewed on {new_date:%-d %B %Y}")
    expect(page.locator("main")).to_contain_text("The case review panel meets again in six months.")
    assert_accessible(page)
    copy.refresh_from_db()
    assert copy.review_date == new_date
    assert DecisionLogEntry.objects.filter(action="retention.extended", reference="DR-2026-0700").count() == 1

    # The confirm page is there too (not used: the copy is kept).
    page.get_by_role("button", name="Confirm destruction").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm this record is to be destroyed")
    assert_accessible(page)

    # Policies and runs, reached from the retention pages' own links.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Retention").click()
    page.get_by_role("navigation", name="Retention pages").get_by_role("link", name="Retention policies").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Retention policies")
    assert_accessible(page)
    page.get_by_role("link", name="Add a policy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set a retention policy")
    assert_accessible(page)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Retention").click()
    page.get_by_role("navigation", name="Retention pages").get_by_role("link", name="Destruction runs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Destruction runs")
    assert_accessible(page)
    page.get_by_role("link", name=f"Run {run.pk}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Destruction run {run.pk}")
    expect(page.locator("main")).to_contain_text("DR-2026-0699")
    assert_accessible(page)

    # A legal hold on the request: reference, then scope and reason.
    page.get_by_role("navigation", name="Retention pages").get_by_role("link", name="Legal holds").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Legal holds")
    assert_accessible(page)
    page.get_by_role("button", name="Place a legal hold").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Which request is the hold about?")
    assert_accessible(page)
    page.get_by_label("Which request is the hold about?").fill("dr-2026-0700")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Place a legal hold")
    assert_accessible(page)
    page.get_by_role("button", name="Place the hold").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose what the hold covers")
    assert_accessible(page)
    page.get_by_label("Everything about request DR-2026-0700").check()
    page.get_by_label("Complaint", exact=True).check()
    page.get_by_label("Details of the reason").fill("Complaint C-2026-11 about the disclosure.")
    page.get_by_label("Review the hold on").fill(
        (timezone.localdate() + datetime.timedelta(days=60)).strftime("%d/%m/%Y")
    )
    page.get_by_role("button", name="Place the hold").click()
    no_errors(page)
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Legal hold placed on everything about request DR-2026-0700"
    )
    expect(page.locator("main")).to_contain_text("1 active hold")
    assert_accessible(page)
    hold = LegalHold.objects.get()
    assert hold.request_reference == "DR-2026-0700" and hold.lifted_at is None

    # The copy now says it is on hold.
    page.goto(f"/retention/copies/{copy.pk}/")
    expect(page.locator("main")).to_contain_text("A legal hold covers this record")
    page.go_back()

    # Lifting it.
    page.get_by_role("link", name=re.compile(r"^Lift\s+the hold")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lift a legal hold")
    assert_accessible(page)
    page.get_by_label("Why is the hold lifted?").fill("The complaint was resolved.")
    page.get_by_role("button", name="Lift the hold").click()
    no_errors(page)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The legal hold has been lifted")
    expect(page.locator("main")).to_contain_text("There are no active legal holds")
    page.get_by_role("link", name="Lifted").click()
    expect(page.locator("main")).to_contain_text("The complaint was resolved.")
    assert_accessible(page)
    hold.refresh_from_db()
    assert hold.lifted_at is not None
    assert HeldCopy.objects.get(pk=copy.pk).destroyed_at is None
    assert DecisionLogEntry.objects.filter(action="retention.hold_lifted").count() == 1
