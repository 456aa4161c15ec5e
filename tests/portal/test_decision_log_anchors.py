"""Cutting the decision log's tail, or truncating it, is caught (portal/accountability/services.py):
each verification and the daily job anchor the head outside the log's table, and the verifier
checks the log still reaches the last anchor. And the access log refuses DELETE except from the
retention prune."""
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from portal.accountability.services import (
    access_log_entries_delete,
    access_record,
    decision_log_anchor_daily,
    decision_log_verify,
)
from portal.accountability.tasks import decision_log_anchor
from portal.models import AccessLogEntry, DecisionLogAnchor
from tests.portal.factories import MembershipFactory
from tests.portal.test_decision_log import as_superuser_without_triggers, record_some

pytestmark = pytest.mark.django_db


def test_each_intact_verification_records_an_anchor():
    entries = record_some(3)
    report = decision_log_verify()
    assert report.intact
    anchor = DecisionLogAnchor.objects.get()
    assert (anchor.count, anchor.head_id, anchor.head_hash, anchor.source) == (
        3,
        entries[-1].pk,
        entries[-1].entry_hash,
        "verification",
    )


@pytest.mark.parametrize("cut", [1, 2])
def test_deleting_the_last_entries_is_caught(cut):
    entries = record_some(5)
    assert decision_log_verify().intact
    as_superuser_without_triggers("DELETE FROM portal_decisionlogentry WHERE id >= %s", [entries[-cut].pk])
    report = decision_log_verify()
    assert not report.intact
    survivor = entries[-cut - 1].pk
    assert report.first_broken_id == survivor
    assert f"entries after #{survivor} are missing" in report.problem
    assert f"counted 5 entries up to #{entries[-1].pk}" in report.problem
    # A broken log is not anchored: verifying again still reports it.
    assert DecisionLogAnchor.objects.count() == 1
    assert not decision_log_verify().intact


def test_a_cut_tail_followed_by_new_entries_is_still_caught():
    entries = record_some(4)
    assert decision_log_verify().intact
    as_superuser_without_triggers("DELETE FROM portal_decisionlogentry WHERE id = %s", [entries[-1].pk])
    record_some(3)  # the chain goes on from the survivor, and verifies on its own
    report = decision_log_verify()
    assert not report.intact and f"entries after #{entries[-2].pk} are missing" in report.problem


def test_truncating_the_log_is_caught():
    record_some(3)
    assert decision_log_verify().intact
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's own transaction has deferred checks
        cursor.execute("TRUNCATE portal_decisionlogentry")
    report = decision_log_verify()
    assert not report.intact and "every entry is missing" in report.problem


def test_the_command_fails_on_a_cut_tail():
    entries = record_some(3)
    call_command("verify_decision_log")
    as_superuser_without_triggers("DELETE FROM portal_decisionlogentry WHERE id = %s", [entries[-1].pk])
    with pytest.raises(CommandError, match=f"entries after #{entries[-2].pk} are missing"):
        call_command("verify_decision_log")


def test_the_daily_job_anchors_the_head_and_catches_a_cut_since_the_last_anchor():
    entries = record_some(3)
    assert decision_log_anchor() == 3  # the beat task, run in-process
    anchor = DecisionLogAnchor.objects.get()
    assert (anchor.count, anchor.head_id, anchor.source) == (3, entries[-1].pk, "daily")
    as_superuser_without_triggers("DELETE FROM portal_decisionlogentry WHERE id = %s", [entries[-1].pk])
    report = decision_log_anchor_daily()
    assert not report.intact and f"entries after #{entries[-2].pk} are missing" in report.problem
    assert DecisionLogAnchor.objects.count() == 1
    assert not decision_log_verify().intact


def test_the_daily_job_is_scheduled(settings):
    from portal.celery import app

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "portal.decision_log_anchor" in tasks
    app.loader.import_default_modules()
    assert "portal.decision_log_anchor" in app.tasks


def test_an_edited_anchored_head_is_caught():
    entries = record_some(2)
    assert decision_log_verify().intact
    as_superuser_without_triggers(
        "UPDATE portal_decisionloganchor SET head_hash = %s", ["f" * 64]
    )
    report = decision_log_verify()
    assert report.first_broken_id == entries[-1].pk and "not the one anchored" in report.problem


@pytest.mark.parametrize(
    "sql", ["UPDATE portal_decisionloganchor SET count = 0", "DELETE FROM portal_decisionloganchor"]
)
def test_anchors_are_append_only(sql):
    record_some(1)
    decision_log_verify()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)


def _access_entry():
    membership = MembershipFactory()
    return access_record(
        user=membership.user, organisation=membership.organisation, kind="view", object_type="request", reference="R1"
    )


@pytest.mark.parametrize("how", ["sql", "orm"])
def test_the_access_log_refuses_delete_outside_the_prune(how):
    entry = _access_entry()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        if how == "sql":
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM portal_accesslogentry")
        else:
            AccessLogEntry.objects.filter(pk=entry.pk).delete()
    assert AccessLogEntry.objects.filter(pk=entry.pk).exists()


def test_the_prune_may_delete_and_the_permission_ends_with_the_delete():
    entry = _access_entry()
    other = _access_entry()
    with transaction.atomic():
        assert access_log_entries_delete(AccessLogEntry.objects.filter(pk=entry.pk)) == 1
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AccessLogEntry.objects.filter(pk=other.pk).delete()
    assert not AccessLogEntry.objects.filter(pk=entry.pk).exists()
    assert AccessLogEntry.objects.filter(pk=other.pk).exists()
