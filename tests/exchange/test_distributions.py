"""Recurring marked distributions (SDP 5.9, Appendix 3): a series set up by the sending
organisation, issues uploaded once, recipients told with a link only, the handling rules
acknowledged before the first download, every download marked and access-logged, the previous
issue destroyed through the retention engine when the next arrives, and the sender seeing who has
and has not acknowledged."""
from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader, PdfWriter

from exchange.models import DistributionIssue
from portal.models import AccessLogEntry, DecisionLogEntry, HeldCopy, Notification
from portal.roles import Role
from tests.conftest import sign_in_fully
from tests.portal.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


def one_page_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def ftra(world):
    """Durham-like: A (police) sends the monthly document to a council officer and a council
    designated officer; C's officer is not a recipient."""
    w = world
    w.sender = sign_in_fully(Client(), w.officer_a.user)
    w.council_officer = w.officer_b
    w.council_do = w.do_b
    w.outsider = MembershipFactory(organisation=w.c, role=Role.OFFICER)
    marking = w.pack.marking_levels.get(code="restricted")
    response = w.sender.post(reverse("exchange:distribution_new"), {
        "title": "Force Threat and Risk Assessment", "marking": marking.pk,
        "handling_rules": "Keep hard copies in locked storage.\nNo onward sharing.\nDestroy on the next issue.",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    from exchange.models import Distribution

    w.distribution = Distribution.objects.get()
    for membership in (w.council_officer, w.council_do):
        added = w.sender.post(
            reverse("exchange:distribution_recipient_add", kwargs={"pk": w.distribution.pk}), {"recipient": membership.pk}
        )
        assert added.status_code == 302
    return w


def upload(w, name="ftra-march.pdf"):
    return w.sender.post(
        reverse("exchange:distribution_issue_upload", kwargs={"pk": w.distribution.pk}),
        {"file": SimpleUploadedFile(name, one_page_pdf(), content_type="application/pdf")},
    )


def test_an_issue_reaches_its_recipients_by_link_only_and_is_downloaded_marked_after_acknowledging(ftra):
    w = ftra
    assert upload(w).status_code == 302
    issue = DistributionIssue.objects.get()
    notes = Notification.objects.filter(reference=issue.reference)
    assert {n.recipient_id for n in notes} == {w.council_officer.user_id, w.council_do.user_id}
    assert all("Threat" not in n.subject for n in notes)  # a reference and a link only

    recipient = sign_in_fully(Client(), w.council_officer.user)
    issue_url = reverse("exchange:issue", kwargs={"pk": issue.pk})
    download_url = reverse("exchange:issue_download", kwargs={"pk": issue.pk})
    # No download before the handling rules are acknowledged.
    refused = recipient.get(download_url)
    assert refused.status_code == 302 and refused.url == issue_url
    page = recipient.get(issue_url).content.decode()
    assert "Keep hard copies in locked storage." in page and "Acknowledge the handling rules" in page
    unticked = recipient.post(reverse("exchange:issue_acknowledge", kwargs={"pk": issue.pk}), {})
    assert "Confirm you will keep to the handling rules" in unticked.content.decode()
    assert recipient.post(reverse("exchange:issue_acknowledge", kwargs={"pk": issue.pk}), {"agree": "on"}).status_code == 302

    download = recipient.get(download_url)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    body = b"".join(download.streaming_content) if download.streaming else download.content
    text = PdfReader(io.BytesIO(body)).pages[0].extract_text()
    assert "Restricted" in text or "RESTRICTED" in text
    assert w.council_officer.user.display_name in text
    assert AccessLogEntry.objects.filter(user=w.council_officer.user, reference=issue.reference, kind="download").exists()
    assert DecisionLogEntry.objects.filter(action="distribution.acknowledged", actor_id=w.council_officer.user_id).exists()

    # The sender sees who has acknowledged and who has not.
    detail = w.sender.get(reverse("exchange:distribution_detail", kwargs={"pk": w.distribution.pk})).content.decode()
    rows = detail.split("Who has acknowledged the latest issue")[1]
    assert w.council_officer.user.display_name in rows and "Not yet" in rows


def test_the_next_issue_destroys_the_previous_through_the_retention_engine(ftra):
    w = ftra
    upload(w, "march.pdf")
    first = DistributionIssue.objects.get()
    upload(w, "april.pdf")
    first.refresh_from_db()
    assert first.destroyed_at is not None and not first.file
    tombstone = HeldCopy.objects.get(content_type="exchange.distribution_issue", content_id=first.pk)
    assert tombstone.destroyed_at is not None
    assert DecisionLogEntry.objects.filter(action="retention.destroyed", reference=first.reference).exists()
    recipient = sign_in_fully(Client(), w.council_do.user)
    assert recipient.get(reverse("exchange:issue", kwargs={"pk": first.pk})).status_code == 404
    latest = DistributionIssue.objects.get(destroyed_at__isnull=True)
    assert latest.number == 2 and recipient.get(reverse("exchange:issue", kwargs={"pk": latest.pk})).status_code == 200


def test_someone_not_named_sees_nothing_and_an_ended_membership_ends_access(ftra):
    w = ftra
    upload(w)
    issue = DistributionIssue.objects.get()
    outsider = sign_in_fully(Client(), w.outsider.user)
    for name in ("exchange:issue", "exchange:issue_download"):
        assert outsider.get(reverse(name, kwargs={"pk": issue.pk})).status_code == 404
    assert outsider.get(reverse("exchange:distribution_detail", kwargs={"pk": w.distribution.pk})).status_code == 404
    listing = outsider.get(reverse("exchange:distributions")).content.decode()
    assert "Nothing has been sent to you" in listing and "Force Threat and Risk Assessment, issue" not in listing
    from portal.services.accounts import membership_end

    recipient = sign_in_fully(Client(), w.council_officer.user)
    assert recipient.get(reverse("exchange:issue", kwargs={"pk": issue.pk})).status_code == 200
    membership_end(membership=w.council_officer, acting_user=w.admin.user)
    w.council_officer.refresh_from_db()
    other_role = MembershipFactory(organisation=w.b, role=Role.DESIGNATED_OFFICER, user=w.council_officer.user)
    assert other_role.is_active
    assert sign_in_fully(Client(), w.council_officer.user).get(
        reverse("exchange:issue", kwargs={"pk": issue.pk})
    ).status_code == 404


def test_a_bad_upload_is_refused_on_the_page(ftra):
    w = ftra
    response = w.sender.post(
        reverse("exchange:distribution_issue_upload", kwargs={"pk": w.distribution.pk}),
        {"file": SimpleUploadedFile("notes.exe", b"MZ\x90\x00 not a document", content_type="application/octet-stream")},
    )
    assert response.status_code == 200 and "govuk-error-summary" in response.content.decode()
    assert not DistributionIssue.objects.exists()
    assert not mail.outbox
