"""The set-based destruction batch (issue 17): its decision-log entries are appended in one COPY
with the verifier's encoder, and a batch that fails half-way through leaves nothing half-done.
Real PostgreSQL throughout: the failure is raised by the database itself, in the middle of the
batch's COPY into the decision log (after the tombstones and the purge were written)."""
from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from portal.accountability import chain
from portal.accountability.services import DecisionEntry, decision_log_verify, decision_records
from portal.models import DataSubject, DecisionLogEntry, DestructionRun, HeldCopy, RetentionRecordKind
from portal.retention.registry import register_retention_content
from portal.retention.services import due_copies, held_copy_record, retention_sweep
from portal.roles import Role

CONTENT = "tests.batch_subject"
TODAY = datetime.date(2026, 11, 23)


def _purge(ids: list[int]) -> None:
    DataSubject.objects.filter(pk__in=ids).update(full_name="", address="", nhs_number="")


register_retention_content(content_type=CONTENT, label="Batch test subject", purge=_purge)


@pytest.fixture
def holders(make_member):
    a = make_member(role=Role.DESIGNATED_OFFICER)
    b = make_member(role=Role.DESIGNATED_OFFICER)
    return a.organisation, b.organisation


def _due(holders, n: int, *, shared: int = 0) -> list[DataSubject]:
    """n people, each with a due copy at the first holder; the first `shared` also at the second."""
    subjects = DataSubject.objects.bulk_create(
        [DataSubject(holder=holders[0], full_name=f"Batch Person {i}", address=f"{i} Batch Street") for i in range(n)]
    )
    with transaction.atomic():
        for i, subject in enumerate(subjects):
            for holder in holders[: 2 if i < shared else 1]:
                held_copy_record(
                    content_type=CONTENT, content_id=subject.pk, kind=RetentionRecordKind.REQUESTS, holder=holder,
                    reference=f"REQ-2026-{i:05d}", request_reference=f"REQ-2026-{i:05d}", subject_ids=[subject.pk],
                    start=TODAY - datetime.timedelta(days=4000 + i % 7),
                )
    return subjects


FAIL_AFTER = """
CREATE FUNCTION h17a_fail_after() RETURNS trigger AS $$
BEGIN
    IF NEW.action = 'retention.destroyed'
       AND (SELECT count(*) FROM portal_decisionlogentry WHERE action = 'retention.destroyed') >= %s THEN
        RAISE EXCEPTION 'disk full (simulated) in the middle of the batch';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER h17a_fail_after BEFORE INSERT ON portal_decisionlogentry
    FOR EACH ROW EXECUTE FUNCTION h17a_fail_after();
"""


@pytest.mark.django_db(transaction=True)
def test_a_batch_that_fails_half_way_through_its_log_entries_leaves_nothing_half_done(holders):
    subjects = _due(holders, 40, shared=10)  # 50 due copies; 10 people's content goes with their second copy
    copies = list(HeldCopy.objects.filter(content_type=CONTENT).values_list("pk", flat=True))
    before_log = DecisionLogEntry.objects.count()
    with connection.cursor() as cursor:
        cursor.execute(FAIL_AFTER % 7)  # the 8th entry of the batch's COPY is refused
    try:
        with pytest.raises(DatabaseError, match="disk full"):
            retention_sweep(today=TODAY, batch_size=50)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER h17a_fail_after ON portal_decisionlogentry; DROP FUNCTION h17a_fail_after()")

    # Nothing of the batch is left: no tombstone, no purged person, no log entry, nothing counted.
    assert HeldCopy.objects.filter(pk__in=copies, destroyed_at__isnull=False).count() == 0
    assert due_copies(today=TODAY).count() == 50
    assert all(s.full_name.startswith("Batch Person") for s in DataSubject.objects.filter(pk__in=[s.pk for s in subjects]))
    assert DecisionLogEntry.objects.count() == before_log
    assert sum(DestructionRun.objects.values_list("destroyed_count", flat=True)) == 0
    assert decision_log_verify().intact

    # The next sweep does the whole of it, once.
    run = retention_sweep(today=TODAY, batch_size=50)
    assert run.destroyed_count == 50
    entries = list(DecisionLogEntry.objects.filter(action="retention.destroyed").order_by("id"))
    assert sorted(e.details["copy"] for e in entries) == sorted(copies)
    assert {e.details["run"] for e in entries} == {run.pk}
    assert not DataSubject.objects.filter(pk__in=[s.pk for s in subjects]).exclude(full_name="").exists()
    report = decision_log_verify()
    assert report.intact and report.count == DecisionLogEntry.objects.count()


