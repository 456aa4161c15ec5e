"""Consent records under retention: the holder's copy and its review date, the clock
restarting at withdrawal, destruction clearing the record and deleting the scan, the person's
details kept while anything else about them is held, the tombstone page, and legal holds."""
import datetime

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from consent.models import ConsentRecord
from consent.retention import consent_records_purge
from consent.services import consent_coverage_problems, consent_scan_attach, consent_withdraw
from portal.models import DataSubject, DecisionLogEntry, DestructionRun, HeldCopy, RetentionRecordKind
from portal.retention.services import legal_hold_lift, legal_hold_place, retention_policy_set, retention_sweep

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SIX_YEARS = datetime.timedelta(days=2190)  # the Stockport pack's default for consent records


def copy_of(consent) -> HeldCopy:
    return HeldCopy.objects.get(content_type="consent.record", content_id=consent.pk)


def make_due(consent) -> None:
    HeldCopy.objects.filter(content_type="consent.record", content_id=consent.pk).update(
        review_date=timezone.localdate() - datetime.timedelta(days=1)
    )


def with_scan(parties, consent):
    return consent_scan_attach(
        consent=consent,
        scan=SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf"),
        acting_user=parties.requester,
    )


def test_a_recorded_consent_is_held_by_its_holder_until_six_years_after_it_expires(parties, make_consent):
    consent = make_consent()
    copy = copy_of(consent)
    assert copy.kind == RetentionRecordKind.CONSENT_RECORDS
    assert copy.holder == parties.a and copy.officer == parties.requester
    assert copy.reference == consent.reference and copy.subject_ids == [consent.subject_id]
    assert copy.started_on == consent.expires_on
    assert copy.review_date == consent.expires_on + SIX_YEARS
    assert copy.marking_code == "restricted"  # the level the consent form is printed at
    assert "Protocol default" in copy.policy_description


def test_a_consent_without_expiry_counts_from_the_day_it_was_recorded(parties, make_consent):
    consent = make_consent(expires_on=None)
    assert copy_of(consent).review_date == timezone.localdate() + SIX_YEARS


def test_the_holders_own_policy_sets_the_review_date(parties, make_consent):
    retention_policy_set(
        organisation=parties.a, kind=RetentionRecordKind.CONSENT_RECORDS, days=400, reason="Our records schedule",
        acting_user=parties.do_a, acting_membership=parties.memberships["do_a"],
    )
    consent = make_consent(expires_on=None)
    copy = copy_of(consent)
    assert copy.review_date == timezone.localdate() + datetime.timedelta(days=400)
    assert copy.policy is not None and copy.policy.organisation == parties.a


def test_withdrawal_restarts_the_clock_from_the_day_it_was_withdrawn(parties, make_consent):
    consent = make_consent()
    withdrawn_on = timezone.localdate() - datetime.timedelta(days=2)
    consent_withdraw(
        consent=consent, withdrawn_at=withdrawn_on, how_communicated="By phone",
        acting_user=parties.requester, acting_membership=parties.memberships["requester"],
    )
    copy = copy_of(consent)
    assert copy.started_on == withdrawn_on
    assert copy.review_date == withdrawn_on + SIX_YEARS
    assert HeldCopy.objects.filter(content_type="consent.record", content_id=consent.pk).count() == 1


def test_destruction_clears_the_record_deletes_the_scan_and_keeps_the_row(parties, make_consent):
    consent = with_scan(parties, make_consent(given_by="parent", signatory_name="Sam Parent",
                                              signatory_address="4 Hillgate", signatory_date_of_birth=datetime.date(1970, 1, 1)))
    stored = consent.scan.name
    assert default_storage.exists(stored)
    make_due(consent)

    run = retention_sweep()

    assert run.destroyed_count == 1
    record = ConsentRecord.objects.get(pk=consent.pk)
    assert record.reference == consent.reference and record.given_on == consent.given_on  # the row stays
    assert (record.signatory_name, record.signatory_address, record.signatory_date_of_birth) == ("", "", None)
    assert record.information_items == [] and record.witness_name == "" and record.witness_position == ""
    assert not record.scan and record.scan_original_name == "" and record.scan_sha256 == ""
    assert not default_storage.exists(stored)
    subject = DataSubject.objects.get(pk=consent.subject_id)
    assert (subject.full_name, subject.address, subject.date_of_birth) == ("", "", None)
    tombstone = copy_of(consent)
    assert tombstone.destroyed_by_run == run
    entry = DecisionLogEntry.objects.get(action="retention.destroyed", reference=consent.reference)
    assert entry.organisation == parties.a and entry.details["content_destroyed"] is True
    assert "Casey" not in entry.reasons + str(entry.details)


