"""The decision: release in full, release in part, decline (sharing/services/decide.py and the
decide page in sharing/views/holding.py)."""

import os

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.models import DecisionLogEntry, Notification, ProtocolPack
from portal.protocols.services import protocol_pack_load
from sharing import lifecycle
from sharing.models import Decision, ReleaseAttachment, ReleaseItem, Status, SubJudiceConsultation
from sharing.services import decide, review
from tests.sharing.factories import stockport_new_version
from tests.sharing.test_uploads import MINIMAL_PDF, image_bytes

pytestmark = pytest.mark.django_db

CONFIRMATIONS = ["minimum", "fact-opinion", "right-person", "securely", "inform"]
PATHS = {
    "share": [("purpose", "yes"), ("identifiable", "yes"), ("confidential", "no")],
    "do_not_share": [("purpose", "no")],
}


def assigned(parties, **kwargs):
    req = parties.request(**kwargs)
    review.disclosure_assign(
        disclosure=req, assignee=parties.assignee, acting_user=parties.do_b, acting_membership=parties.memberships["do_b"]
    )
    req.refresh_from_db()
    return req


def complete_flowchart(parties, req, outcome="share"):
    run = review.flowchart_run_start(disclosure=req, acting_user=parties.assignee)
    for code, value in PATHS[outcome]:
        run, _ = review.flowchart_answer(run=run, node_code=code, answer=value, acting_user=parties.assignee)
    return review.flowchart_complete(
        run=run,
        outcome=outcome,
        confirmations=CONFIRMATIONS if outcome != "do_not_share" else [],
        reasons="Recorded reasons",
        acting_user=parties.assignee,
    )


def ready(parties, **kwargs):
    req = assigned(parties, **kwargs)
    complete_flowchart(parties, req)
    return req


def marking(parties, code):
    return parties.pack.marking_levels.get(code=code)


def release(parties, req):
    """The assignee releases one item of fact, marked restricted (through the service)."""
    return decide.disclosure_decide(
        disclosure=req,
        outcome="released",
        reasons="Necessary.",
        marking=marking(parties, "restricted"),
        items=[decide.ItemInput(text="Call-outs.", fact_or_opinion="fact", originating_organisation=parties.b)],
        acting_user=parties.assignee,
    )


def form_data(parties, **overrides):
    data = {
        "outcome": "released",
        "reasons": "Necessary and proportionate for the MARAC.",
        "withheld": "",
        "marking": str(marking(parties, "restricted").pk),
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "50",
        "items-0-text": "Three call-outs to the address in March.",
        "items-0-fact_or_opinion": "fact",
        "items-0-originating_organisation": str(parties.b.pk),
        "items-1-text": "",
        "items-1-fact_or_opinion": "",
        "items-1-originating_organisation": str(parties.b.pk),
    }
    data.update(overrides)
    return data


def url(req):
    return reverse("sharing:request_decide", args=[req.pk])


def test_release_with_items_marking_and_attachment(parties):
    req = ready(parties)
    client = parties.client("assignee")
    page = client.get(url(req))
    assert page.status_code == 200
    assert "Restricted" in page.content.decode()
    data = form_data(
        parties,
        **{
            "items-TOTAL_FORMS": "3",
            "items-1-text": "Officer's view: the risk is rising.",
            "items-1-fact_or_opinion": "opinion",
            "items-1-originating_organisation": str(parties.a.pk),
            "items-2-text": "",
            "items-2-fact_or_opinion": "",
            "items-2-originating_organisation": str(parties.b.pk),
        },
    )
    data["attachments"] = [
        SimpleUploadedFile("incident log.pdf", MINIMAL_PDF, content_type="application/pdf"),
        SimpleUploadedFile("photo.png", image_bytes("PNG"), content_type="image/png"),
    ]
    response = client.post(url(req), data)
    assert response.status_code == 302, response.content.decode()[:5000]
    assert response["Location"] == reverse("sharing:request_detail", args=[req.pk])

    req.refresh_from_db()
    assert req.status == Status.RELEASED
    assert req.decided_at is not None
    assert req.decided_under == ProtocolPack.objects.get(is_current=True)
    decision = Decision.objects.get(request=req)
    assert decision.outcome == "released" and decision.is_current
    assert decision.marking.code == "restricted"
    assert decision.decided_by == parties.assignee and decision.organisation == parties.b
    items = list(ReleaseItem.objects.filter(decision=decision))
    assert [(i.text, i.fact_or_opinion, i.originating_organisation) for i in items] == [
        ("Three call-outs to the address in March.", "fact", parties.b),
        ("Officer's view: the risk is rising.", "opinion", parties.a),
    ]
    conditions = decision.handling_conditions
    assert f"Use only for the purpose requested ({req.purpose.name})." in conditions
    assert "Do not share onward without the consent of Stockport Council or Greater Manchester Police" in conditions
    assert "(SSP 8.2; SDP 5.1)" in conditions
    assert "E-mail: Only to be used when sent to secure networks" in conditions  # Restricted's handling rules

    attachments = list(ReleaseAttachment.objects.filter(decision=decision).order_by("pk"))
    assert [a.original_name for a in attachments] == ["incident log.pdf", "photo.png"]
    assert [a.content_type for a in attachments] == ["application/pdf", "image/png"]
    for attachment in attachments:
        stored = attachment.file.path
        assert stored.startswith(str(settings.MEDIA_ROOT))
        assert "incident" not in os.path.basename(stored) and "photo" not in stored
        assert os.path.exists(stored)
        assert attachment.size > 0 and len(attachment.sha256) == 64
        assert attachment.uploaded_by == parties.assignee

    entry = DecisionLogEntry.objects.get(reference=req.reference, action="request.released")
    assert entry.reasons == "Necessary and proportionate for the MARAC."
    assert entry.details["marking"] == "restricted" and entry.details["attachments"] == 2
    assert entry.organisation_name == parties.b.name
    notification = Notification.objects.get(recipient=parties.requester, reference=req.reference)
    assert notification.subject == "A decision has been made on your request"
    assert "Jordan" not in notification.subject and "Example" not in notification.path


