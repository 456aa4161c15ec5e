"""Consent records under retention (SSP 6.1, 8.4, 14; SDP 6.3; DOMAIN.md §4 step 9).

A consent record is one held copy (`consent.record`, kind CONSENT_RECORDS), held by the
organisation that recorded it, from when it is recorded; its clock restarts when it is withdrawn
(the packs: "kept for six years after it is withdrawn or expires", so a record with an expiry date
counts from that date). When the copy is destroyed, `consent_records_purge` clears every personal
field and deletes the scan; the row stays, because requests that relied on it point at it, and
its pages show the tombstone instead (`consent.selectors.consent_destroyed_at`).

`data_subjects_purge` is the rule every app applies to the people its content was about (sharing
and meetings call it too): a DataSubject's personal fields are cleared only when no live held copy
of any kind still names that person.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from consent.models import ConsentRecord
from consent.pdf import consent_form_marking
from consent.selectors import RETENTION_CONTENT_TYPE as CONTENT_TYPE
from portal.models import DataSubject, HeldCopy, RetentionRecordKind, User
from portal.retention.selectors import subjects_named_by_live_copies
from portal.retention.services import held_copy_record
from portal.uploads import stored_file_delete


def consent_record_path(content_id: int) -> str:
    return reverse("consent:detail", kwargs={"pk": content_id})


def consent_retention_start(consent: ConsentRecord) -> datetime.date:
    """The day the record's retention clock starts: its withdrawal, else its expiry, else the day
    it was recorded (a record in force with no expiry is reviewed by its holder when it falls due)."""
    if consent.withdrawn_at is not None:
        return timezone.localtime(consent.withdrawn_at).date()
    if consent.expires_on is not None:
        return consent.expires_on
    return timezone.localdate(consent.recorded_at) if consent.recorded_at else timezone.localdate()


def consent_held_copy_record(*, consent: ConsentRecord, officer: User | None = None) -> HeldCopy:
    """Record (or restart the clock of) the holder's copy of the record: called by the services
    that record and withdraw consent, in their transactions."""
    return held_copy_record(
        content_type=CONTENT_TYPE,
        content_id=consent.pk,
        kind=RetentionRecordKind.CONSENT_RECORDS,
        holder=consent.holder_id,
        reference=consent.reference,
        subject_ids=[consent.subject_id],
        officer=officer,
        marking=consent_form_marking(consent.protocol_pack),
        start=consent_retention_start(consent),
    )


def consent_records_purge(content_ids: list[int]) -> None:
    """The last copy of these records is destroyed: clear their personal content for good, keep
    the rows (references, dates, who recorded them, the withdrawal's date)."""
    records = list(ConsentRecord.objects.filter(pk__in=content_ids).only("pk", "scan", "subject_id"))
    for record in records:
        stored_file_delete(record.scan)
    ConsentRecord.objects.filter(pk__in=content_ids).update(
        given_by_description="",
        signatory_name="",
        signatory_address="",
        signatory_date_of_birth=None,
        information_items=[],
        witness_name="",
        witness_position="",
        withdrawal_how="",
        scan="",
        scan_original_name="",
        scan_content_type="",
        scan_size=None,
        scan_sha256="",
    )
    data_subjects_purge(subject_ids={record.subject_id for record in records})


def data_subjects_purge(*, subject_ids: Iterable[int]) -> list[int]:
    """Clear the personal fields of each of these people that no live held copy names any more;
    the ids cleared. The row stays (consent records, requests and agenda items point at it).

    Called inside a destruction transaction. One lock serialises the check across workers, so two
    workers destroying the last two copies about one person at once cannot each see the other's
    copy still alive and both leave the person's details behind."""
    ids = sorted({int(pk) for pk in subject_ids if pk})
    if not ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended('retention:data-subjects', 0))")
    named = subjects_named_by_live_copies(ids)
    unheld = [pk for pk in ids if pk not in named]
    if unheld:
        DataSubject.objects.filter(pk__in=unheld).update(
            full_name="", aliases="", date_of_birth=None, address="", nhs_number=""
        )
    return unheld


def consent_records_backfill(*, chunk: int = 500) -> int:
    """Record the holder's copy of consent records made before retention, counted from their
    withdrawal, expiry or recording (`consent_retention_start`)."""
    recorded = 0
    has_copy = HeldCopy.objects.filter(content_type=CONTENT_TYPE, content_id=OuterRef("pk"))
    while True:
        with transaction.atomic():
            records = list(ConsentRecord.objects.filter(~Exists(has_copy)).select_related("recorded_by").order_by("pk")[:chunk])
            if not records:
                return recorded
            for consent in records:
                consent_held_copy_record(consent=consent, officer=consent.recorded_by)
                recorded += 1
