"""Issue 3 end to end, in a real browser: an officer of A raises a request to B through the task
list and sends it; B's designated officer assigns it; the assignee runs the key-questions
flowchart and releases it in full under a protective marking; the requester reads the release
(marked at the top and bottom of the page) and downloads the marked PDF copy; an officer of a
third organisation gets 404 on the same URL. Every page a person sees passes axe-core (no serious
or critical violation), and the decision log and access log say what happened.

Each person has their own browser context. The requester signs in through the real pages
(password, then an authenticator code); the others get a fully signed-in session (both factors,
acting membership set) whose cookie is put into their context.
"""
from __future__ import annotations

import re
import subprocess
from datetime import date, timedelta
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from portal.auth.services import totp_code_now
from portal.models import AccessLogEntry, DecisionLogEntry
from sharing.models import DisclosureRequest, Status
from sharing.services.raising import gateways_for
from tests.portal.factories import TEST_PASSWORD, TOTPDeviceFactory
from tests.sharing.conftest import pack, parties  # noqa: F401  (the sharing tests' fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Dates are typed as the hints say: day/month/year.
SUBJECT = {"name": "Jordan Example", "dob": "1/4/1990", "address": "1 Example Street\nStockport SK1 1AA"}
PURPOSE = "Reducing crime and disorder, anti-social behaviour and substance misuse"
GATEWAY = "Anti-Social Behaviour Act 2003"
ART6_BASIS = "UK GDPR Art 6(1)(e): Public task"
SCHEDULE1_CONDITION = "DPA 2018 Sch 1 Pt 2 para 10: Preventing or detecting unlawful acts"
INFORMATION_FLAGS = {  # legend -> answer
    "Does it involve special category data, such as health, ethnicity or sexual life?": "No",
    "Does it involve criminal offence data?": "Yes",
    "Does it involve information about victims or witnesses?": "No",
    "Is the matter under investigation or prosecution?": "No",
}
FLOWCHART = [  # (question, answer): purpose yes -> identifiable yes -> confidential no -> share
    ("Is there a clear and legitimate purpose for sharing the information?", "Yes"),
    ("Does the information enable a living person to be identified?", "Yes"),
    ("Is the information confidential?", "No"),
]
MARKING = "Restricted"
# Long enough that the PDF copy runs to more than one page, so "on every page" means something.
RELEASED_TEXT = "Incidents recorded at the address:\n" + "\n".join(
    f"{date(2024, 1, 2) + timedelta(days=6 * n):%d/%m/%Y}: noise and anti-social behaviour reported by a neighbour; "
    f"warning letter {n + 1} sent."
    for n in range(60)
)
RELEASED_FIRST_LINE = "Incidents recorded at the address:"


# ---------------------------------------------------------------------------------------------
# People and their browsers
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def open_browser(browser, live_server):
    """open_browser() -> a page in a new browser context of its own (closed after the test)."""
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


@pytest.fixture
def a11y(assert_accessible):
    """a11y(page, what): axe-core on the page, and a record of every page checked."""
    checked: list[str] = []

    def check(page, what: str):
        assert_accessible(page)
        checked.append(f"{what} ({urlparse(page.url).path})")

    check.checked = checked
    return check


def sign_in_through_pages(page, user, a11y):
    """Password, then a code from the person's authenticator, on the real sign-in pages."""
    device = TOTPDeviceFactory(user=user)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in/"))
    a11y(page, "sign in")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your security code")
    a11y(page, "security code")
    page.get_by_label("Security code").fill(totp_code_now(key_hex=device.key))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Welcome"))


def signed_in_as(open_browser, people, live_server, name):
    """A page whose context carries a session that passed both factors, acting as `name`."""
    client = people.client(name)
    page = open_browser()
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": live_server.url}])
    return page


def save_and_return(page):
    page.get_by_role("button", name="Save and return to the request").click()
    page.wait_for_load_state()
    problems = page.locator(".govuk-error-summary")
    assert not problems.count(), f"the page refused the answers: {problems.inner_html()}"
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Request information from "))


def task_status(page, title):
    link = page.get_by_role("link", name=title, exact=True)
    return page.locator(f"#{link.get_attribute('aria-describedby')}")


# ---------------------------------------------------------------------------------------------
# 1. The requester raises the request and sends it
# ---------------------------------------------------------------------------------------------


