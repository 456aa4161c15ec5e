"""Fault tests of the destruction sweep on real Celery workers on Redis (issue 6; SSP 8.4, 14;
SDP 6.3): a worker killed with SIGKILL in the middle of a run, then another worker finishing the
job, and two workers sweeping the same due copies at once. Either way every due copy ends
destroyed exactly once: a tombstone naming its run, the consent record's personal fields cleared
and its scan deleted once its last copy is gone (never before, never left behind), and exactly
one `retention.destroyed` entry per copy in a decision log whose chain still verifies.

The content is real: consent records ("consent.record", registered by the consent app), each
with a scan file on disk; a third of them are held by two organisations, so the content goes
only with the second copy.

Needs Redis: `export REDIS_URL=redis://127.0.0.1:6379/0` (skipped without it)."""
from __future__ import annotations

import datetime
import time
import uuid
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from consent.models import ConsentRecord, GivenBy
from portal.accountability.services import decision_log_verify
from portal.models import DataSubject, DecisionLogEntry, DestructionRun, HeldCopy, RetentionRecordKind
from portal.retention.services import due_copies
from portal.tasks import retention_recover, retention_sweep
from tests.sharing.conftest import pack, parties  # noqa: F401  (fixtures)
from tests.workers import celery_workers  # noqa: F401  (fixture)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

RECORDS = 3000
SHARED = 1000  # records also held by the disclosing organisation: 4,000 copies in all
BATCH = 10  # copies a transaction: small, so a run takes several seconds and dies mid-way
# The recovery check's times, shortened from 10 minutes each (PORTAL_RETENTION_RUN_ABANDONED_AFTER
# in the worker; the test itself plays beat, sending the check every CHECK_EVERY seconds).
ABANDONED_AFTER = 5
CHECK_EVERY = 1
WORKER_START = 30  # the slack for starting the second worker on a loaded machine
TIMEOUT = 180
PDF = b"%PDF-1.4\n% a signed Appendix 5 form\n%%EOF\n"


def seed_due_consents(parties, *, prefix: str = "CR-F") -> tuple[list[int], list[int]]:
    """RECORDS consent records recorded seven years ago by A, each with a scan on disk and a
    held copy at A whose review date has passed; the first SHARED also held by B. `prefix`
    starts their references (bench/drills.py gives each run its own, as it reuses a database)."""
    today = timezone.localdate()
    given_on = today - datetime.timedelta(days=7 * 365)
    subjects = DataSubject.objects.bulk_create(
        [
            DataSubject(holder=parties.a, full_name=f"Fault Subject {i}", address=f"{i} Fault Street")
            for i in range(RECORDS)
        ]
    )
    (settings.MEDIA_ROOT / "consent").mkdir(parents=True, exist_ok=True)
    records = []
    for i, subject in enumerate(subjects):
        name = f"consent/{uuid.uuid4().hex}"
        (settings.MEDIA_ROOT / name).write_bytes(PDF)
        records.append(
            ConsentRecord(
                reference=f"{prefix}{i:05d}", protocol_pack=parties.pack, subject=subject, holder=parties.a,
                recorded_by=parties.requester, given_by=GivenBy.PARENT, signatory_name=f"Sam Parent {i}",
                signatory_address=f"{i} Fault Street", signatory_date_of_birth=datetime.date(1970, 1, 1),
                reasons_explained=True, information_items=["Tenancy warnings about noise"],
                given_on=given_on, witness_name="Pat Officer", witness_position="Police constable",
                witnessed_on=given_on, scan=name, scan_original_name=f"signed-form-{i}.pdf",
                scan_content_type="application/pdf", scan_size=len(PDF), scan_uploaded_by=parties.requester,
                scan_uploaded_at=timezone.now(),
            )
        )
    records = ConsentRecord.objects.bulk_create(records)
    copies = []
    for i, record in enumerate(records):
        # B's copy follows B's policy: due on another day, so usually in another batch than A's.
        holders = [(parties.a, i % 30), (parties.b, (i + 15) % 30)] if i < SHARED else [(parties.a, i % 30)]
        for holder, days_ago in holders:
            review_date = today - datetime.timedelta(days=1 + days_ago)
            copies.append(
                HeldCopy(
                    content_type="consent.record", content_id=record.pk, kind=RetentionRecordKind.CONSENT_RECORDS,
                    holder=holder, reference=record.reference, subject_ids=[record.subject_id],
                    officer=parties.requester if holder == parties.a else None,
                    policy_description="Portal default for consent records: 2190 days",
                    started_on=review_date - datetime.timedelta(days=2190), review_date=review_date,
                )
            )
    copies = HeldCopy.objects.bulk_create(copies)
    return [r.pk for r in records], [c.pk for c in copies]


