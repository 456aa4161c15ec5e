"""The retention engine (portal/retention/): policies, review dates, extensions, legal holds, the
destruction sweep, warnings and the access-log prune. Content here is a core DataSubject registered
by this module as a test content type, so the engine is tested without any app."""
from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from portal.accountability.services import access_record, decision_log_verify
from portal.models import (
    AccessLogEntry,
    DataSubject,
    DecisionLogEntry,
    HeldCopy,
    Notification,
    RetentionRecordKind,
)
from portal.protocols.selectors import current_pack_cache_clear
from portal.protocols.services import protocol_pack_load
from portal.retention.registry import register_retention_content
from portal.retention.services import (
    held_copy_confirm_destruction,
    held_copy_extend,
    held_copy_record,
    legal_hold_lift,
    legal_hold_place,
    retention_policy_for,
    retention_policy_set,
    retention_sweep,
    retention_warnings_send,
)
from portal.roles import Role

CONTENT = "tests.subject"
PURGED: list[list[int]] = []


def _purge(ids: list[int]) -> None:
    PURGED.append(list(ids))
    DataSubject.objects.filter(pk__in=ids).update(full_name="", address="", nhs_number="")


register_retention_content(content_type=CONTENT, label="Test subject", purge=_purge)

TODAY = datetime.date(2026, 11, 23)
REQUESTS = RetentionRecordKind.REQUESTS


@pytest.fixture(autouse=True)
def pack(db):
    PURGED.clear()
    pack, _ = protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / "stockport-2020.yaml")
    current_pack_cache_clear()
    yield pack
    current_pack_cache_clear()


@pytest.fixture
def people(make_member):
    do_a = make_member(role=Role.DESIGNATED_OFFICER)
    org_a = do_a.organisation
    officer_a = make_member(role=Role.OFFICER, organisation=org_a)
    other_officer_a = make_member(role=Role.OFFICER, organisation=org_a)
    do_b = make_member(role=Role.DESIGNATED_OFFICER)
    admin = make_member(role=Role.ADMIN)
    return type("People", (), dict(do_a=do_a, org_a=org_a, officer_a=officer_a, other_officer_a=other_officer_a,
                                   do_b=do_b, org_b=do_b.organisation, admin=admin))


def _subject(org, name="Alex Example"):
    return DataSubject.objects.create(holder=org, full_name=name, address="1 High Street", nhs_number="9434765919")


def _copy(subject, holder, *, start=TODAY, kind=REQUESTS, officer=None, reference="REQ-2026-00001", marking=None):
    return held_copy_record(
        content_type=CONTENT,
        content_id=subject.pk,
        kind=kind,
        holder=holder,
        reference=reference,
        request_reference=reference,
        subject_ids=[subject.pk],
        officer=officer,
        marking=marking,
        start=start,
    )


def _policy(people, org, days, *, kind=REQUESTS, marking_code=""):
    actor = people.admin
    return retention_policy_set(
        organisation=org, kind=kind, marking_code=marking_code, days=days, reason="Agreed at the board",
        acting_user=actor.user, acting_membership=actor,
    )


# --- policies and review dates --------------------------------------------------------------


def test_review_date_comes_from_the_pack_default_until_the_holder_sets_its_own(people, pack):
    subject = _subject(people.org_a)
    copy = _copy(subject, people.org_a)
    assert copy.review_date == TODAY + datetime.timedelta(days=2190)  # Stockport pack: six years
    assert "Protocol default" in copy.policy_description

    _policy(people, people.org_b, 30)
    other = _copy(subject, people.org_b)
    assert other.review_date == TODAY + datetime.timedelta(days=30)
    assert other.policy_description.startswith("Organisation policy")


def test_a_policy_for_one_marking_level_beats_the_policy_for_every_level(people, pack):
    official, sensitive = list(pack.marking_levels.order_by("order"))[:2]
    _policy(people, people.org_a, 100)
    _policy(people, people.org_a, 10, marking_code=sensitive.code)
    assert retention_policy_for(organisation_id=people.org_a.pk, kind=REQUESTS, marking_code=sensitive.code).days == 10
    assert retention_policy_for(organisation_id=people.org_a.pk, kind=REQUESTS, marking_code=official.code).days == 100
    subject = _subject(people.org_a)
    assert _copy(subject, people.org_a, marking=sensitive).review_date == TODAY + datetime.timedelta(days=10)


