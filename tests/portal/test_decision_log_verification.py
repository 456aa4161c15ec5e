"""Chain verification as a job (issue 17): the fast range check agrees with the chain's own
encoding, ranges checked apart add up to the whole walk, and real Celery workers run a queued
verification in parallel, find a broken chain at the right entry, and finish a run whose worker
was killed in the middle of it."""
import time
from datetime import UTC, datetime

import pytest
from django.db import transaction

from portal.accountability import chain
from portal.accountability.services import (
    decision_log_verification_resume,
    decision_log_verification_start,
    decision_log_verification_work,
    decision_log_verify,
    decision_record,
)
from portal.models import DecisionLogAnchor, DecisionLogEntry, DecisionLogVerification, Partnership
from tests.portal.factories import MembershipFactory
from tests.portal.test_decision_log import as_superuser_without_triggers
from tests.workers import celery_workers  # noqa: F401  (a pytest fixture)

AWKWARD = [
    "Zoë O'Brien — “quoted” \"double\" back\\slash",
    "line one\nline two\ttab \u2028 separator",
    "emoji 🚓 and CJK 警察",
    "",
]


def record(n: int, *, membership=None, partnership=None) -> list[DecisionLogEntry]:
    membership = membership or MembershipFactory()
    out = []
    for i in range(n):
        with transaction.atomic():
            out.append(
                decision_record(
                    actor=membership.user if i % 3 else None,
                    organisation=membership.organisation if i % 4 else None,
                    action="organisation.suspended",
                    reference=f"REF-{i}",
                    reasons=AWKWARD[i % len(AWKWARD)],
                    purpose=AWKWARD[(i + 1) % len(AWKWARD)],
                    details={"n": i, "z": [1, 2.5, None, True], "ä": {"b": "ü", "a": AWKWARD[i % len(AWKWARD)]}} if i % 2 else {},
                    partnership=partnership if i % 5 == 0 else None,
                )
            )
    return out


def insert_entry(*, previous: str, occurred_at: datetime, reasons: str) -> DecisionLogEntry:
    fields = {
        "occurred_at": occurred_at, "actor_id": None, "actor_name": "system", "organisation_id": None,
        "organisation_name": "", "action": "organisation.suspended", "reference": "", "recipient_name": "",
        "purpose": "", "reasons": reasons, "protocol_version": "", "details": {},
    }
    entry_hash = chain.entry_digest(previous_hash=previous, fields=fields)
    return DecisionLogEntry.objects.create(**fields, previous_hash=previous, entry_hash=entry_hash)


@pytest.mark.django_db
def test_the_fast_check_agrees_with_the_chain_encoding_on_awkward_values():
    partnership = Partnership.objects.create(slug="p", name="P")
    entries = record(12, partnership=partnership)
    # A whole second (isoformat still writes .000000) and a date long ago.
    first = insert_entry(previous=entries[-1].entry_hash, occurred_at=datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC), reasons="a")
    insert_entry(previous=first.entry_hash, occurred_at=datetime(1999, 12, 31, 23, 59, 59, 1, tzinfo=UTC), reasons="b")
    report = decision_log_verify(chunk_size=5)  # ranges of 5 ids, each from the hash before it
    assert report.intact and report.count == 14
    assert report.head_hash == DecisionLogEntry.objects.order_by("-id").first().entry_hash


@pytest.mark.django_db
def test_ranges_checked_apart_find_the_same_first_break_as_the_walk():
    entries = record(23)
    as_superuser_without_triggers("UPDATE portal_decisionlogentry SET reasons = 'x' WHERE id = %s", [entries[17].pk])
    as_superuser_without_triggers("DELETE FROM portal_decisionlogentry WHERE id = %s", [entries[10].pk])
    walk = decision_log_verify(chunk_size=1000)
    run = decision_log_verification_start(source="command", chunk_size=4)
    decision_log_verification_work(run_id=run.pk)
    run.refresh_from_db()
    assert walk.first_broken_id == entries[11].pk and "removed or inserted" in walk.problem
    assert (run.status, run.first_broken_id, run.count, run.problem) == ("broken", walk.first_broken_id, walk.count, walk.problem)
    assert run.count == 11  # the ten entries before it verified, and it was read


