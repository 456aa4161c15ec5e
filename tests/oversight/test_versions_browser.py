"""Bringing in a new protocol version, in a real browser (issue 12): the admin uploads a broken
pack and reads the problems with their field paths, uploads a sound one and reads what changes,
then the designated officers of both signatory organisations approve it and it is in force.
Every page passes axe-core."""
import pytest
from django.conf import settings
from playwright.sync_api import expect

from portal.protocols.selectors import current_protocol_pack
from tests.oversight.test_versions import new_version, partnership  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def as_member(open_page, membership, live_server):
    from tests.oversight.conftest import _client_as

    client = _client_as(membership)
    page = open_page()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}]
    )
    return page


@pytest.fixture
def open_page(browser, live_server):
    contexts = []

    def open_one():
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900})
        contexts.append(context)
        return context.new_page()

    yield open_one
    for context in contexts:
        context.close()


def test_upload_diff_and_approve_a_new_version(open_page, live_server, partnership, assert_accessible):  # noqa: F811
    pack, _, _, people = partnership
    admin = as_member(open_page, people["admin"], live_server)
    admin.goto("/")
    admin.get_by_role("link", name="Protocol versions").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("New protocol versions")
    assert_accessible(admin)
    broken = new_version().replace("review_date: 2029-05-01", "review_date: soon", 1)
    admin.get_by_label("The new version's YAML file").set_input_files(
        files=[{"name": "stockport-2026.yaml", "mimeType": "application/yaml", "buffer": broken.encode()}]
    )
    admin.get_by_role("button", name="Check and propose this version").click()
    expect(admin.locator(".govuk-error-summary")).to_contain_text("review_date:")
    assert_accessible(admin)
    admin.get_by_label("The new version's YAML file").set_input_files(
        files=[{"name": "stockport-2026.yaml", "mimeType": "application/yaml", "buffer": new_version().encode()}]
    )
    admin.get_by_role("button", name="Check and propose this version").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Version 2026: waiting for approval")
    expect(admin.get_by_text("Domestic Abuse and Stalking Steering Group")).to_be_visible()
    assert_accessible(admin)
    url = admin.url

    for name in ("do_police", "do_council"):
        page = as_member(open_page, people[name], live_server)
        page.goto(url)
        page.get_by_label("Note for the record (optional)").fill("Approved under the SSP board's delegation.")
        page.get_by_role("button", name="Approve version 2026").click()
        assert_accessible(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Version 2026: in force")
    assert current_protocol_pack(pack.partnership).version == "2026"


def test_withdraw_a_proposed_version(open_page, live_server, partnership, assert_accessible):  # noqa: F811
    from oversight.models import ProposalStatus, ProposedVersion

    pack, _, _, people = partnership
    admin = as_member(open_page, people["admin"], live_server)
    admin.goto("/oversight/versions/")
    admin.get_by_label("The new version's YAML file").set_input_files(
        files=[{"name": "stockport-2026.yaml", "mimeType": "application/yaml", "buffer": new_version().encode()}]
    )
    admin.get_by_role("button", name="Check and propose this version").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Version 2026: waiting for approval")
    url = admin.url
    officer = as_member(open_page, people["do_police"], live_server)
    officer.goto(url)
    officer.get_by_role("button", name="Approve version 2026").click()
    expect(officer.get_by_text("Withdraw version 2026")).to_have_count(0)

    admin.reload()
    admin.get_by_role("button", name="Withdraw version 2026").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Withdraw version 2026?")
    expect(admin.get_by_text("The 1 approval already recorded on version 2026 will be void")).to_be_visible()
    assert_accessible(admin)
    admin.get_by_role("button", name="Withdraw version 2026").click()
    expect(admin.locator(".govuk-error-summary")).to_contain_text("Enter why the version is withdrawn")
    assert_accessible(admin)
    admin.get_by_label("Why is this version withdrawn?").fill("The board found the retention periods wrong.")
    admin.get_by_role("button", name="Withdraw version 2026").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Version 2026: withdrawn")
    expect(admin.get_by_text("Void: version withdrawn")).to_be_visible()
    expect(admin.get_by_role("button", name="Withdraw version 2026")).to_have_count(0)
    assert_accessible(admin)
    assert ProposedVersion.objects.get().status == ProposalStatus.WITHDRAWN
    assert current_protocol_pack(pack.partnership).version == "2020"
