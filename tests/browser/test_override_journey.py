"""Issue 4 end to end, in a real browser: a public-interest override from proposal to approval to
release (SSP 6.2–6.4). B's designated officer is the responder here: they run the flowchart to
"share in the public interest", propose the override, and are refused its approval (four eyes);
a second designated officer of B finds it in their queue and approves it; the responder then
releases. Every page a person sees passes axe-core (no serious or critical violation).

Each person has their own browser context with a fully signed-in session (both factors, acting
membership set) whose cookie is put into it.
"""
from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from portal.models import DecisionLogEntry
from portal.roles import Role
from sharing.models import OverrideStatus, PublicInterestOverride, Status
from sharing.services import review
from tests.portal.factories import MembershipFactory
from tests.sharing.conftest import pack, parties  # noqa: F401  (the sharing tests' fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FLOWCHART = [
    ("Is there a clear and legitimate purpose for sharing the information?", "Yes"),
    ("Does the information enable a living person to be identified?", "Yes"),
    ("Is the information confidential?", "Yes"),
    ("Do you have consent to share?", "No"),
    ("Is there sufficient public interest to share?", "Yes"),
]


@pytest.fixture
def open_browser(browser, live_server):
    contexts = []

    def open_one():
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_one
    for context in contexts:
        context.close()


def signed_in_as(open_browser, parties, live_server, name):
    client = parties.client(name)
    page = open_browser()
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": live_server.url}])
    return page


def no_errors(page):
    problems = page.locator(".govuk-error-summary")
    assert not problems.count(), f"the page refused the answers: {problems.inner_text()}"


def test_override_from_proposal_to_approval_to_release(parties, open_browser, live_server, assert_accessible):
    second = MembershipFactory(organisation=parties.b, role=Role.DESIGNATED_OFFICER, user__username="do_b2")
    parties.memberships["do_b2"] = second
    req = parties.request()
    review.disclosure_assign(
        disclosure=req, assignee=parties.do_b, acting_user=parties.do_b, acting_membership=parties.memberships["do_b"]
    )
    detail = reverse("sharing:request_detail", args=[req.pk])

    # The responder (B's designated officer) runs the flowchart to "share in the public interest".
    responder = signed_in_as(open_browser, parties, live_server, "do_b")
    responder.goto(detail)
    assert_accessible(responder)
    responder.get_by_role("button", name="Run the key-questions flowchart").click()
    responder.get_by_role("button", name=re.compile("Start")).click()
    for question, answer in FLOWCHART:
        expect(responder.get_by_role("heading", level=1)).to_contain_text(question)
        responder.get_by_label(answer, exact=True).check()
        responder.get_by_role("button", name="Continue").click()
    expect(responder.get_by_role("heading", level=1)).to_contain_text("Share in the public interest")
    for box in responder.locator("input[name=confirmations]").all():
        box.check()
    responder.get_by_label("Reasons for your decision").fill("Threats to neighbours; the review meets next week.")
    responder.locator("textarea[name=justification]").fill("Prevention of crime (SSP 6.3).")
    responder.get_by_role("button", name="Record the outcome").click()
    no_errors(responder)

    # The decide page says an override is needed; release is refused until it is approved.
    expect(responder.get_by_role("heading", level=1)).to_have_text("Make a decision")
    expect(responder.locator("main")).to_contain_text("Not proposed")
    assert_accessible(responder)

    # The proposal: first sent empty (errors, accessible), then complete.
    responder.goto(reverse("sharing:override_propose", args=[req.pk]))
    expect(responder.get_by_role("heading", level=1)).to_have_text("Propose a public-interest override")
    assert_accessible(responder)
    responder.get_by_role("button", name="Send for approval").click()
    expect(responder.locator(".govuk-error-summary")).to_contain_text("Select the public-interest grounds that apply")
    assert_accessible(responder)
    responder.get_by_label("Consent was not sought").check()
    responder.get_by_label("Seeking consent would put someone at risk").check()
    responder.get_by_label("Prevention of crime").check()
    responder.get_by_label("UK GDPR Art 6(1)(e): Public task").check()
    responder.get_by_label(re.compile(r"^DPA 2018 Sch 1 Pt 2 para 10")).check()
    responder.get_by_label("Why is this much information, to these people, proportionate?").fill(
        "Only the complaints at this address, only to the case review."
    )
    responder.get_by_label("What is the risk of not sharing?").fill("Violence against neighbours.")
    responder.get_by_label(re.compile("less intrusive alternatives")).fill("Anonymised figures would hide the pattern.")
    responder.get_by_role("button", name="Send for approval").click()
    no_errors(responder)
    expect(responder.get_by_role("heading", level=1)).to_have_text(req.reference)
    expect(responder.locator("main")).to_contain_text("Waiting for a designated officer's approval")
    assert_accessible(responder)
    override = PublicInterestOverride.objects.get(request=req)
    decide_url = reverse("sharing:override_decide", args=[req.pk, override.pk])

    # Four eyes: the designated officer who proposed it cannot approve it.
    refused = responder.goto(decide_url)
    assert refused.status == 403

    # The second designated officer finds it in their queue and approves it.
    approver = signed_in_as(open_browser, parties, live_server, "do_b2")
    approver.goto("/")
    approver.get_by_role("link", name="Designated officer's queue").click()
    expect(approver.get_by_role("heading", level=1)).to_have_text("Designated officer's queue")
    expect(approver.locator("main")).to_contain_text(req.reference)
    assert_accessible(approver)
    approver.get_by_role("link", name=f"Approve or reject {req.reference}").click()
    expect(approver.get_by_role("heading", level=1)).to_have_text("Approve or reject the public-interest override")
    assert_accessible(approver)
    approver.get_by_role("button", name="Record your decision").click()
    expect(approver.locator(".govuk-error-summary")).to_contain_text("Select whether you approve or reject")
    assert_accessible(approver)
    approver.get_by_label(re.compile("^Approve")).check()
    approver.get_by_label("Reasons for your decision").fill("The risk to neighbours outweighs the intrusion.")
    approver.get_by_role("button", name="Record your decision").click()
    no_errors(approver)
    expect(approver.locator("main")).to_contain_text("Approved")
    assert_accessible(approver)

    # The responder releases.
    responder.goto(reverse("sharing:request_decide", args=[req.pk]))
    expect(responder.locator("main")).to_contain_text("Approved")
    assert_accessible(responder)
    responder.get_by_label("Release in full").check()
    responder.get_by_label("Reasons for your decision").fill("Released in the public interest under the approved override.")
    responder.get_by_label("Restricted", exact=True).check()
    responder.get_by_label("Information released").first.fill("Three complaints of threats since January.")
    responder.get_by_label("Fact", exact=True).first.check()
    responder.get_by_role("button", name="Record the decision").click()
    no_errors(responder)
    expect(responder.get_by_role("heading", level=1)).to_have_text(req.reference)
    expect(responder.locator("main")).to_contain_text("Released")
    assert_accessible(responder)

    req.refresh_from_db()
    override.refresh_from_db()
    assert req.status == Status.RELEASED
    assert override.status == OverrideStatus.APPROVED and override.decided_by == second.user
    actions = list(DecisionLogEntry.objects.filter(reference=req.reference).order_by("id").values_list("action", flat=True))
    assert actions.index("override.proposed") < actions.index("override.approved") < actions.index("request.released")