def raise_request(page, people, a11y) -> DisclosureRequest:
    page.goto("/")
    a11y(page, "home (requester)")
    page.get_by_role("button", name="Raise a request").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Which organisation holds the information?")
    a11y(page, "raise: choose the holding organisation")
    page.get_by_role("radio", name=people.b.name, exact=True).check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Request information from {people.b.name}")
    a11y(page, "raise: task list")
    add_subject(page, a11y)
    fill_purpose(page, people, a11y)
    fill_information(page, a11y)
    fill_urgency(page, a11y)
    fill_checklist(page, people, a11y)
    for title in ("People the request is about", "Purpose and legal basis", "Information requested", "Urgency",
                  "Necessity and proportionality checklist"):
        expect(task_status(page, title)).to_have_text("Completed")
    expect(task_status(page, "Check your answers and send")).to_have_text("Ready to send")
    a11y(page, "raise: task list, every section completed")

    page.get_by_role("link", name="Check your answers and send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before sending the request")
    main = page.get_by_role("main")
    for text in (SUBJECT["name"], "1 April 1990", "Stockport SK1 1AA", "Offender or alleged offender", PURPOSE,
                 GATEWAY, "UK GDPR Art 6(1)(e): Public task", "DPA 2018 Sch 1 Pt 2 para 10", "Routine"):
        expect(main).to_contain_text(text)
    expect(main).not_to_contain_text("Not answered")
    a11y(page, "raise: check your answers")
    page.get_by_role("button", name="Send the request").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^DR-"))
    expect(page.get_by_text(re.compile(rf"has been sent to {re.escape(people.b.name)}"))).to_be_visible()
    reference = page.get_by_role("heading", level=1).inner_text().strip()
    a11y(page, "request page after sending (requester)")
    disclosure = DisclosureRequest.objects.get(reference=reference)
    assert disclosure.status == Status.SUBMITTED
    assert urlparse(page.url).path == f"/requests/{disclosure.pk}/"
    return disclosure


def add_subject(page, a11y):
    page.get_by_role("link", name="People the request is about").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People the request is about")
    a11y(page, "raise: people")
    page.get_by_role("button", name="Add a person").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a person")
    a11y(page, "raise: add a person")
    page.get_by_label("Full name").fill(SUBJECT["name"])
    for box, value in zip(("Day", "Month", "Year"), SUBJECT["dob"].split("/"), strict=True):
        page.get_by_role("group", name="Date of birth").get_by_label(box).fill(value)
    page.get_by_label("Address").fill(SUBJECT["address"])
    role = page.get_by_role("group", name="What is their role in the matter?")
    role.get_by_role("radio", name="Offender or alleged offender").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People the request is about")
    expect(page.get_by_role("heading", name=SUBJECT["name"])).to_be_visible()
    a11y(page, "raise: people, one added")
    save_and_return(page)


def fill_purpose(page, people, a11y):
    page.get_by_role("link", name="Purpose and legal basis").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Purpose and legal basis")
    a11y(page, "raise: purpose and legal basis")
    page.get_by_role("group", name="What is the purpose of the request?").get_by_label(PURPOSE).check()

    gateways = page.get_by_role("group", name=f"Which legal gateway allows {people.b.name} to share it?")
    offered = [label.strip() for label in gateways.locator("label").all_inner_texts()]
    allowed = list(gateways_for(pack=people.pack, holding=people.b).values_list("name", flat=True))
    assert offered == allowed, "only the gateways B's kind of organisation may rely on are offered"
    assert "Police Act 1996" not in offered and "Common Law" not in offered  # police-only gateways
    gateways.get_by_label(GATEWAY, exact=True).check()

    page.get_by_role("checkbox", name=ART6_BASIS).check()
    page.get_by_role("checkbox", name=SCHEDULE1_CONDITION).check()
    save_and_return(page)


def fill_information(page, a11y):
    page.get_by_role("link", name="Information requested").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Information requested")
    a11y(page, "raise: information requested")
    page.get_by_label("What information are you asking for?").fill(
        "Any record of anti-social behaviour or criminal damage at the address in the last 12 months."
    )
    for legend, answer in INFORMATION_FLAGS.items():
        page.get_by_role("group", name=legend).get_by_role("radio", name=answer, exact=True).check()
    save_and_return(page)


