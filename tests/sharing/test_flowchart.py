"""The key-questions flowchart (SSP Appendix 3, DOMAIN.md §6) through the responder's pages."""

import html

import pytest
from django.urls import reverse

from portal.models import DecisionLogEntry, Notification
from sharing.models import FlowchartRun, NoteKind, RequestNote, Status
from sharing.services import review

pytestmark = pytest.mark.django_db

CONFIRMATIONS = ["minimum", "fact-opinion", "right-person", "securely", "inform"]


@pytest.fixture
def req(parties):
    request = parties.request()
    review.disclosure_assign(
        disclosure=request,
        assignee=parties.assignee,
        acting_user=parties.do_b,
        acting_membership=parties.memberships["do_b"],
    )
    request.refresh_from_db()
    return request


@pytest.fixture
def client(parties):
    return parties.client("assignee")


def start(client, req):
    response = client.post(reverse("sharing:flowchart_start", args=[req.pk]))
    assert response.status_code == 302
    return response["Location"]


def answer(client, req, code, value, **extra):
    data = {"answer": value, "note": extra.pop("note", ""), **extra}
    response = client.post(reverse("sharing:flowchart_question", args=[req.pk, code]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return response["Location"]


def q(req, code):
    return reverse("sharing:flowchart_question", args=[req.pk, code])


def outcome_url(req):
    return reverse("sharing:flowchart_outcome", args=[req.pk])


def test_share_path_end_to_end(parties, req, client):
    assert start(client, req) == q(req, "purpose")
    page = client.get(q(req, "purpose"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Is there a clear and legitimate purpose for sharing the information?" in body
    assert "golden rules" in body.lower()
    assert "Not sure" in body

    assert answer(client, req, "purpose", "yes", note="Crime prevention purpose given") == q(req, "identifiable")
    assert answer(client, req, "identifiable", "yes") == q(req, "confidential")
    assert answer(client, req, "confidential", "no") == outcome_url(req)

    page = client.get(outcome_url(req))
    assert page.status_code == 200
    assert "Share the right information with the right person." in page.content.decode()
    # One rule, said once: every point is required, so nothing is labelled optional.
    assert "Before you share, confirm that you will (optional)" not in page.content.decode()
    assert "All of these are required: select every point." in page.content.decode()

    # The confirmations are all required, and the reasons: the error names what is missing.
    response = client.post(outcome_url(req), {"confirmations": CONFIRMATIONS[:2], "reasons": ""})
    body = response.content.decode()
    assert response.status_code == 200
    assert (
        "Confirm every point before sharing. Still to confirm: Share the right information with the right person. "
        "Share the information securely. Inform the person that the information has been shared, where it is safe "
        "to do so." in html.unescape(body)
    )
    assert "Enter the reasons for your decision" in body
    response = client.post(outcome_url(req), {"reasons": "Needed."})
    assert "Confirm every point before sharing. Still to confirm: Share only the minimum" in html.unescape(
        response.content.decode()
    )

    response = client.post(outcome_url(req), {"confirmations": CONFIRMATIONS, "reasons": "Not confidential; needed."})
    assert response.status_code == 302
    assert response["Location"] == reverse("sharing:request_decide", args=[req.pk])
    run = FlowchartRun.objects.get(request=req)
    assert run.completed_at is not None
    assert run.outcome == "share"
    assert run.confirmations == CONFIRMATIONS
    assert [step["node"] for step in run.path] == ["purpose", "identifiable", "confidential"]
    assert run.path[0]["note"] == "Crime prevention purpose given"
    entry = DecisionLogEntry.objects.get(reference=req.reference, action="request.flowchart_outcome")
    assert entry.details["outcome"] == "share"
    assert entry.details["path"] == [
        {"node": "purpose", "answer": "yes"},
        {"node": "identifiable", "answer": "yes"},
        {"node": "confidential", "answer": "no"},
    ]
    assert "Crime prevention purpose given" not in str(entry.details)  # notes stay out of the log details


def test_share_depersonalised(req, client):
    start(client, req)
    answer(client, req, "purpose", "yes")
    assert answer(client, req, "identifiable", "no") == outcome_url(req)
    assert "Share (depersonalised)" in client.get(outcome_url(req)).content.decode()
    client.post(outcome_url(req), {"confirmations": CONFIRMATIONS, "reasons": "Statistics only"})
    assert FlowchartRun.objects.get(request=req).outcome == "share_depersonalised"


def test_consent_yes_needs_a_justification(req, client):
    start(client, req)
    answer(client, req, "purpose", "yes")
    answer(client, req, "identifiable", "yes")
    answer(client, req, "confidential", "yes")
    assert answer(client, req, "consent", "yes") == outcome_url(req)
    response = client.post(outcome_url(req), {"confirmations": CONFIRMATIONS, "reasons": "Consent given"})
    assert response.status_code == 200
    assert "Enter your justification" in response.content.decode()
    response = client.post(
        outcome_url(req),
        {"confirmations": CONFIRMATIONS, "reasons": "Consent given", "justification": "Signed consent form of 3 May"},
    )
    assert response.status_code == 302
    run = FlowchartRun.objects.get(request=req)
    assert run.outcome == "share"
    assert "Signed consent form of 3 May" in run.reasons


def test_public_interest_share_needs_a_justification(req, client):
    start(client, req)
    for code, value in [("purpose", "yes"), ("identifiable", "yes"), ("confidential", "yes"), ("consent", "no")]:
        answer(client, req, code, value)
    assert answer(client, req, "public-interest", "yes") == outcome_url(req)
    assert "Share in the public interest" in client.get(outcome_url(req)).content.decode()
    response = client.post(outcome_url(req), {"confirmations": CONFIRMATIONS, "reasons": "Risk to others"})
    assert "Enter your justification" in response.content.decode()
    client.post(
        outcome_url(req),
        {"confirmations": CONFIRMATIONS, "reasons": "Risk to others", "justification": "Prevention of crime (SSP 6.3)"},
    )
    assert FlowchartRun.objects.get(request=req).outcome == "share_public_interest"


def test_do_not_share_needs_reasons_but_no_confirmations(req, client):
    start(client, req)
    assert answer(client, req, "purpose", "no") == outcome_url(req)
    page = client.get(outcome_url(req)).content.decode()
    assert "Do not share" in page
    assert "Share the right information with the right person." not in page
    response = client.post(outcome_url(req), {"reasons": ""})
    assert "Enter the reasons for your decision" in response.content.decode()
    response = client.post(outcome_url(req), {"reasons": "No legitimate purpose given"})
    assert response.status_code == 302
    run = FlowchartRun.objects.get(request=req)
    assert run.outcome == "do_not_share" and run.confirmations == []
    entry = DecisionLogEntry.objects.get(reference=req.reference, action="request.flowchart_outcome")
    assert entry.reasons == "No legitimate purpose given"


def test_not_sure_seeks_advice_and_advice_returns_it_to_review(parties, req, client):
    start(client, req)
    answer(client, req, "purpose", "yes")
    assert answer(client, req, "identifiable", "not_sure") == outcome_url(req)
    page = client.get(outcome_url(req)).content.decode()
    assert "Seek advice" in page
    response = client.post(outcome_url(req), {"question": ""})
    assert "Enter what you need advice on" in response.content.decode()
    response = client.post(outcome_url(req), {"question": "Is an address on its own identifying?"})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == Status.AWAITING_ADVICE
    assert RequestNote.objects.filter(request=req, kind=NoteKind.ADVICE_SOUGHT).exists()
    assert DecisionLogEntry.objects.filter(reference=req.reference, action="request.advice_sought").exists()
    notification = Notification.objects.get(
        recipient=parties.do_b, reference=req.reference, subject__icontains="advice"
    )
    assert "Jordan" not in notification.subject
    run = FlowchartRun.objects.get(request=req)
    assert run.outcome == "seek_advice" and run.completed_at is not None

    # While it waits, the assignee cannot run the flowchart.
    assert client.get(reverse("sharing:flowchart_start", args=[req.pk])).status_code == 302

    do_b = parties.client("do_b")
    url = reverse("sharing:request_advice", args=[req.pk])
    page = do_b.get(url)
    assert page.status_code == 200
    assert "Is an address on its own identifying?" in page.content.decode()
    response = do_b.post(url, {"advice": ""})
    assert "Enter your advice" in response.content.decode()
    response = do_b.post(url, {"advice": "Yes: treat it as identifying."})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == Status.IN_REVIEW
    assert RequestNote.objects.get(request=req, kind=NoteKind.ADVICE).text == "Yes: treat it as identifying."
    assert DecisionLogEntry.objects.filter(reference=req.reference, action="request.advice_given").exists()
    assert Notification.objects.filter(
        recipient=parties.assignee, reference=req.reference, subject__icontains="advice"
    ).exists()

    # A fresh run starts; the advice is shown on the start page.
    page = client.get(reverse("sharing:flowchart_start", args=[req.pk])).content.decode()
    assert "Yes: treat it as identifying." in page
    assert start(client, req) == q(req, "purpose")
    assert FlowchartRun.objects.filter(request=req).count() == 2


def test_safeguarding_concern_is_recorded_shown_and_does_not_block(parties, req, client):
    parties.b.safeguarding_route = "Call the MASH on 0161 000 0000 and tell your designated officer."
    parties.b.save(update_fields=["safeguarding_route"])
    start(client, req)
    nxt = answer(client, req, "purpose", "yes", safeguarding_concern="on", note="Child at the address")
    assert nxt == q(req, "identifiable")
    run = FlowchartRun.objects.get(request=req)
    assert run.safeguarding_concern is True
    assert RequestNote.objects.filter(request=req, kind=NoteKind.SAFEGUARDING).exists()
    assert DecisionLogEntry.objects.filter(reference=req.reference, action="request.safeguarding_concern").count() == 1
    page = client.get(nxt).content.decode()
    assert "Call the MASH on 0161 000 0000" in page
    assert "Safeguarding concern recorded" in page
    # Not blocking: the officer carries on to an outcome.
    answer(client, req, "identifiable", "yes")
    assert answer(client, req, "confidential", "no") == outcome_url(req)
    assert "Call the MASH" in client.get(outcome_url(req)).content.decode()
    # Ticking again does not record it twice.
    answer(client, req, "confidential", "no", safeguarding_concern="on")
    assert DecisionLogEntry.objects.filter(reference=req.reference, action="request.safeguarding_concern").count() == 1


def test_questions_are_answered_in_order_and_changes_drop_later_answers(req, client):
    start(client, req)
    # Skipping ahead sends you to the question you are on.
    response = client.get(q(req, "consent"))
    assert response.status_code == 302 and response["Location"] == q(req, "purpose")
    answer(client, req, "purpose", "yes")
    answer(client, req, "identifiable", "yes")
    # Change the first answer: the path restarts from there.
    assert answer(client, req, "purpose", "no") == outcome_url(req)
    run = FlowchartRun.objects.get(request=req)
    assert [(s["node"], s["answer"]) for s in run.path] == [("purpose", "no")]
    # The outcome page cannot be reached before an outcome.
    run.path = []
    run.save(update_fields=["path"])
    response = client.get(outcome_url(req))
    assert response["Location"] == q(req, "purpose")


def test_missing_answer_shows_an_error(req, client):
    start(client, req)
    response = client.post(q(req, "purpose"), {"answer": ""})
    assert response.status_code == 200
    assert "Select yes, no or not sure" in response.content.decode()
    response = client.post(q(req, "purpose"), {"answer": "maybe"})
    assert "Select yes, no or not sure" in response.content.decode()


def test_unknown_question_is_404(req, client):
    start(client, req)
    assert client.get(q(req, "no-such-question")).status_code == 404


def test_question_page_without_a_run_goes_to_the_start(req, client):
    response = client.get(q(req, "purpose"))
    assert response.status_code == 302
    assert response["Location"] == reverse("sharing:flowchart_start", args=[req.pk])


@pytest.mark.parametrize(
    "name,status",
    [
        ("officer_b", 404),
        ("officer_a", 404),
        ("officer_c", 404),
        ("do_c", 404),
        ("chair", 404),
        ("auditor", 404),
        ("admin", 404),
        ("requester", 403),
        ("do_a", 403),
        ("do_b", 403),
    ],
)
def test_only_the_assignee_runs_the_flowchart(parties, req, name, status):
    client = parties.client(name)
    assert client.get(reverse("sharing:flowchart_start", args=[req.pk])).status_code == status
    assert client.post(reverse("sharing:flowchart_start", args=[req.pk])).status_code == status
    assert client.get(q(req, "purpose")).status_code == status
    assert client.get(outcome_url(req)).status_code == status
