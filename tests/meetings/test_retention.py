"""Meeting papers under retention (meetings/retention.py): each paper is the chair's
organisation's held copy, due the day after the meeting unless its policy keeps it longer;
closing the meeting destroys it at once through the retention engine; a legal hold on someone on
the agenda keeps it; the daily sweep takes the papers of a meeting that was never closed."""
import datetime

import pytest
from django.conf import settings
from django.utils import timezone
from guardian.shortcuts import assign_perm

from meetings import services
from meetings.models import Paper
from meetings.retention import meeting_papers_purge
from portal.models import DecisionLogEntry, DestructionRun, HeldCopy, RetentionRecordKind
from portal.retention.services import legal_hold_lift, legal_hold_place, retention_policy_set, retention_sweep
from tests.meetings.factories import meeting_make, upload

pytestmark = pytest.mark.django_db


def copy_of(paper) -> HeldCopy:
    return HeldCopy.objects.get(content_type="meetings.paper", content_id=paper.pk)


def close(world, meeting, capture):
    chair = world.m.chair
    with capture(execute=True):
        return services.meeting_close(meeting=meeting, acting_user=chair.user, acting_membership=chair)


def on_agenda(world, meeting):
    request = world.request()
    assign_perm("sharing.access_disclosure", world.chair, request)
    chair = world.m.chair
    services.agenda_item_add(meeting=meeting, reference=request.reference, acting_user=chair.user, acting_membership=chair)
    return request


def test_a_paper_is_held_by_the_chairs_organisation_until_the_day_after_the_meeting(world):
    paper = upload(world.meeting, world.m.chair)
    copy = copy_of(paper)
    meeting_day = timezone.localdate(world.meeting.starts_at)
    assert copy.kind == RetentionRecordKind.MEETING_PAPERS and copy.holder == world.b
    assert copy.reference == world.meeting.reference and copy.request_reference == ""
    assert copy.officer == world.chair and copy.marking_code == "restricted"
    assert copy.started_on == copy.review_date == meeting_day + datetime.timedelta(days=1)  # the packs: 0 days


def test_the_organisations_policy_can_keep_papers_longer_but_closing_still_destroys_them(
    world, django_capture_on_commit_callbacks
):
    retention_policy_set(
        organisation=world.b, kind=RetentionRecordKind.MEETING_PAPERS, days=30, reason="Kept for the minutes",
        acting_user=world.do_b, acting_membership=world.memberships["do_b"],
    )
    paper = upload(world.meeting, world.m.chair)
    assert copy_of(paper).review_date == timezone.localdate(world.meeting.starts_at) + datetime.timedelta(days=31)
    path = settings.MEDIA_ROOT / paper.file.name
    close(world, world.meeting, django_capture_on_commit_callbacks)
    paper.refresh_from_db()
    assert paper.destroyed_at is not None and not paper.file and not path.exists()
    copy = copy_of(paper)
    assert copy.destroyed_by_run.trigger == DestructionRun.Trigger.MEETING_CLOSED


def test_the_agenda_names_the_people_the_papers_are_about(world):
    paper = upload(world.meeting, world.m.chair)
    assert copy_of(paper).subject_ids == []
    request = on_agenda(world, world.meeting)
    assert copy_of(paper).subject_ids == [request.subjects.get().subject_id]
    later = upload(world.meeting, world.m.chair, name="later.pdf")
    assert copy_of(later).subject_ids == [request.subjects.get().subject_id]


def test_a_legal_hold_on_someone_on_the_agenda_keeps_the_papers_after_the_close(
    world, django_capture_on_commit_callbacks
):
    request = on_agenda(world, world.meeting)
    paper = upload(world.meeting, world.m.chair)
    path = settings.MEDIA_ROOT / paper.file.name
    hold = legal_hold_place(
        subject=request.subjects.get().subject, reason_kind="litigation", reason="Civil claim notified",
        review_date=timezone.localdate() + datetime.timedelta(days=90),
        acting_user=world.do_b, acting_membership=world.memberships["do_b"],
    )
    close(world, world.meeting, django_capture_on_commit_callbacks)
    assert services.meetings_papers_sweep() == 0
    paper.refresh_from_db()
    assert paper.destroyed_at is None and path.exists()
    assert not DestructionRun.objects.filter(trigger=DestructionRun.Trigger.MEETING_CLOSED).exists()  # no empty runs

    legal_hold_lift(hold=hold, reason="Claim settled", acting_user=world.do_b, acting_membership=world.memberships["do_b"])
    assert services.meetings_papers_sweep() == 1
    paper.refresh_from_db()
    assert paper.destroyed_at is not None and not path.exists()
    # The request the meeting discussed is untouched: a paper owns nobody's details.
    assert request.subjects.get().subject.full_name == "Jordan Example"


