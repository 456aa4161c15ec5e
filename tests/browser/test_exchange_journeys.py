"""Issue 14 in a real browser: a police officer sets up the monthly Force Threat and Risk
distribution, names a council officer and the council's DPOs (by role) and sends an issue; each
acknowledges the handling rules and downloads it; the sender sees who has acknowledged. Every page passes axe-core.
And the partner API's interactive reference renders under the portal's CSP, from its own files."""
from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect
from pypdf import PdfWriter

from portal.models import OrganisationKind
from portal.protocols.services import protocol_pack_load
from portal.roles import Role
from tests.conftest import sign_in_fully
from tests.portal.factories import MembershipFactory, OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user):
    client = sign_in_fully(Client(), user)
    page.context.clear_cookies()
    page.context.add_cookies([{
        "name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])


def pdf_file(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    path = tmp_path / "ftra-march.pdf"
    buffer = io.BytesIO()
    writer.write(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def test_a_marked_distribution_from_set_up_to_acknowledged_download(page, live_server, assert_accessible, tmp_path):
    protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / "stockport-2020.yaml")
    police = OrganisationFactory(name="Greater Manchester Police", kind=OrganisationKind.POLICE)
    council = OrganisationFactory(name="Stockport Council", kind=OrganisationKind.LOCAL_AUTHORITY)
    sender = MembershipFactory(organisation=police, role=Role.OFFICER, user__first_name="Pat", user__last_name="Sender")
    recipient = MembershipFactory(organisation=council, role=Role.OFFICER, user__first_name="Sam", user__last_name="Reader")
    dpo = MembershipFactory(organisation=council, role=Role.DPO, user__first_name="Dee", user__last_name="Protector")

    sign_in(page, live_server, sender.user)
    page.goto("/")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Distributions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Marked distributions")
    assert_accessible(page)
    page.get_by_role("button", name="Set up a distribution").click()
    page.get_by_role("button", name="Set up the distribution").click()  # nothing entered: errors
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the title of the document series")
    assert_accessible(page)
    page.get_by_label("Title of the document series").fill("Force Threat and Risk Assessment")
    page.get_by_label("Restricted").check()
    page.get_by_role("button", name="Set up the distribution").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Force Threat and Risk Assessment")
    page.get_by_label("Add a recipient").select_option(label="Sam Reader, Stockport Council (partner officer)")
    page.get_by_role("button", name="Add the recipient").click()
    # By role: "the DPOs of Stockport Council", resolved when each issue is sent.
    page.get_by_label("Organisation", exact=True).select_option(label="Stockport Council")
    page.get_by_role("button", name="Add the role").click()  # no role chosen: the error, the organisation kept
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the role that receives it")
    expect(page.get_by_label("Organisation", exact=True)).to_have_value(str(council.pk))
    assert_accessible(page)
    page.get_by_label("Data protection officers").check()
    page.get_by_role("button", name="Add the role").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Data protection officers of Stockport Council")
    page.get_by_label("Upload the next issue").set_input_files(str(pdf_file(tmp_path)))
    page.get_by_role("button", name="Send the issue").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Issue 1 sent")
    expect(page.locator("table").first).to_contain_text("Not yet")
    expect(page.locator("table").first).to_contain_text("Dee Protector")
    expect(page.locator("table").first).to_contain_text("Data protection officers of Stockport Council")
    assert_accessible(page)

    sign_in(page, live_server, dpo.user)
    page.goto("/")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Distributions").click()
    expect(page.get_by_role("button", name="Set up a distribution")).to_have_count(0)
    page.get_by_role("link", name="Force Threat and Risk Assessment, issue 1").click()
    page.get_by_label("I will keep to these handling rules").check()
    page.get_by_role("button", name="Acknowledge the handling rules").click()
    with page.expect_download() as dpo_download:
        page.get_by_role("link", name="Download the issue").click()
    assert dpo_download.value.suggested_filename.endswith(".pdf")
    assert_accessible(page)

    sign_in(page, live_server, recipient.user)
    page.goto("/exchange/distributions/")
    page.get_by_role("link", name="Force Threat and Risk Assessment, issue 1").click()
    page.get_by_role("button", name="Acknowledge the handling rules").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Confirm you will keep to the handling rules")
    assert_accessible(page)
    page.get_by_label("I will keep to these handling rules").check()
    page.get_by_role("button", name="Acknowledge the handling rules").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the issue").click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert_accessible(page)

    sign_in(page, live_server, sender.user)
    page.goto("/exchange/distributions/")
    page.get_by_role("link", name="Force Threat and Risk Assessment").click()
    expect(page.locator("table").first).not_to_contain_text("Not yet")


def test_the_api_reference_renders_from_the_portals_own_files_under_its_csp(page, live_server):
    blocked = []
    page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/api/v1/docs/")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    expect(page.locator(".swagger-ui")).to_contain_text("/api/v1/requests")
    assert not blocked, blocked
    assert all(url.startswith(live_server.url) for url in requests), [u for u in requests if not u.startswith(live_server.url)]


def test_a_cohort_workspace_shared_by_two_organisations(page, live_server, assert_accessible):
    pack, _ = protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / "stockport-2020.yaml")
    police = OrganisationFactory(name="Greater Manchester Police", kind=OrganisationKind.POLICE)
    council = OrganisationFactory(name="Stockport Council", kind=OrganisationKind.LOCAL_AUTHORITY)
    coordinator = MembershipFactory(organisation=police, role=Role.OFFICER, user__first_name="Pat", user__last_name="Lead")
    member = MembershipFactory(organisation=council, role=Role.OFFICER, user__first_name="Sam", user__last_name="Case")

    sign_in(page, live_server, coordinator.user)
    page.goto("/")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Cohorts").click()
    assert_accessible(page)
    page.get_by_role("button", name="Set up a cohort").click()
    page.get_by_label("Title of the cohort").fill("IOM fixed cohort")
    page.locator("input[name=forum]").first.check()
    page.get_by_label("Restricted").check()
    page.get_by_role("button", name="Set up the cohort").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("IOM fixed cohort")
    page.get_by_label("Add a member").select_option(label="Sam Case, Stockport Council (partner officer)")
    page.get_by_role("button", name="Add the member").click()
    page.get_by_role("button", name="Add the person").click()  # nothing entered
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the person's full name")
    page.get_by_label("Full name").fill("Jordan Example")
    page.get_by_role("button", name="Add the person").click()
    page.get_by_label("What your organisation's entry is about").select_option(label="Risk")
    page.get_by_label("Your organisation's entry", exact=True).fill("High risk of reoffending")
    page.get_by_role("button", name="Save the entry").click()
    expect(page.locator("main")).to_contain_text("High risk of reoffending")
    assert_accessible(page)

    sign_in(page, live_server, member.user)
    page.goto("/exchange/cohorts/")
    page.get_by_role("link", name="IOM fixed cohort").click()
    expect(page.locator("main")).to_contain_text("Jordan Example")
    expect(page.locator("main")).to_contain_text("High risk of reoffending")
    assert_accessible(page)