def test_purging_twice_is_safe_when_the_file_is_already_gone(parties, make_consent):
    consent = with_scan(parties, make_consent())
    default_storage.delete(consent.scan.name)
    consent_records_purge([consent.pk])
    consent_records_purge([consent.pk])
    assert ConsentRecord.objects.get(pk=consent.pk).information_items == []


def test_the_persons_details_stay_while_another_held_copy_names_them(parties, make_consent):
    first = make_consent()
    second = make_consent(subject=first.subject, new_subject=None)
    make_due(first)
    retention_sweep()
    assert DataSubject.objects.get(pk=first.subject_id).full_name == "Casey Example"
    assert ConsentRecord.objects.get(pk=second.pk).information_items  # the other record is untouched

    make_due(second)
    retention_sweep()
    assert DataSubject.objects.get(pk=first.subject_id).full_name == ""


def test_the_holder_sees_the_tombstone_instead_of_the_record(parties, make_consent):
    consent = make_consent()
    make_due(consent)
    retention_sweep()
    today = timezone.localdate()

    for name in ("requester", "do_a"):
        client = parties.client(name)
        page = client.get(f"/consent/{consent.pk}/")
        text = page.content.decode()
        assert page.status_code == 200
        assert f"Destroyed under retention on {today:%-d %B %Y}" in text
        assert consent.reference in text
        assert "Anti-social behaviour complaints" not in text and "Pat Officer" not in text
        assert "Record a withdrawal" not in text
        for follow in ("withdraw/", "consent-form.pdf", "signed-form/", "signed-form/attach/"):
            response = client.get(f"/consent/{consent.pk}/{follow}")
            assert response.status_code == 302 and response.url == f"/consent/{consent.pk}/", follow
    listing = parties.client("requester").get("/consent/").content.decode()
    assert consent.reference in listing and "Destroyed" in listing
    # Still need-to-know: someone else gets the same 404 as before.
    assert parties.client("officer_b").get(f"/consent/{consent.pk}/").status_code == 404


def test_a_destroyed_consent_covers_no_disclosure_and_cannot_be_withdrawn(parties, make_consent):
    consent = make_consent()
    make_due(consent)
    retention_sweep()
    consent.refresh_from_db()
    problems = consent_coverage_problems(
        consent=consent, recipient_organisation=parties.a, purpose=parties.pack.purposes.order_by("order").first(),
    )
    assert problems == [f"This consent record was destroyed under retention on {timezone.localdate():%-d %B %Y}, so it covers no disclosure"]
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        consent_withdraw(
            consent=consent, withdrawn_at=timezone.localdate(), how_communicated="By letter",
            acting_user=parties.requester, acting_membership=parties.memberships["requester"],
        )


def test_a_legal_hold_on_the_person_keeps_the_record_through_the_sweep(parties, make_consent):
    consent = make_consent()
    make_due(consent)
    hold = legal_hold_place(
        subject=consent.subject, reason_kind="subject_access", reason="Subject access request received",
        review_date=timezone.localdate() + datetime.timedelta(days=30),
        acting_user=parties.do_a, acting_membership=parties.memberships["do_a"],
    )
    run = retention_sweep()
    assert run.destroyed_count == 0
    assert copy_of(consent).destroyed_at is None
    assert ConsentRecord.objects.get(pk=consent.pk).information_items
    assert "Anti-social behaviour" in parties.client("requester").get(f"/consent/{consent.pk}/").content.decode()

    legal_hold_lift(hold=hold, reason="Request answered", acting_user=parties.do_a, acting_membership=parties.memberships["do_a"])
    assert retention_sweep().destroyed_count == 1
    assert DestructionRun.objects.filter(destroyed_count=1).count() == 1


def test_backfill_records_the_holders_copy_of_a_consent_made_before_retention(parties, make_consent):
    from portal.retention.services import retention_backfill

    consent = make_consent()
    HeldCopy.objects.filter(content_type="consent.record").delete()  # as if recorded before retention
    counts = retention_backfill()
    assert counts["consent.record"] == 1
    copy = copy_of(consent)
    assert copy.holder == parties.a and copy.officer == parties.requester
    assert copy.review_date == consent.expires_on + SIX_YEARS
    assert retention_backfill()["consent.record"] == 0
