"""Rotating PORTAL_DECISION_LOG_KEY (issue 15): key epochs anchored in the chain itself. The
chain verifies across rotations (in one walk and as the chunked verification job), old keys
verify only what they signed, a tampered entry before or after a rotation is found, and an
attacker holding a leaked old key can neither add entries after the rotation nor take the
rotation out and re-sign the tail."""
import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from portal.accountability import chain, services
from portal.accountability.services import (
    decision_log_key_rotate,
    decision_log_verification_start,
    decision_log_verification_work,
    decision_log_verify,
    decision_record,
)
from portal.models import DecisionLogEntry, DecisionLogVerification
from tests.portal.test_decision_log import as_superuser_without_triggers, record_some

pytestmark = pytest.mark.django_db

OLD, NEW, NEWER = "test-decision-log-key", "the-second-key", "the-third-key"


@pytest.fixture(autouse=True)
def _fresh_key_checks():
    services._signing_key_confirmed.clear()
    yield
    services._signing_key_confirmed.clear()


def rotate_to(settings, new: str, *retired: str, reason="Routine yearly rotation"):
    settings.PORTAL_DECISION_LOG_KEY = new
    settings.PORTAL_DECISION_LOG_RETIRED_KEYS = list(retired)
    return decision_log_key_rotate(reasons=reason)


def job_verify(chunk_size=3) -> DecisionLogVerification:
    run = decision_log_verification_start(source="command", chunk_size=chunk_size)
    decision_log_verification_work(run_id=run.pk, pause=0)
    run.refresh_from_db()
    return run


def resign_with(key: str, entries: list[DecisionLogEntry], *, previous: str):
    """Recompute the chain over `entries` with `key` (an attacker who has the key)."""
    for entry in entries:
        fields = {name: getattr(entry, name) for name in chain.CHAINED_FIELDS}
        fields["partnership_id"] = entry.partnership_id
        digest = chain.entry_digest(previous_hash=previous, fields=fields, key=key.encode())
        as_superuser_without_triggers(
            "UPDATE portal_decisionlogentry SET previous_hash = %s, entry_hash = %s WHERE id = %s",
            [previous, digest, entry.pk],
        )
        previous = digest


def test_the_chain_verifies_across_two_rotations_in_a_walk_and_in_the_job(settings):
    before = record_some(4)
    first = rotate_to(settings, NEW, OLD)
    middle = record_some(3)
    second = rotate_to(settings, NEWER, OLD, NEW)
    after = record_some(2)
    assert first.previous_key_id == chain.key_id(OLD.encode()) and first.new_key_id == chain.key_id(NEW.encode())
    assert second.entry.previous_hash == middle[-1].entry_hash
    assert first.entry.details == {"key": first.new_key_id, "previous_key": first.previous_key_id}

    report = decision_log_verify(chunk_size=4)
    assert report.intact, report.problem
    assert report.count == len(before) + len(middle) + len(after) + 2
    assert report.head_hash == after[-1].entry_hash
    run = job_verify(chunk_size=3)  # ranges that start before, on and after a rotation
    assert run.status == DecisionLogVerification.Status.INTACT, run.problem
    assert run.count == report.count


def test_a_tampered_entry_after_the_rotation_is_found(settings):
    record_some(3)
    rotate_to(settings, NEW, OLD)
    after = record_some(3)
    as_superuser_without_triggers("UPDATE portal_decisionlogentry SET reasons = 'changed' WHERE id = %s", [after[1].pk])
    report = decision_log_verify()
    assert report.first_broken_id == after[1].pk and "edited" in report.problem
    run = job_verify(chunk_size=2)
    assert run.status == DecisionLogVerification.Status.BROKEN and run.first_broken_id == after[1].pk


def test_a_tampered_entry_before_the_rotation_is_found_under_the_old_key(settings):
    before = record_some(3)
    rotate_to(settings, NEW, OLD)
    record_some(2)
    as_superuser_without_triggers("UPDATE portal_decisionlogentry SET reasons = 'changed' WHERE id = %s", [before[2].pk])
    assert decision_log_verify().first_broken_id == before[2].pk
    assert job_verify(chunk_size=2).first_broken_id == before[2].pk