def test_policy_changes_are_decision_logged_and_limited_to_the_organisations_own_designated_officer(people):
    retention_policy_set(
        organisation=people.org_a, kind=REQUESTS, days=400, reason="Local records schedule 2026",
        acting_user=people.do_a.user, acting_membership=people.do_a,
    )
    entry = DecisionLogEntry.objects.filter(action="retention.policy_changed").get()
    assert entry.reasons == "Local records schedule 2026"
    assert entry.details["days"] == 400 and entry.details["organisation"] == people.org_a.pk
    with pytest.raises(PermissionDenied):
        retention_policy_set(
            organisation=people.org_a, kind=REQUESTS, days=1, reason="x",
            acting_user=people.do_b.user, acting_membership=people.do_b,
        )
    with pytest.raises(PermissionDenied):
        retention_policy_set(
            organisation=people.org_a, kind=REQUESTS, days=1, reason="x",
            acting_user=people.officer_a.user, acting_membership=people.officer_a,
        )
    with pytest.raises(ValidationError) as error:
        retention_policy_set(
            organisation=people.org_a, kind=REQUESTS, days=-1, reason="",
            acting_user=people.do_a.user, acting_membership=people.do_a,
        )
    assert set(error.value.message_dict) == {"days", "reason"}


def test_recording_again_restarts_the_clock_but_never_undoes_an_extension(people):
    _policy(people, people.org_a, 30)
    subject = _subject(people.org_a)
    copy = _copy(subject, people.org_a, officer=people.officer_a.user)
    held_copy_extend(
        copy=copy, new_review_date=TODAY + datetime.timedelta(days=400), reason="Prosecution pending",
        acting_user=people.officer_a.user, acting_membership=people.officer_a,
    )
    again = _copy(subject, people.org_a, start=TODAY + datetime.timedelta(days=5))
    assert again.pk == copy.pk
    assert again.review_date == TODAY + datetime.timedelta(days=400)
    _copy(subject, people.org_a, start=TODAY + datetime.timedelta(days=380))
    copy.refresh_from_db()
    assert copy.review_date == TODAY + datetime.timedelta(days=410)


# --- extension and confirmation --------------------------------------------------------------


def test_extension_needs_a_later_date_and_a_reason_and_is_logged(people):
    subject = _subject(people.org_a)
    copy = _copy(subject, people.org_a, officer=people.officer_a.user)
    with pytest.raises(ValidationError) as error:
        held_copy_extend(copy=copy, new_review_date=TODAY, reason=" ", acting_user=people.do_a.user,
                         acting_membership=people.do_a)
    assert set(error.value.message_dict) == {"new_review_date", "reason"}
    new_date = copy.review_date + datetime.timedelta(days=90)
    held_copy_extend(copy=copy, new_review_date=new_date, reason="Complaint open",
                     acting_user=people.do_a.user, acting_membership=people.do_a)
    copy.refresh_from_db()
    assert copy.review_date == new_date
    assert copy.extensions.get().reason == "Complaint open"
    entry = DecisionLogEntry.objects.get(action="retention.extended")
    assert entry.reference == "REQ-2026-00001" and entry.details["to"] == new_date.isoformat()


def test_only_the_copys_officer_or_the_holders_designated_officer_decide_on_it(people):
    copy = _copy(_subject(people.org_a), people.org_a, officer=people.officer_a.user)
    later = copy.review_date + datetime.timedelta(days=1)
    for member in (people.other_officer_a, people.do_b):
        with pytest.raises(PermissionDenied):
            held_copy_extend(copy=copy, new_review_date=later, reason="r", acting_user=member.user, acting_membership=member)
        with pytest.raises(PermissionDenied):
            held_copy_confirm_destruction(copy=copy, acting_user=member.user, acting_membership=member)
    held_copy_confirm_destruction(copy=copy, acting_user=people.officer_a.user, acting_membership=people.officer_a)
    copy.refresh_from_db()
    assert copy.confirmed_by == people.officer_a.user
    assert DecisionLogEntry.objects.filter(action="retention.destruction_confirmed").count() == 1