def fill_urgency(page, a11y):
    page.get_by_role("link", name="Urgency", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Urgency")
    a11y(page, "raise: urgency")
    page.get_by_role("group", name="How urgent is the request?").get_by_role("radio", name="Routine").check()
    needed_by = timezone.localdate() + timedelta(days=14)
    page.get_by_label("When do you need the information by?").fill(f"{needed_by.day}/{needed_by.month}/{needed_by.year}")
    save_and_return(page)


def fill_checklist(page, people, a11y):
    questions = list(people.pack.checklist_questions.order_by("order"))
    assert len(questions) == 8
    page.get_by_role("link", name="Necessity and proportionality checklist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Necessity and proportionality checklist")
    a11y(page, "raise: checklist")
    for question in questions:
        group = page.get_by_role("group", name=f"{question.number}. {question.text}")
        group.get_by_role("radio", name="Yes", exact=True).check()
        page.get_by_label(f"Your reason for your answer to question {question.number}", exact=True).fill(
            f"Reason {question.number}: needed to assess the risk of further anti-social behaviour at the address."
        )
    save_and_return(page)


# ---------------------------------------------------------------------------------------------
# 2. B's designated officer assigns it
# ---------------------------------------------------------------------------------------------


def assign_request(page, disclosure, assignee, a11y):
    page.goto("/")
    a11y(page, "home (B's designated officer)")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Inbox").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Requests inbox")
    a11y(page, "inbox (B's designated officer)")
    row = page.get_by_role("row").filter(has_text=disclosure.reference)
    expect(row).to_contain_text("New")
    row.get_by_role("link", name=f"Assign {disclosure.reference}").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Who should review this request?")
    a11y(page, "assign")
    page.get_by_role("radio", name=f"{assignee.display_name} (partner officer)").check()
    page.get_by_role("button", name="Assign", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Requests inbox")
    expect(page.get_by_text(f"{disclosure.reference} has been assigned to {assignee.display_name}")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=disclosure.reference)).to_contain_text(assignee.display_name)
    a11y(page, "inbox after assigning")


# ---------------------------------------------------------------------------------------------
# 3. The assignee runs the flowchart and releases in full
# ---------------------------------------------------------------------------------------------


