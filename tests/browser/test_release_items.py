"""The release form's "Add another item" in a real browser: with scripts the new row is added in
the page, so the files already chosen are still there when the decision is recorded (nothing
entered is lost), and the form still passes axe-core."""
from __future__ import annotations

import pytest
from django.urls import reverse

from sharing.models import Decision, Status
from tests.browser.test_override_journey import open_browser, signed_in_as  # noqa: F401  (fixture and helper)
from tests.sharing.conftest import pack, parties  # noqa: F401  (the sharing tests' fixtures)
from tests.sharing.test_decide import ready
from tests.sharing.test_uploads import MINIMAL_PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_adding_items_keeps_the_files_already_chosen(parties, open_browser, live_server, assert_accessible, tmp_path):
    req = ready(parties)
    scan = tmp_path / "incident log.pdf"
    scan.write_bytes(MINIMAL_PDF)
    page = signed_in_as(open_browser, parties, live_server, "assignee")
    page.goto(reverse("sharing:request_decide", args=[req.pk]))

    page.get_by_label("Release in full").check()
    page.locator("#id_reasons").fill("Necessary and proportionate for the MARAC.")
    page.locator("input[name=marking]").first.check()
    page.get_by_label("Attachments").set_input_files(str(scan))
    page.locator("#id_items-0-text").fill("Three call-outs to the address in March.")
    page.locator("#id_items-0-fact_or_opinion_0").check()

    page.get_by_role("button", name="Add another item").click()
    second = page.locator("#id_items-1-text")
    assert page.url.endswith(reverse("sharing:request_decide", args=[req.pk]))  # no round trip
    assert second.evaluate("element => element === document.activeElement")
    assert second.input_value() == ""
    assert page.locator("fieldset.portal-release-item > legend").nth(1).inner_text() == "Item 2"
    assert page.get_by_label("Attachments").evaluate("input => input.files.length") == 1
    assert_accessible(page)

    second.fill("The neighbour thinks the situation is escalating.")
    page.locator("#id_items-1-fact_or_opinion_1").check()
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_url(f"**{reverse('sharing:request_detail', args=[req.pk])}")

    req.refresh_from_db()
    assert req.status == Status.RELEASED
    decision = Decision.objects.get(request=req, is_current=True)
    assert [(i.text, i.fact_or_opinion) for i in decision.items.order_by("order", "pk")] == [
        ("Three call-outs to the address in March.", "fact"),
        ("The neighbour thinks the situation is escalating.", "opinion"),
    ]
    assert [a.original_name for a in decision.attachments.all()] == ["incident log.pdf"]