@pytest.mark.django_db
def test_a_run_that_no_longer_reaches_the_last_anchor_is_broken_and_not_anchored():
    entries = record(6)
    assert decision_log_verify().intact  # anchors the head
    as_superuser_without_triggers("DELETE FROM portal_decisionlogentry WHERE id >= %s", [entries[4].pk])
    run = decision_log_verification_start(source="command", chunk_size=2)
    decision_log_verification_work(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "broken" and run.first_broken_id == entries[3].pk
    assert "missing" in run.problem
    assert DecisionLogAnchor.objects.count() == 1


@pytest.mark.django_db
def test_an_empty_log_verifies_as_intact():
    run = decision_log_verification_start(source="daily")
    decision_log_verification_work(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.count, run.head_hash, run.chunks_total) == ("intact", 0, chain.GENESIS, 0)


def wait_finished(run_id: int, timeout: float = 60) -> DecisionLogVerification:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = DecisionLogVerification.objects.get(pk=run_id)
        if run.finished:
            return run
        time.sleep(0.2)
    pytest.fail(f"verification run {run_id} did not finish within {timeout}s")


@pytest.mark.worker
def test_two_real_workers_verify_in_parallel_and_anchor_the_head(celery_workers):  # noqa: F811
    entries = record(40)
    first, second = celery_workers.start(), celery_workers.start()
    run = decision_log_verification_start(source="auditor", chunk_size=5)
    run = wait_finished(run.pk)
    assert (run.status, run.count, run.head_id, run.head_hash) == ("intact", 40, entries[-1].pk, entries[-1].entry_hash)
    assert (run.chunks_done, run.chunks_total, run.verified) == (8, 8, 40)
    anchor = DecisionLogAnchor.objects.get()
    assert (anchor.count, anchor.head_id, anchor.head_hash, anchor.source) == (40, entries[-1].pk, entries[-1].entry_hash, "verification")
    assert first.process.poll() is None and second.process.poll() is None


@pytest.mark.worker
def test_a_real_worker_finds_the_edited_entry_in_the_middle_range(celery_workers):  # noqa: F811
    entries = record(30)
    as_superuser_without_triggers(
        "UPDATE portal_decisionlogentry SET organisation_name = 'moved' WHERE id = %s", [entries[21].pk]
    )
    celery_workers.start()
    run = wait_finished(decision_log_verification_start(source="auditor", chunk_size=4).pk)
    assert (run.status, run.first_broken_id, run.count) == ("broken", entries[21].pk, 22)
    assert run.problem == chain.EDITED and run.head_hash == entries[20].entry_hash
    assert not DecisionLogAnchor.objects.exists()


@pytest.mark.worker
def test_a_run_whose_worker_is_killed_is_resumed_without_redoing_finished_ranges(celery_workers, monkeypatch, settings):  # noqa: F811
    entries = record(30)
    settings.PORTAL_DECISION_LOG_VERIFY_PARALLEL = 1  # one queued task, taken by the worker killed
    monkeypatch.setenv("PORTAL_DECISION_LOG_VERIFY_PAUSE", "0.7")  # the worker's pace: killable mid-run
    worker = celery_workers.start()
    run = decision_log_verification_start(source="auditor", chunk_size=5)
    deadline = time.monotonic() + 60
    while DecisionLogVerification.objects.get(pk=run.pk).chunks_done < 2:
        assert time.monotonic() < deadline, worker.log()
        time.sleep(0.05)
    worker.kill()
    run.refresh_from_db()
    assert not run.finished and 2 <= run.chunks_done < 6
    done_before = dict(run.chunks.filter(done_at__isnull=False).values_list("first_id", "done_at"))
    # Not yet stale: a resume now leaves it to the worker it thinks is still on it.
    assert decision_log_verification_resume(stale_after=3600) == []
    monkeypatch.setenv("PORTAL_DECISION_LOG_VERIFY_PAUSE", "0")
    celery_workers.start()
    assert decision_log_verification_resume(stale_after=0) == [run.pk]
    run = wait_finished(run.pk)
    assert (run.status, run.count, run.head_hash) == ("intact", 30, entries[-1].entry_hash)
    assert run.chunks_done == 6 and run.verified == 30
    for first_id, done_at in done_before.items():
        assert run.chunks.get(first_id=first_id).done_at == done_at  # not checked twice