@pytest.mark.django_db
def test_a_sweep_in_several_batches_logs_each_copy_once_in_order_and_names_its_holder(holders):
    _due(holders, 30, shared=5)
    run = retention_sweep(today=TODAY, batch_size=8)
    assert run.destroyed_count == 35
    entries = list(DecisionLogEntry.objects.filter(action="retention.destroyed").order_by("id"))
    assert len({e.details["copy"] for e in entries}) == 35
    tombstones = dict(HeldCopy.objects.filter(content_type=CONTENT).values_list("pk", "holder_id"))
    names = {h.pk: h.name for h in holders}
    for entry in entries:
        assert entry.organisation_id == tombstones[entry.details["copy"]]
        assert entry.organisation_name == names[entry.organisation_id]
        assert f"held by {names[entry.organisation_id]}" in entry.reasons
    # Each person's content went with their last copy, in one batch (with it, any other copy of
    # it in that batch): the entries saying so name every person once, each at one moment.
    content_of = dict(HeldCopy.objects.filter(content_type=CONTENT).values_list("pk", "content_id"))
    purged_at: dict[int, set] = {}
    for e in entries:
        if e.details["content_destroyed"]:
            purged_at.setdefault(content_of[e.details["copy"]], set()).add(e.occurred_at)
    assert len(purged_at) == 30 and all(len(moments) == 1 for moments in purged_at.values())
    # The chain runs through the batches: each entry follows the one before it.
    log = list(DecisionLogEntry.objects.order_by("id").values_list("previous_hash", "entry_hash"))
    assert all(log[i][0] == log[i - 1][1] for i in range(1, len(log)))
    assert decision_log_verify().intact


# PostgreSQL text and jsonb hold no NUL, whichever way an entry is written.
awkward = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)


@pytest.mark.django_db
@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reasons=st.lists(awkward, min_size=2, max_size=5), reference=awkward,
       details=st.dictionaries(awkward, st.one_of(awkward, st.integers(-2**53, 2**53), st.booleans(),
                                                             st.none(), st.lists(st.integers(), max_size=3)),
                               max_size=4))
def test_entries_appended_by_copy_are_stored_as_given_and_hash_as_the_chain_encodes_them(holders, reasons, reference, details):
    """Tabs, newlines, backslashes, quotes and any Unicode in the fields survive the COPY, and each
    stored entry's hash is the chain's own digest of its fields (the verifier agrees)."""
    organisation = holders[0]
    with transaction.atomic():
        first = DecisionLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        decision_records([
            DecisionEntry(actor=None, organisation=organisation, action="retention.destroyed", reasons=text,
                          reference=reference[:64], details={**details, "n": i})
            for i, text in enumerate(reasons)
        ])
    stored = list(DecisionLogEntry.objects.filter(id__gt=first).order_by("id"))
    assert [e.reasons for e in stored] == reasons
    assert all(e.reference == reference[:64] and e.organisation_name == organisation.name for e in stored)
    assert [e.details for e in stored] == [{**details, "n": i} for i in range(len(reasons))]
    for entry in stored:
        fields = {name: getattr(entry, name) for name in chain.CHAINED_FIELDS + chain.OPTIONAL_CHAINED_FIELDS}
        assert chain.entry_digest(previous_hash=entry.previous_hash, fields=fields) == entry.entry_hash
    assert decision_log_verify().intact
