"""Issue 13 in a real browser: a partnership officer opens the datasets from the navigation,
reads the hotspots (the area view beside its table, the emerging problems) and the trends (the
chart beside its table), choosing a dataset and an area; every page passes axe-core."""
from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from playwright.sync_api import expect

from portal.models import OrganisationKind
from portal.protocols.services import protocol_pack_load
from portal.roles import Role
from tests.browser.test_disclosure_journey import sign_in_through_pages
from tests.datasets.factories import accepted_submission
from tests.portal.factories import MembershipFactory, OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def durham_data():
    pack, _ = protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / "durham-2021.yaml")
    partnership = pack.partnership
    police = OrganisationFactory(name="Durham Constabulary", kind=OrganisationKind.POLICE, partnerships=[partnership])
    council = OrganisationFactory(name="Durham County Council", partnerships=[partnership])
    submitter = MembershipFactory(organisation=police)
    counts = {}
    for n in range(12):
        month = datetime.date(2025, n + 1, 1)
        counts[("DH1", "asb-personal", month)] = 60 if n == 11 else 20
        counts[("DH7", "asb-nuisance", month)] = 3
        counts[("DL14", "asb-nuisance", month)] = 12
        counts[("SR8", "asb-environmental", month)] = 9
    accepted_submission(organisation=police, partnership=partnership, user=submitter.user, dataset_code="police-asb", counts=counts)
    return MembershipFactory(organisation=council, user__first_name="Neil", user__last_name="Foster", role=Role.OFFICER)


def test_an_officer_reads_hotspots_and_trends(page, durham_data, assert_accessible):
    sign_in_through_pages(page, durham_data.user, lambda page, what: assert_accessible(page))
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Datasets").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Depersonalised datasets")
    assert_accessible(page)

    page.get_by_role("link", name="Hospital admissions by ICD-10 block (NHS)").click()
    expect(page.get_by_role("cell", name="Assault (X85-Y09)")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Hotspots").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hotspots")
    page.get_by_label("Dataset", exact=True).select_option(label="Anti-social behaviour incidents (police)")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Anti-social behaviour incidents (police), January 2025 to December 2025")).to_be_visible()
    expect(page.get_by_role("img", name="Records by postcode district, County Durham")).to_be_visible()
    table = page.get_by_role("table").filter(has=page.get_by_text("Records by district and category"))
    expect(table.get_by_role("row", name="DH1")).to_contain_text("280")
    expect(page.get_by_role("table").filter(has=page.get_by_text("Monthly average before"))).to_contain_text("DH1")
    assert_accessible(page)

    # One month: DH7's 3 is suppressed in the table and hatched in the area view.
    page.get_by_label("From (month) (optional)").fill("03/2025")
    page.get_by_label("To (month) (optional)").fill("03/2025")
    page.get_by_role("button", name="Show").click()
    expect(table.get_by_role("row", name="DH7")).to_contain_text("*")
    assert page.locator("svg g title", has_text="DH7: suppressed").count() == 1
    assert_accessible(page)

    page.get_by_role("link", name="Trends").first.click()
    page.get_by_label("Dataset", exact=True).select_option(label="Anti-social behaviour incidents (police)")
    page.get_by_label("Area (postcode district) (optional)").select_option("DH1")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("img", name="Records each month, January 2025 to December 2025")).to_be_visible()
    expect(page.get_by_role("row", name="Dec 2025")).to_contain_text("60")
    assert_accessible(page)