def test_an_entry_after_the_rotation_signed_with_the_leaked_old_key_is_found(settings):
    record_some(2)
    rotation = rotate_to(settings, NEW, OLD)
    after = record_some(3)
    # The attacker has the old key and the database: they re-sign the entries after the rotation.
    resign_with(OLD, after, previous=rotation.entry.entry_hash)
    report = decision_log_verify()
    assert report.first_broken_id == after[0].pk and "edited" in report.problem


def test_taking_the_rotation_out_and_resigning_the_tail_with_the_old_key_is_found(settings):
    before = record_some(2)
    rotation = rotate_to(settings, NEW, OLD)
    after = record_some(2)
    as_superuser_without_triggers("DELETE FROM portal_decisionlogentry WHERE id = %s", [rotation.entry.pk])
    as_superuser_without_triggers("DELETE FROM portal_decisionloganchor")
    resign_with(OLD, after, previous=before[-1].entry_hash)
    report = decision_log_verify()
    assert not report.intact
    assert report.problem == chain.RETIRED_HEAD
    run = job_verify(chunk_size=2)
    assert run.status == DecisionLogVerification.Status.BROKEN and run.problem == chain.RETIRED_HEAD


def test_without_the_retired_key_the_old_entries_cannot_be_verified(settings):
    before = record_some(2)
    rotate_to(settings, NEW, OLD)
    record_some(1)
    settings.PORTAL_DECISION_LOG_RETIRED_KEYS = []
    report = decision_log_verify()
    assert report.first_broken_id == before[0].pk and "does not hold" in report.problem


def test_changing_the_key_without_rotating_stops_writes_and_fails_verification(settings):
    entries = record_some(2)
    settings.PORTAL_DECISION_LOG_KEY = NEW
    settings.PORTAL_DECISION_LOG_RETIRED_KEYS = [OLD]
    with pytest.raises(RuntimeError, match="rotate_decision_log_key"), transaction.atomic():
        decision_record(actor=None, organisation=None, action="organisation.suspended", reasons="x")
    assert DecisionLogEntry.objects.count() == 2
    report = decision_log_verify()
    assert report.problem == chain.RETIRED_HEAD and report.first_broken_id == entries[0].pk


def test_a_rotation_over_a_broken_chain_or_to_the_same_key_is_refused(settings):
    entries = record_some(3)
    with pytest.raises(ValueError, match="already the key in force"):
        decision_log_key_rotate(reasons="no new key set")
    as_superuser_without_triggers("UPDATE portal_decisionlogentry SET reasons = 'x' WHERE id = %s", [entries[1].pk])
    with pytest.raises(ValueError, match=f"broken at entry {entries[1].pk}"):
        rotate_to(settings, NEW, OLD)
    assert not DecisionLogEntry.objects.filter(action=chain.ROTATION_ACTION).exists()


def test_the_command_rotates_and_prints_what_to_keep(settings, capsys):
    record_some(2)
    settings.PORTAL_DECISION_LOG_KEY = NEW
    settings.PORTAL_DECISION_LOG_RETIRED_KEYS = [OLD]
    with pytest.raises(CommandError, match="reason"):
        call_command("rotate_decision_log_key", "--reason", "  ")
    call_command("rotate_decision_log_key", "--reason", "Suspected leak of the old key")
    out = capsys.readouterr().out
    rotation = DecisionLogEntry.objects.get(action=chain.ROTATION_ACTION)
    assert f"key {chain.key_id(OLD.encode())} is now verify-only" in out
    assert f"3 entries; head hash {rotation.entry_hash}" in out
    assert rotation.reasons == "Suspected leak of the old key"
    call_command("verify_decision_log")
    assert "Decision log intact: 3 entries" in capsys.readouterr().out