def test_partial_release_needs_what_is_withheld(parties):
    req = ready(parties)
    client = parties.client("assignee")
    response = client.post(url(req), form_data(parties, outcome="partly_released"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Enter what is withheld and why" in body
    assert "Three call-outs to the address in March." in body  # everything typed is kept
    response = client.post(
        url(req), form_data(parties, outcome="partly_released", withheld="Third-party details withheld: not necessary.")
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == Status.PARTLY_RELEASED
    decision = Decision.objects.get(request=req)
    assert decision.withheld == "Third-party details withheld: not necessary."
    entry = DecisionLogEntry.objects.get(reference=req.reference, action="request.partly_released")
    assert "Withheld: Third-party details withheld" in entry.reasons


def test_decline_needs_reasons_and_is_logged_like_a_release(parties):
    req = assigned(parties)  # no flowchart: a decline needs only its reasons
    client = parties.client("assignee")
    response = client.post(url(req), form_data(parties, outcome="declined", reasons="", marking=""))
    assert response.status_code == 200
    assert "Enter the reasons for your decision" in response.content.decode()
    response = client.post(
        url(req), form_data(parties, outcome="declined", reasons="We do not hold this information.", marking="")
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == Status.DECLINED
    decision = Decision.objects.get(request=req)
    assert decision.outcome == "declined" and decision.marking is None and decision.handling_conditions == ""
    assert not decision.items.exists()  # item rows are ignored on a decline
    entry = DecisionLogEntry.objects.get(reference=req.reference, action="request.declined")
    assert entry.reasons == "We do not hold this information."
    assert entry.actor_name == parties.assignee.display_name
    assert entry.recipient_name == parties.a.name
    assert entry.purpose == req.purpose.name
    assert entry.protocol_version
    assert Notification.objects.filter(
        recipient=parties.requester, subject="A decision has been made on your request"
    ).exists()


def test_release_is_refused_without_a_share_outcome(parties):
    req = assigned(parties)
    client = parties.client("assignee")
    response = client.post(url(req), form_data(parties))
    assert response.status_code == 200
    assert "completed with an outcome to share" in response.content.decode()
    complete_flowchart(parties, req, outcome="do_not_share")
    response = client.post(url(req), form_data(parties))
    assert "completed with an outcome to share" in response.content.decode()
    req.refresh_from_db()
    assert req.status == Status.IN_REVIEW
    assert not Decision.objects.filter(request=req).exists()


def test_release_needs_a_marking_and_an_item(parties):
    req = ready(parties)
    response = parties.client("assignee").post(
        url(req), form_data(parties, marking="", **{"items-0-text": "", "items-0-fact_or_opinion": ""})
    )
    body = response.content.decode()
    assert "Select the protective marking" in body
    assert "Add at least one item of information to release" in body


def test_item_rows_are_checked(parties):
    req = ready(parties)
    response = parties.client("assignee").post(url(req), form_data(parties, **{"items-0-fact_or_opinion": ""}))
    assert response.status_code == 200
    assert "Item 1: Select whether this item is fact or opinion" in response.content.decode()


def test_sub_judice_refused_until_the_consultation_is_recorded(parties):
    req = ready(parties, sub_judice=True)
    client = parties.client("assignee")
    response = client.post(url(req), form_data(parties))
    assert response.status_code == 200
    assert "record the consultation with the investigating officer or the CPS" in response.content.decode()
    req.refresh_from_db()
    assert req.status == Status.IN_REVIEW
    from django.utils import timezone

    review.sub_judice_consultation_record(
        disclosure=req,
        consulted_name="DS Patel",
        consulted_role=SubJudiceConsultation.ConsultedRole.CPS,
        consulted_at=timezone.now() - timezone.timedelta(hours=2),
        outcome="No objection",
        acting_user=parties.assignee,
    )
    response = client.post(url(req), form_data(parties))
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == Status.RELEASED


def test_confidential_is_refused_unless_on_a_secure_network(parties, settings):
    req = ready(parties)
    client = parties.client("assignee")
    confidential = marking(parties, "confidential")
    assert confidential.internet_allowed is False
    settings.PORTAL_SECURE_NETWORK = False
    response = client.post(url(req), form_data(parties, marking=str(confidential.pk)))
    assert response.status_code == 200
    assert "Confidential material can only go through the portal on a secure network" in response.content.decode()
    settings.PORTAL_SECURE_NETWORK = True
    response = client.post(url(req), form_data(parties, marking=str(confidential.pk)))
    assert response.status_code == 302
    assert Decision.objects.get(request=req).marking == confidential


def test_decided_under_is_the_pack_in_force_at_decision_time(parties):
    req = ready(parties)
    newer = stockport_new_version()
    assert newer.is_current and newer.partnership == parties.pack.partnership
    response = parties.client("assignee").post(url(req), form_data(parties))
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.protocol_pack == parties.pack
    assert req.decided_under == newer
    decision = Decision.objects.get(request=req)
    assert decision.protocol_pack == newer
    assert decision.marking.pack == parties.pack  # the marking comes from the request's own pack
    entry = DecisionLogEntry.objects.get(reference=req.reference, action="request.released")
    assert entry.details["decided_under"] == "safer-stockport@2026"
    assert entry.partnership == parties.pack.partnership


def test_another_partnerships_pack_does_not_govern_the_decision(parties):
    req = ready(parties)
    durham, _ = protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / "durham-2021.yaml")
    assert durham.is_current and parties.pack.is_current  # both in force, each for its own partnership
    response = parties.client("assignee").post(url(req), form_data(parties))
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.decided_under == parties.pack


def test_a_marking_from_another_pack_is_refused(parties):
    req = ready(parties)
    durham, _ = protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / "durham-2021.yaml")
    with pytest.raises(ValidationError) as error:
        decide.disclosure_decide(
            disclosure=req,
            outcome="released",
            reasons="x",
            marking=durham.marking_levels.first(),
            items=[decide.ItemInput("text", "fact", parties.b)],
            acting_user=parties.assignee,
        )
    assert "marking" in error.value.message_dict


def test_a_new_decision_replaces_the_current_one(parties):
    req = assigned(parties)
    first = decide.disclosure_decide(disclosure=req, outcome="declined", reasons="Not held", acting_user=parties.assignee)
    req.refresh_from_db()
    # Disputed and overturned (the requester part's services): back to the responder to release.
    lifecycle.transition(
        req, Status.DISPUTED, acting_user=parties.requester, organisation=parties.a, event="request.disputed", reasons="Disputed"
    )
    lifecycle.transition(
        req, Status.IN_REVIEW, acting_user=parties.do_b, organisation=parties.b, event="dispute.overturned", reasons="Overturned"
    )
    complete_flowchart(parties, req)
    second = decide.disclosure_decide(
        disclosure=req,
        outcome="released",
        reasons="Found it",
        marking=marking(parties, "protect"),
        items=[decide.ItemInput("One record", "fact", parties.b)],
        acting_user=parties.assignee,
    )
    first.refresh_from_db()
    assert not first.is_current and second.is_current


def test_add_another_item_keeps_everything_typed(parties):
    req = ready(parties)
    response = parties.client("assignee").post(
        url(req), {**form_data(parties, reasons="Kept reasons", **{"items-TOTAL_FORMS": "1"}), "add_item": "1"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Kept reasons" in body
    assert "Three call-outs to the address in March." in body
    assert 'name="items-TOTAL_FORMS" value="2"' in body
    assert 'name="items-1-text"' in body
    assert "There is a problem" not in body
    assert not Decision.objects.filter(request=req).exists()


def test_over_size_attachment_gives_a_form_error(parties, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 64 * 1024  # the same code path as 20 MB, faster
    req = ready(parties)
    data = form_data(parties)
    data["attachments"] = [
        SimpleUploadedFile("big.pdf", MINIMAL_PDF + b"\x00" * (200 * 1024), content_type="application/pdf")
    ]
    response = parties.client("assignee").post(url(req), data)
    assert response.status_code == 200
    assert "“big.pdf” is larger than 64 KB: choose a smaller file" in response.content.decode()
    assert not Decision.objects.filter(request=req).exists()
    assert not ReleaseAttachment.objects.exists()


def test_a_real_20_mb_upload_is_refused_on_the_form(parties):
    req = ready(parties)
    data = form_data(parties)
    data["attachments"] = [
        SimpleUploadedFile("scan.pdf", MINIMAL_PDF + b"\x00" * (20 * 1024 * 1024), content_type="application/pdf")
    ]
    response = parties.client("assignee").post(url(req), data)
    assert response.status_code == 200
    assert "“scan.pdf” is larger than 20 MB: choose a smaller file" in response.content.decode()
    assert not Decision.objects.filter(request=req).exists()


def test_a_disguised_attachment_is_refused_on_the_form(parties):
    req = ready(parties)
    data = form_data(parties)
    data["attachments"] = [
        SimpleUploadedFile("report.pdf", b"<html><script>x</script></html>", content_type="application/pdf")
    ]
    response = parties.client("assignee").post(url(req), data)
    assert response.status_code == 200
    assert "“report.pdf” is not really a PDF" in response.content.decode()
    req.refresh_from_db()
    assert req.status == Status.IN_REVIEW


def test_csrf_is_still_checked_on_the_decide_page(parties):
    from django.test import Client

    from portal.middleware import ACTING_MEMBERSHIP
    from tests.conftest import sign_in_fully

    req = ready(parties)
    client = sign_in_fully(Client(enforce_csrf_checks=True), parties.assignee)
    session = client.session
    session[ACTING_MEMBERSHIP] = parties.memberships["assignee"].pk
    session.save()
    assert client.post(url(req), form_data(parties)).status_code == 403
    req.refresh_from_db()
    assert req.status == Status.IN_REVIEW


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
def test_only_the_assignee_decides(parties, name, status):
    req = ready(parties)
    client = parties.client(name)
    assert client.get(url(req)).status_code == status
    assert client.post(url(req), form_data(parties)).status_code == status
    req.refresh_from_db()
    assert req.status == Status.IN_REVIEW


def test_decide_page_when_not_in_review_goes_back_to_the_request(parties):
    req = assigned(parties)
    decide.disclosure_decide(disclosure=req, outcome="declined", reasons="Not held", acting_user=parties.assignee)
    response = parties.client("assignee").get(url(req))
    assert response.status_code == 302
    assert response["Location"] == reverse("sharing:request_detail", args=[req.pk])


def test_decide_page_logs_the_view_and_labels_the_conditional_fields(parties):
    from portal.models import AccessLogEntry

    req = ready(parties)
    body = parties.client("assignee").get(url(req)).content.decode()
    assert AccessLogEntry.objects.filter(user=parties.assignee, reference=req.reference, kind="view").exists()
    assert "Protective marking (optional)" not in body
    assert "Confidential (only on a secure network)" in body
    assert req.information_requested in body


# --- SSP 13.3: a suspended partner gets no release, even on a request already open -----------


@pytest.mark.parametrize("suspended", ["requesting", "holding"])
def test_no_release_while_either_partner_is_suspended(parties, suspended):
    from tests.portal.factories import member_set

    req = ready(parties)
    member_set(parties.a if suspended == "requesting" else parties.b, sharing_suspended=True)
    with pytest.raises(ValidationError) as refused:
        release(parties, req)
    assert "suspended" in " ".join(refused.value.messages)
    assert "SSP 13.3" in " ".join(refused.value.messages)
    req.refresh_from_db()
    assert req.status == Status.IN_REVIEW and not Decision.objects.filter(request=req).exists()
    # The page says why, and keeps what was typed.
    response = parties.client("assignee").post(url(req), form_data(parties, reasons="Typed reasons stay."))
    page = response.content.decode()
    assert response.status_code == 200
    assert "is suspended" in page and "Typed reasons stay." in page and "govuk-error-summary" in page
    # A decline is still possible: it releases nothing.
    decide.disclosure_decide(
        disclosure=req, outcome="declined", reasons="Sharing is suspended.", acting_user=parties.assignee
    )
    req.refresh_from_db()
    assert req.status == Status.DECLINED


def test_release_is_possible_again_once_the_suspension_is_lifted(parties):
    from tests.portal.factories import member_set

    req = ready(parties)
    member_set(parties.b, sharing_suspended=True)
    member_set(parties.b, sharing_suspended=False)
    release(parties, req)
    req.refresh_from_db()
    assert req.status == Status.RELEASED