# --- the sweep --------------------------------------------------------------------------------


def test_sweep_destroys_what_is_due_leaves_a_tombstone_and_logs_each_destruction(people):
    _policy(people, people.org_a, 10)
    due_subject, kept_subject = _subject(people.org_a, "Due Person"), _subject(people.org_a, "Kept Person")
    due = _copy(due_subject, people.org_a, start=TODAY - datetime.timedelta(days=11), reference="REQ-2026-00001")
    kept = _copy(kept_subject, people.org_a, start=TODAY - datetime.timedelta(days=9), reference="REQ-2026-00002")

    run = retention_sweep(today=TODAY)

    assert run.destroyed_count == 1 and run.finished_at is not None
    due.refresh_from_db()
    kept.refresh_from_db()
    assert due.destroyed_by_run == run and due.destroyed_at is not None
    assert (due.reference, due.kind, due.holder, due.review_date) == ("REQ-2026-00001", REQUESTS, people.org_a, TODAY - datetime.timedelta(days=1))
    assert kept.destroyed_at is None
    due_subject.refresh_from_db()
    kept_subject.refresh_from_db()
    assert due_subject.full_name == "" and due_subject.nhs_number == ""
    assert kept_subject.full_name == "Kept Person"
    entry = DecisionLogEntry.objects.get(action="retention.destroyed")
    assert entry.reference == "REQ-2026-00001" and entry.organisation == people.org_a
    assert entry.details["copy"] == due.pk and entry.details["run"] == run.pk and entry.details["content_destroyed"]
    assert "Due Person" not in entry.reasons
    assert decision_log_verify().intact

    again = retention_sweep(today=TODAY)
    assert again.destroyed_count == 0
    assert DecisionLogEntry.objects.filter(action="retention.destroyed").count() == 1


def test_each_holder_follows_its_own_policy_and_content_goes_with_the_last_copy(people):
    _policy(people, people.org_a, 10)
    _policy(people, people.org_b, 100)
    subject = _subject(people.org_a)
    start = TODAY - datetime.timedelta(days=50)
    copy_a = _copy(subject, people.org_a, start=start)
    copy_b = _copy(subject, people.org_b, start=start)

    retention_sweep(today=TODAY)
    copy_a.refresh_from_db()
    copy_b.refresh_from_db()
    subject.refresh_from_db()
    assert copy_a.is_destroyed and not copy_b.is_destroyed
    assert subject.full_name == "Alex Example"  # B still holds it
    assert PURGED == []

    retention_sweep(today=TODAY + datetime.timedelta(days=60))
    subject.refresh_from_db()
    assert subject.full_name == ""
    assert PURGED == [[subject.pk]]
    assert [e.details["content_destroyed"] for e in DecisionLogEntry.objects.filter(action="retention.destroyed").order_by("id")] == [False, True]


@pytest.mark.parametrize("scope", ["request", "subject"])
def test_a_legal_hold_suspends_destruction_until_lifted(people, scope):
    _policy(people, people.org_a, 10)
    subject = _subject(people.org_a)
    copy = _copy(subject, people.org_a, start=TODAY - datetime.timedelta(days=30))
    with pytest.raises(ValidationError):  # B holds nothing under this reference
        legal_hold_place(request_reference="REQ-2026-00001", reason_kind="litigation", reason="Claim",
                         review_date=timezone.localdate() + datetime.timedelta(days=90),
                         acting_user=people.do_b.user, acting_membership=people.do_b)
    hold = legal_hold_place(
        request_reference="REQ-2026-00001" if scope == "request" else "",
        subject=subject if scope == "subject" else None,
        reason_kind="subject_access", reason="SAR received 20 November",
        review_date=timezone.localdate() + datetime.timedelta(days=90),
        acting_user=people.do_a.user, acting_membership=people.do_a,
    )
    assert retention_sweep(today=TODAY).destroyed_count == 0
    copy.refresh_from_db()
    assert not copy.is_destroyed

    legal_hold_lift(hold=hold, reason="SAR answered", acting_user=people.do_a.user, acting_membership=people.do_a)
    assert retention_sweep(today=TODAY).destroyed_count == 1
    assert [e.action for e in DecisionLogEntry.objects.filter(action__startswith="retention.hold")] == [
        "retention.hold_lifted", "retention.hold_placed"
    ]
    hold.refresh_from_db()
    assert hold.lifted_by == people.do_a.user