def test_the_daily_sweep_takes_the_papers_of_a_meeting_never_closed_but_not_on_the_day(world):
    today_meeting = meeting_make(world.m.chair, title="Today", starts_at=timezone.now() + datetime.timedelta(hours=1))
    kept = upload(today_meeting, world.m.chair)
    past = meeting_make(world.m.chair, title="Last week")
    gone = upload(past, world.m.chair)
    HeldCopy.objects.filter(pk=copy_of(gone).pk).update(review_date=timezone.localdate() - datetime.timedelta(days=6))

    retention_sweep()

    kept.refresh_from_db()
    gone.refresh_from_db()
    assert kept.destroyed_at is None and kept.file
    assert gone.destroyed_at is not None and not gone.file
    [entry] = DecisionLogEntry.objects.filter(action="retention.destroyed", reference=past.reference)
    assert entry.organisation == world.b and entry.details["content_destroyed"] is True


def test_purging_papers_twice_is_safe(world):
    paper = upload(world.meeting, world.m.chair)
    (settings.MEDIA_ROOT / paper.file.name).unlink()
    meeting_papers_purge([paper.pk])
    meeting_papers_purge([paper.pk])
    paper = Paper.objects.get(pk=paper.pk)
    assert paper.destroyed_at is not None and not paper.file and paper.original_name


@pytest.mark.django_db(transaction=True)
def test_papers_uploaded_before_held_copies_existed_are_destroyed_at_the_close_too(world):
    # Committed for real, as in a worker: the close's task runs after commit, outside any
    # transaction the test holds open.
    paper = upload(world.meeting, world.m.chair)
    path = settings.MEDIA_ROOT / paper.file.name
    HeldCopy.objects.filter(content_type="meetings.paper", content_id=paper.pk).delete()
    chair = world.m.chair
    services.meeting_close(meeting=world.meeting, acting_user=chair.user, acting_membership=chair)
    assert not path.exists()
    paper.refresh_from_db()
    assert paper.destroyed_at is not None and copy_of(paper).destroyed_at is not None


def test_a_case_discussed_is_held_by_the_chairs_organisation_and_its_summary_goes_when_destroyed(world):
    from meetings.models import AgendaItem, MeetingAction

    request = on_agenda(world, world.meeting)
    item = AgendaItem.objects.get(meeting=world.meeting, request=request)
    copy = HeldCopy.objects.get(content_type="meetings.agenda_item", content_id=item.pk)
    assert copy.kind == RetentionRecordKind.REQUESTS and copy.holder == world.b
    assert copy.request_reference == request.reference
    assert copy.subject_ids == [request.subjects.get().subject_id]
    AgendaItem.objects.filter(pk=item.pk).update(summary="Risk to the children is high.")
    MeetingAction.objects.create(
        agenda_item=item, text="Refer the family to early help.", owner_organisation=world.b,
        due_on=timezone.localdate(), created_by=world.chair,
    )

    HeldCopy.objects.filter(pk=copy.pk).update(review_date=timezone.localdate() - datetime.timedelta(days=1))
    retention_sweep()

    item.refresh_from_db()
    assert item.summary == "" and item.subjects.count() == 0
    assert MeetingAction.objects.get(agenda_item=item).text == ""
    assert item.request_id == request.pk  # the tombstone keeps the link and dates
    entry = DecisionLogEntry.objects.get(action="retention.destroyed", details__copy=copy.pk)
    assert entry.reference == world.meeting.reference
