"""Issue 16 in a real browser, each page through axe-core: one probation officer, whose
organisation is a member of both the Safer Stockport and the Safe Durham partnerships, raises a
request under Durham's protocol (offered only Durham's gateways) and finds requests from both
partnerships in one inbox, each labelled with its partnership."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sharing.services import raising
from tests.browser.test_override_journey import no_errors, open_browser, signed_in_as  # noqa: F401
from tests.sharing.test_partnerships import raised, two  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_one_officer_works_in_both_partnerships(two, open_browser, live_server, assert_accessible):  # noqa: F811
    from_stockport = raised(two, two.stockport, "gmp_officer", two.probation)
    from_durham = raised(two, two.durham, "durham_officer", two.probation)
    page = signed_in_as(open_browser, two, live_server, "probation_officer")

    page.goto("/requests/inbox/")
    main = page.locator("main")
    expect(main).to_contain_text(from_stockport.reference)
    expect(main).to_contain_text(from_durham.reference)
    expect(page.get_by_role("row", name=from_stockport.reference)).to_contain_text("Safer Stockport Partnership")
    expect(page.get_by_role("row", name=from_durham.reference)).to_contain_text("Safe Durham Partnership")
    assert_accessible(page)

    page.goto("/requests/raise/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Which organisation holds the information?")
    assert_accessible(page)
    page.get_by_label("Durham County Council (Safe Durham Partnership)").check()
    page.get_by_role("button", name="Continue").click()
    no_errors(page)
    expect(page.locator(".govuk-caption-l").first).to_contain_text("under the Safe Durham Partnership protocol")
    assert_accessible(page)

    page.get_by_role("link", name="Purpose and legal basis").click()
    assert_accessible(page)
    durham_names = set(raising.gateways_for(pack=two.durham, holding=two.durham_council).values_list("name", flat=True))
    stockport_only = set(two.stockport.legal_gateways.values_list("name", flat=True)) - set(
        two.durham.legal_gateways.values_list("name", flat=True)
    )
    content = page.locator("main").inner_text()
    assert durham_names and all(name in content for name in durham_names)
    assert not any(name in content for name in stockport_only)
    assert from_durham.protocol_pack == two.durham