def run_flowchart(page, disclosure, people, a11y):
    page.goto("/")
    a11y(page, "home (assignee)")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Inbox").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Requests inbox")
    a11y(page, "inbox (assignee)")
    page.get_by_role("link", name=disclosure.reference, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(disclosure.reference)
    a11y(page, "request page (assignee, in review)")
    page.get_by_role("button", name="Run the key-questions flowchart").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Key-questions flowchart")
    a11y(page, "flowchart: start")
    page.get_by_role("button", name="Start the flowchart").click()

    for number, (question, answer) in enumerate(FLOWCHART, start=1):
        expect(page.get_by_role("heading", level=1)).to_have_text(question)
        a11y(page, f"flowchart: key question {number}")
        page.get_by_role("radio", name=answer, exact=True).check()
        page.get_by_role("textbox", name=re.compile(r"^Note")).fill(f"Answer {number}: from our records.")
        page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Share")
    a11y(page, "flowchart: outcome (share)")
    confirmations = page.get_by_role("group", name=re.compile(r"^Before you share, confirm that you will"))
    expected = [item["text"] for item in people.pack.data["flowchart"]["share_confirmations"]]
    boxes = confirmations.get_by_role("checkbox")
    expect(boxes).to_have_count(len(expected))
    for text in expected:
        confirmations.get_by_role("checkbox", name=text).check()
    page.get_by_label("Reasons for your decision").fill("Clear purpose; identifies the person; not confidential.")
    page.get_by_role("button", name="Record the outcome").click()


def decide_release(page, disclosure, people, a11y):
    expect(page.get_by_role("heading", level=1)).to_have_text("Make a decision")
    expect(page.get_by_text("The flowchart's outcome has been recorded. Now make your decision.")).to_be_visible()
    a11y(page, "decide")
    page.get_by_role("group", name="What is your decision?").get_by_role("radio", name="Release in full").check()
    page.get_by_label("Reasons for your decision").fill("Necessary and proportionate for the purpose given.")
    markings = page.get_by_role("group", name="Protective marking")
    expect(markings.get_by_role("radio")).to_have_count(3)
    expect(markings.get_by_role("radio", name="Confidential (only on a secure network)")).to_be_visible()
    markings.get_by_role("radio", name=MARKING, exact=True).check()

    item = page.get_by_role("group", name="Item 1")
    item.get_by_label("Information released").fill(RELEASED_TEXT)
    item.get_by_role("radio", name="Fact", exact=True).check()
    expect(item.get_by_label("Which organisation does it come from?").locator("option:checked")).to_have_text(
        people.b.name
    )
    page.get_by_role("button", name="Record the decision").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(disclosure.reference)
    expect(page.get_by_text(f"Your decision on {disclosure.reference} has been recorded")).to_be_visible()
    disclosure.refresh_from_db()
    assert disclosure.status == Status.RELEASED
    a11y(page, "request page (assignee, released)")


# ---------------------------------------------------------------------------------------------
# 4. The requester reads the release and downloads the PDF copy
# ---------------------------------------------------------------------------------------------


def read_release(page, disclosure, a11y):
    page.goto("/")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="My requests").click()
    a11y(page, "my requests")
    page.get_by_role("link", name=disclosure.reference, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(disclosure.reference)
    expect(page.get_by_text("Released", exact=True)).to_be_visible()

    items = page.get_by_role("table", name="Items released")
    expect(items).to_contain_text(RELEASED_FIRST_LINE)
    expect(items).to_contain_text("Fact")

    top = page.get_by_role("region", name="Protective marking", exact=True)
    bottom = page.get_by_role("region", name="Protective marking, end of page", exact=True)
    expect(top).to_contain_text(MARKING.upper())
    expect(bottom).to_contain_text(MARKING.upper())
    # At the top and the bottom of the page: before the header, after the footer.
    assert page.evaluate(
        """() => {
            const [top, bottom] = document.querySelectorAll('.portal-marking');
            const header = document.querySelector('header'), footer = document.querySelector('footer');
            return !!(top.compareDocumentPosition(header) & Node.DOCUMENT_POSITION_FOLLOWING)
                && !!(bottom.compareDocumentPosition(footer) & Node.DOCUMENT_POSITION_PRECEDING);
        }"""
    )
    a11y(page, "request page (requester, released)")


def download_pdf(page, requester):
    """The PDF copy: its protective marking at the top and bottom of every page, and who downloaded it."""
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"^Download a PDF copy")).click()
    path = download.value.path()
    assert path.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    assert len(pages) >= 2, "the released item is long enough to need more than one PDF page"
    for number, page_text in enumerate(pages, start=1):
        lines = [line.strip() for line in page_text.splitlines() if line.strip()]
        assert lines and lines[0] == MARKING.upper(), f"marking missing from the top of PDF page {number}"
        assert MARKING.upper() in lines[-3:], f"marking missing from the bottom of PDF page {number}"
    assert "Downloaded by" in text
    assert f"Downloaded by {requester.display_name}" in text
    assert RELEASED_FIRST_LINE in text


# ---------------------------------------------------------------------------------------------
# 5. A third organisation gets 404
# ---------------------------------------------------------------------------------------------


def third_party_gets_404(page, disclosure, a11y):
    response = page.goto(f"/requests/{disclosure.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_role("main")).not_to_contain_text(SUBJECT["name"])
    a11y(page, "404 (officer of C)")


# ---------------------------------------------------------------------------------------------
# The journey
# ---------------------------------------------------------------------------------------------


def test_request_raised_assigned_released_and_downloaded(open_browser, live_server, parties, a11y):  # noqa: F811
    requester_page = open_browser()
    sign_in_through_pages(requester_page, parties.requester, a11y)
    disclosure = raise_request(requester_page, parties, a11y)

    assign_request(signed_in_as(open_browser, parties, live_server, "do_b"), disclosure, parties.assignee, a11y)

    assignee_page = signed_in_as(open_browser, parties, live_server, "assignee")
    run_flowchart(assignee_page, disclosure, parties, a11y)
    decide_release(assignee_page, disclosure, parties, a11y)

    read_release(requester_page, disclosure, a11y)
    download_pdf(requester_page, parties.requester)

    third_party_gets_404(signed_in_as(open_browser, parties, live_server, "officer_c"), disclosure, a11y)

    actions = set(DecisionLogEntry.objects.filter(reference=disclosure.reference).values_list("action", flat=True))
    assert {"request.submitted", "request.assigned", "request.flowchart_outcome", "request.released"} <= actions
    requester_access = set(
        AccessLogEntry.objects.filter(reference=disclosure.reference, user=parties.requester).values_list(
            "kind", flat=True
        )
    )
    assert {"view", "download"} <= requester_access
    assert not AccessLogEntry.objects.filter(reference=disclosure.reference, user=parties.officer_c).exists()

    print("\nPages checked with axe-core:\n" + "\n".join(f"- {what}" for what in a11y.checked))