def content_cleared(record: ConsentRecord) -> bool:
    """What a purged consent record looks like: no scan, no signatory, no information items, and
    the person it was about no longer named (each record here is about its own person)."""
    return not (
        record.scan or record.signatory_name or record.signatory_address or record.information_items
        or record.subject.full_name or record.subject.address
    )


def scan_exists(name: str) -> bool:
    return bool(name) and (settings.MEDIA_ROOT / name).exists()


def destroyed_count() -> int:
    return HeldCopy.objects.filter(destroyed_at__isnull=False).count()


def other_connections() -> set[int]:
    """Backend pids of the other connections to the test database (earlier tests' threads may
    hold some: compare with a snapshot taken before the worker started)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {row[0] for row in cursor.fetchall()}


def wait_for(condition, what: str, workers, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    logs = "\n".join(f"--- {w.node}\n{w.log()}" for w in workers.started)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name, state, wait_event_type, left(query, 120) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        activity = "\n".join(str(row) for row in cursor.fetchall())
    pytest.fail(f"Not within {timeout}s: {what}.\nOther connections:\n{activity}\nWorker logs:\n{logs}")


def assert_consistent(record_ids: list[int], scans: dict[int, str]) -> None:
    """At any moment, in the database: a record's content is cleared exactly when every copy of
    it is a tombstone, and each tombstone has exactly one decision-log entry from its own run."""
    held = HeldCopy.objects.filter(content_type="consent.record", destroyed_at__isnull=True)
    live = set(held.values_list("content_id", flat=True))
    for record in ConsentRecord.objects.filter(pk__in=record_ids).select_related("subject"):
        if record.pk in live:
            assert not content_cleared(record), f"{record.reference}: content cleared while a copy is still held"
            assert record.scan.name == scans[record.pk]
        else:
            assert content_cleared(record), f"{record.reference}: every copy destroyed but its content is still there"
    tombstones = dict(HeldCopy.objects.filter(destroyed_at__isnull=False).values_list("pk", "destroyed_by_run_id"))
    entries = [e.details for e in DecisionLogEntry.objects.filter(action="retention.destroyed")]
    per_copy = Counter(details["copy"] for details in entries)
    assert set(per_copy) == set(tombstones), "decision-log entries and tombstones differ"
    assert max(per_copy.values(), default=1) == 1, "a copy has more than one destruction entry"
    assert all(tombstones[details["copy"]] == details["run"] for details in entries)


def assert_destroyed_exactly_once(record_ids: list[int], copy_ids: list[int], scans: dict[int, str]) -> None:
    copies = list(HeldCopy.objects.filter(pk__in=copy_ids))
    assert all(c.destroyed_at is not None and c.destroyed_by_run_id is not None for c in copies)
    assert not due_copies().exists()
    assert_consistent(record_ids, scans)
    # Every record's scan is gone from disk, and its content went with its last copy, once.
    assert not [pk for pk, name in scans.items() if scan_exists(name)]
    # Each record's content went in exactly one batch (one run, one moment): the one that
    # destroyed its last copy (with it, any other copy of it in the same batch).
    content_of = dict(HeldCopy.objects.filter(pk__in=copy_ids).values_list("pk", "content_id"))
    purged_in = {pk: set() for pk in record_ids}
    for entry in DecisionLogEntry.objects.filter(action="retention.destroyed", details__content_destroyed=True):
        purged_in[content_of[entry.details["copy"]]].add((entry.details["run"], entry.occurred_at))
    twice = {pk: len(batches) for pk, batches in purged_in.items() if len(batches) != 1}
    assert not twice, f"records whose content was destroyed in other than one batch: {twice}"
    # The runs' own counts add up: nothing counted twice, nothing destroyed outside a run.
    assert sum(DestructionRun.objects.values_list("destroyed_count", flat=True)) == len(copy_ids)
    report = decision_log_verify()
    assert report.intact, report.problem
    assert report.count == DecisionLogEntry.objects.count()


def test_a_sweep_killed_mid_run_is_finished_by_the_next_worker_destroying_each_copy_once(
    parties, celery_workers  # noqa: F811
):
    record_ids, copy_ids = seed_due_consents(parties)
    scans = dict(ConsentRecord.objects.filter(pk__in=record_ids).values_list("pk", "scan"))
    total = len(copy_ids)

    before_worker = other_connections()
    first = celery_workers.start()
    retention_sweep.apply_async(kwargs={"batch_size": BATCH})
    wait_for(lambda: destroyed_count() >= total // 5, "the first worker destroyed a fifth", celery_workers)
    first.kill()
    # The dead worker's connection goes, and its open batch rolls back with it.
    wait_for(
        lambda: not (other_connections() - before_worker),
        "the killed worker's database connection closed",
        celery_workers,
    )
    killed_at = destroyed_count()
    assert killed_at < total, "the sweep finished before it could be killed: seed more copies"

    run = DestructionRun.objects.get()
    assert run.finished_at is None and run.destroyed_count == killed_at
    assert_consistent(record_ids, scans)
    # Scans are deleted inside the batch's transaction: only the batch the kill interrupted can
    # have lost its files without being committed; the next run destroys those records again.
    early = [pk for pk, name in scans.items() if not scan_exists(name)]
    cleared = set(ConsentRecord.objects.filter(pk__in=early, scan="").values_list("pk", flat=True))
    assert len(set(early) - cleared) <= BATCH

    celery_workers.start()
    retention_sweep.apply_async(kwargs={"batch_size": BATCH})
    finished = DestructionRun.objects.filter(finished_at__isnull=False)
    wait_for(lambda: finished.exists(), "the second run finished", celery_workers)

    assert_destroyed_exactly_once(record_ids, copy_ids, scans)
    second = DestructionRun.objects.get(finished_at__isnull=False)
    assert (run.destroyed_count, second.destroyed_count) == (killed_at, total - killed_at)


def test_two_workers_sweeping_at_once_destroy_each_copy_once(parties, celery_workers):  # noqa: F811
    record_ids, copy_ids = seed_due_consents(parties)
    scans = dict(ConsentRecord.objects.filter(pk__in=record_ids).values_list("pk", "scan"))
    # One queue each, so each worker surely runs its own sweep at the same time as the other.
    queues = [celery_workers.queue_named("one"), celery_workers.queue_named("two")]
    for queue in queues:
        celery_workers.start(queue=queue)
    for queue in queues:
        retention_sweep.apply_async(kwargs={"batch_size": BATCH}, queue=queue)
    finished = DestructionRun.objects.filter(finished_at__isnull=False)
    wait_for(lambda: finished.count() == 2, "both runs finished", celery_workers)

    assert_destroyed_exactly_once(record_ids, copy_ids, scans)
    runs = list(DestructionRun.objects.values_list("destroyed_count", flat=True))
    assert all(count > 0 for count in runs), f"one worker did all the work ({runs}): they did not run at once"


def test_a_killed_sweep_is_closed_as_abandoned_and_resumed_by_the_recovery_check(
    parties, celery_workers, monkeypatch  # noqa: F811
):
    """Issue 19 item 5: nothing but the beat's recovery check brings the killed run back (its
    message waits in Redis's unacked set for the 30-minute visibility timeout): within
    ABANDONED_AFTER + CHECK_EVERY of the kill the run is closed as abandoned, decision-logged, and
    a recovery sweep destroys the rest, each copy once."""
    monkeypatch.setenv("PORTAL_RETENTION_RUN_ABANDONED_AFTER", str(ABANDONED_AFTER))
    record_ids, copy_ids = seed_due_consents(parties)
    scans = dict(ConsentRecord.objects.filter(pk__in=record_ids).values_list("pk", "scan"))
    total = len(copy_ids)

    before_worker = other_connections()
    first = celery_workers.start()
    retention_sweep.apply_async(kwargs={"batch_size": BATCH})
    wait_for(lambda: destroyed_count() >= total // 5, "the first worker destroyed a fifth", celery_workers)
    first.kill()
    killed_at_time = timezone.now()
    wait_for(
        lambda: not (other_connections() - before_worker), "the killed worker's database connection closed", celery_workers
    )
    killed_at = destroyed_count()
    assert killed_at < total, "the sweep finished before it could be killed: seed more copies"
    killed = DestructionRun.objects.get()

    celery_workers.start()
    resumed = DestructionRun.objects.filter(trigger=DestructionRun.Trigger.RECOVERY)
    stated = ABANDONED_AFTER + CHECK_EVERY + WORKER_START
    deadline = time.monotonic() + stated
    while not resumed.exists() and time.monotonic() < deadline:
        retention_recover.apply_async()  # the beat
        time.sleep(CHECK_EVERY)
    assert resumed.exists(), f"no recovery sweep started within {stated}s of the kill"
    recovery = resumed.get()
    assert (recovery.started_at - killed_at_time).total_seconds() < stated
    wait_for(lambda: resumed.filter(finished_at__isnull=False).exists(), "the recovery sweep finished", celery_workers)

    killed.refresh_from_db()
    recovery.refresh_from_db()
    assert killed.abandoned_at is not None and killed.finished_at is None
    assert (killed.destroyed_count, recovery.destroyed_count) == (killed_at, total - killed_at)
    entries = list(DecisionLogEntry.objects.filter(action="retention.run_abandoned"))
    assert [e.details["run"] for e in entries] == [killed.pk]
    assert entries[0].details["destroyed_count"] == killed_at
    assert_destroyed_exactly_once(record_ids, copy_ids, scans)
