"""The decision log: written in the decision's transaction, append-only in the database itself,
and hash-chained so that tampering through raw SQL is caught by the verifier."""
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from portal.accountability.services import access_record, decision_log_verify, decision_record
from portal.models import AccessLogEntry, DecisionLogEntry
from tests.portal.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def record_some(n=5):
    membership = MembershipFactory()
    entries = []
    for i in range(n):
        with transaction.atomic():
            entries.append(
                decision_record(
                    actor=membership.user,
                    organisation=membership.organisation,
                    action="organisation.suspended",
                    reference=f"REF-{i}",
                    reasons=f"reason {i}",
                    details={"n": i},
                )
            )
    return entries


def as_superuser_without_triggers(sql, params=()):
    """What an attacker with the database superuser can do: switch triggers off and edit."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql, params)
        finally:
            cursor.execute("SET session_replication_role = origin")


def test_entries_chain_and_verify():
    entries = record_some(5)
    report = decision_log_verify()
    assert report.intact
    assert report.count == 5
    assert report.head_hash == entries[-1].entry_hash
    assert entries[1].previous_hash == entries[0].entry_hash


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused():
    membership = MembershipFactory()
    with pytest.raises(RuntimeError, match="inside the transaction"):
        decision_record(actor=membership.user, organisation=None, action="organisation.suspended", reasons="x")


def test_unknown_event_is_refused():
    with pytest.raises(ValueError, match="Unknown decision event"), transaction.atomic():
        decision_record(actor=None, organisation=None, action="made.up", reasons="x")


def test_a_rolled_back_decision_leaves_no_entry():
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        decision_record(actor=None, organisation=None, action="organisation.suspended", reasons="x")
        1 / 0  # noqa: B018  (raises inside the atomic block on purpose)
    assert DecisionLogEntry.objects.count() == 0


@pytest.mark.parametrize(
    "sql",
    ["UPDATE portal_decisionlogentry SET reasons = 'changed'", "DELETE FROM portal_decisionlogentry"],
)
def test_database_refuses_update_and_delete(sql):
    record_some(2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert DecisionLogEntry.objects.count() == 2


def test_orm_update_is_refused_too():
    entry = record_some(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        DecisionLogEntry.objects.filter(pk=entry.pk).update(reasons="changed")


def test_edit_through_raw_sql_is_caught_at_that_entry():
    entries = record_some(5)
    as_superuser_without_triggers(
        "UPDATE portal_decisionlogentry SET reasons = 'nothing to see' WHERE id = %s", [entries[2].pk]
    )
    report = decision_log_verify()
    assert report.first_broken_id == entries[2].pk
    assert "edited" in report.problem


def test_deletion_through_raw_sql_is_caught_at_the_next_entry():
    entries = record_some(5)
    as_superuser_without_triggers("DELETE FROM portal_decisionlogentry WHERE id = %s", [entries[1].pk])
    report = decision_log_verify()
    assert report.first_broken_id == entries[2].pk
    assert "removed or inserted" in report.problem


def test_rehashing_without_the_key_is_caught(settings):
    entries = record_some(3)
    settings.PORTAL_DECISION_LOG_KEY = "an attacker's guess"
    assert decision_log_verify().first_broken_id == entries[0].pk


def test_command_names_the_first_broken_entry_and_fails(capsys):
    entries = record_some(3)
    call_command("verify_decision_log")
    assert f"3 entries; head hash {entries[-1].entry_hash}" in capsys.readouterr().out
    as_superuser_without_triggers("UPDATE portal_decisionlogentry SET action = 'x' WHERE id = %s", [entries[1].pk])
    with pytest.raises(CommandError, match=f"broken at entry {entries[1].pk}"):
        call_command("verify_decision_log")


def test_access_log_refuses_edits():
    membership = MembershipFactory()
    entry = access_record(
        user=membership.user, organisation=membership.organisation, kind="view", object_type="request", reference="R1"
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogEntry.objects.filter(pk=entry.pk).update(reference="R2")