def test_sweep_works_in_batches(people):
    _policy(people, people.org_a, 1)
    for n in range(7):
        _copy(_subject(people.org_a, f"P{n}"), people.org_a, start=TODAY - datetime.timedelta(days=5), reference=f"REQ-2026-{n:05d}")
    run = retention_sweep(today=TODAY, batch_size=3)
    assert run.destroyed_count == 7
    assert sorted(len(batch) for batch in PURGED) == [1, 3, 3]
    assert HeldCopy.objects.filter(destroyed_at__isnull=True).count() == 0


def test_dry_run_lists_what_would_go_and_changes_nothing(people, capsys):
    _policy(people, people.org_a, 0)
    _copy(_subject(people.org_a), people.org_a, start=timezone.localdate() - datetime.timedelta(days=1))
    call_command("retention_sweep", "--dry-run")
    out = capsys.readouterr().out
    assert "REQ-2026-00001" in out and "1 held copy would be destroyed" in out
    assert HeldCopy.objects.filter(destroyed_at__isnull=False).count() == 0

    call_command("retention_due", "--days", "30")
    assert "REQ-2026-00001" in capsys.readouterr().out

    call_command("retention_sweep")
    assert "1 held copy destroyed" in capsys.readouterr().out
    assert HeldCopy.objects.filter(destroyed_at__isnull=False).count() == 1


# --- warnings ----------------------------------------------------------------------------------


def test_holders_are_told_once_before_the_review_date_with_a_link_only(people, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    _policy(people, people.org_a, 20)
    today = timezone.localdate()
    soon = _copy(_subject(people.org_a), people.org_a, start=today - datetime.timedelta(days=10), officer=people.officer_a.user)
    _copy(_subject(people.org_a, "Later"), people.org_a, start=today, reference="REQ-2026-00002")

    assert retention_warnings_send(today=today) == 1
    recipients = set(Notification.objects.values_list("recipient_id", flat=True))
    assert recipients == {people.officer_a.user_id, people.do_a.user_id}
    for note in Notification.objects.all():
        assert note.path == "/retention/due/" and "REQ-2026" not in note.subject
    assert retention_warnings_send(today=today) == 0
    soon.refresh_from_db()
    assert soon.warned_at is not None
    assert all("Alex" not in m.body for m in mail.outbox)


# --- the access log ------------------------------------------------------------------------------


def test_access_log_entries_older_than_the_policy_are_deleted_and_the_deletion_logged(people):
    _policy(people, people.org_a, 30, kind=RetentionRecordKind.ACCESS_LOG)
    access_record(user=people.officer_a.user, organisation=people.org_a, kind="view", object_type="request", reference="REQ-1")
    from django.db import connection

    with connection.cursor() as cursor:  # occurred_at is auto_now_add: an old entry goes in through SQL
        cursor.execute(
            "INSERT INTO portal_accesslogentry (occurred_at, user_id, organisation_id, kind, object_type, reference, path) "
            "VALUES (%s, %s, %s, 'view', 'request', 'REQ-OLD', '')",
            [timezone.now() - datetime.timedelta(days=31), people.officer_a.user_id, people.org_a.pk],
        )
    run = retention_sweep()
    assert run.access_log_deleted == 1
    assert list(AccessLogEntry.objects.values_list("reference", flat=True)) == ["REQ-1"]
    entry = DecisionLogEntry.objects.get(action="retention.access_log_pruned")
    assert entry.organisation == people.org_a and entry.details["count"] == 1


def test_recording_again_without_a_new_start_keeps_the_review_date_set_at_creation(people):
    subject = _subject(people.org_a)
    copy = _copy(subject, people.org_a)
    _policy(people, people.org_a, 5)  # a later, shorter policy applies to new copies only
    again = held_copy_record(content_type=CONTENT, content_id=subject.pk, kind=REQUESTS, holder=people.org_a,
                             reference="REQ-2026-00001", officer=people.officer_a.user)
    assert again.review_date == copy.review_date == TODAY + datetime.timedelta(days=2190)
    assert again.officer == people.officer_a.user
