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
    # The sender's copy and the council's (the recipient organisation's) copy: each tombstoned,
    # each decision-logged under its holder.
    tombstones = HeldCopy.objects.filter(content_type="exchange.distribution_issue", content_id=first.pk)
    assert {t.holder_id for t in tombstones} == {w.a.pk, w.b.pk}
    assert all(t.destroyed_at is not None for t in tombstones)
    logged = DecisionLogEntry.objects.filter(action="retention.destroyed", reference=first.reference)
    assert {e.organisation_id for e in logged} == {w.a.pk, w.b.pk}
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


def add_role(w, organisation, role):
    return w.sender.post(
        reverse("exchange:distribution_role_recipient_add", kwargs={"pk": w.distribution.pk}),
        {"organisation": organisation.pk, "role": role},
    )


def test_recipients_by_role_are_resolved_at_each_issue(ftra):
    """"The DPOs of organisation C": whoever holds the role when an issue is sent receives it;
    someone who gains the role later gets the next issue, not this one; someone who loses it
    loses access. The sender sees each of them and whether they acknowledged."""
    w = ftra
    dpo_c = MembershipFactory(organisation=w.c, role=Role.DPO)
    assert add_role(w, w.c, Role.DPO).status_code == 302
    assert DecisionLogEntry.objects.filter(action="distribution.role_recipient_added").exists()
    upload(w, "march.pdf")
    first = DistributionIssue.objects.get()
    assert Notification.objects.filter(reference=first.reference, recipient_id=dpo_c.user_id).exists()
    dpo = sign_in_fully(Client(), dpo_c.user)
    assert dpo.get(reverse("exchange:issue", kwargs={"pk": first.pk})).status_code == 200
    assert dpo.post(reverse("exchange:issue_acknowledge", kwargs={"pk": first.pk}), {"agree": "on"}).status_code == 302
    assert dpo.get(reverse("exchange:issue_download", kwargs={"pk": first.pk})).status_code == 200
    # C's officer is not a DPO: nothing.
    outsider = sign_in_fully(Client(), w.outsider.user)
    assert outsider.get(reverse("exchange:issue", kwargs={"pk": first.pk})).status_code == 404

    detail = w.sender.get(reverse("exchange:distribution_detail", kwargs={"pk": w.distribution.pk})).content.decode()
    rows = detail.split("Who has acknowledged the latest issue")[1].split("</table>")[0]
    assert dpo_c.user.display_name in rows and "Data protection officers of" in rows
    assert w.council_officer.user.display_name in rows and "Not yet" in rows

    # A new DPO of C, after the first issue: not that issue, but the next.
    late = MembershipFactory(organisation=w.c, role=Role.DPO)
    late_client = sign_in_fully(Client(), late.user)
    assert late_client.get(reverse("exchange:issue", kwargs={"pk": first.pk})).status_code == 404
    from portal.services.accounts import membership_end

    membership_end(membership=dpo_c, acting_user=w.admin.user)  # the first DPO loses the role
    upload(w, "april.pdf")
    second = DistributionIssue.objects.get(number=2)
    assert late_client.get(reverse("exchange:issue", kwargs={"pk": second.pk})).status_code == 200
    assert sign_in_fully(Client(), dpo_c.user).get(
        reverse("exchange:issue", kwargs={"pk": second.pk})
    ).status_code in (403, 404)
    rows = w.sender.get(reverse("exchange:distribution_detail", kwargs={"pk": w.distribution.pk})).content.decode()
    rows = rows.split("Who has acknowledged the latest issue")[1].split("</table>")[0]
    assert late.user.display_name in rows and dpo_c.user.display_name not in rows


def test_a_role_of_the_senders_own_organisation_or_no_role_is_refused_with_nothing_lost(ftra):
    w = ftra
    own = add_role(w, w.a, Role.DPO)
    assert own.status_code == 200 and "govuk-error-summary" in own.content.decode()
    no_role = w.sender.post(reverse("exchange:distribution_role_recipient_add", kwargs={"pk": w.distribution.pk}),
                            {"organisation": w.c.pk})
    page = no_role.content.decode()
    assert no_role.status_code == 200 and "Select the role that receives it" in page
    assert f'value="{w.c.pk}" selected' in page
    from exchange.models import DistributionRoleRecipient

    assert not DistributionRoleRecipient.objects.exists()


def test_each_recipient_organisations_copy_follows_its_own_retention_period(ftra):
    """The council's copy of an issue is the council's held copy: at its review date the sweep
    destroys it (tombstone, decision log) and the council's people lose the issue, while the
    sender, whose copy still runs, keeps it."""
    import datetime

    from django.utils import timezone

    from portal.retention.services import retention_sweep

    w = ftra
    upload(w)
    issue = DistributionIssue.objects.get()
    council_copy = HeldCopy.objects.get(content_type="exchange.distribution_issue", content_id=issue.pk, holder=w.b)
    HeldCopy.objects.filter(pk=council_copy.pk).update(review_date=timezone.localdate() - datetime.timedelta(days=1))
    HeldCopy.objects.filter(content_type="exchange.distribution_issue", content_id=issue.pk, holder=w.a).update(
        review_date=timezone.localdate() + datetime.timedelta(days=30)
    )
    retention_sweep()
    council_copy.refresh_from_db()
    assert council_copy.destroyed_at is not None
    assert DecisionLogEntry.objects.filter(action="retention.destroyed", reference=issue.reference,
                                           organisation_id=w.b.pk).exists()
    recipient = sign_in_fully(Client(), w.council_officer.user)
    assert recipient.get(reverse("exchange:issue", kwargs={"pk": issue.pk})).status_code == 404
    issue.refresh_from_db()
    assert issue.destroyed_at is None and issue.file  # the sender's copy is still held
    assert w.sender.get(reverse("exchange:issue", kwargs={"pk": issue.pk})).status_code == 200
