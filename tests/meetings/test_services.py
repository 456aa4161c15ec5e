"""meetings/services.py: each state change, its rules and its decision-log entry."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from guardian.shortcuts import assign_perm

from meetings import services
from meetings.models import Attendee, MeetingStatus, Paper
from portal.models import DecisionLogEntry, HeldCopy, Notification
from tests.meetings.factories import (
    invite,
    invite_guest,
    meeting_make,
    sign_in,
    sign_in_guest,
    start,
    upload,
)

pytestmark = pytest.mark.django_db


def log_entries(meeting, action):
    return list(DecisionLogEntry.objects.filter(reference=meeting.reference, action=action).order_by("id"))


def destroyed_paper_ids(meeting) -> list[int]:
    """The papers the retention engine logged as destroyed (retention.destroyed names the copy)."""
    copies = [entry.details["copy"] for entry in log_entries(meeting, "retention.destroyed")]
    return sorted(HeldCopy.objects.filter(pk__in=copies, content_type="meetings.paper").values_list("content_id", flat=True))


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- creating a meeting and its level --------------------------------------------------------


def test_a_chair_creates_a_meeting_at_a_level_set_at_the_outset(world):
    meeting = world.meeting
    assert meeting.reference == f"MTG-{meeting.pk:06d}"
    assert meeting.status == MeetingStatus.PLANNED
    assert meeting.marking.code == "restricted"
    assert meeting.chair == world.chair and meeting.chair_organisation == world.b
    # The chair is the first attendee: they sign in like everyone else.
    assert list(meeting.attendees.values_list("user_id", flat=True)) == [world.chair.pk]
    [entry] = log_entries(meeting, "meeting.marking_set")
    assert entry.actor == world.chair and entry.organisation == world.b
    assert entry.details["marking"] == "restricted"
    assert meeting.title not in entry.reasons  # the title is never logged
    assert entry.protocol_version == "safer-stockport@2020"


def test_only_a_chair_creates_meetings(world):
    with pytest.raises(ValidationError, match="Only a meeting chair"):
        meeting_make(world.m.officer_a)


def test_forum_and_level_must_come_from_the_protocol_in_force_and_location_unless_online(world, settings):
    settings.PORTAL_SECURE_NETWORK = True  # the online meeting below is Confidential
    pack = world.pack
    with pytest.raises(ValidationError) as caught:
        services.meeting_create(
            forum=None,
            title=" ",
            starts_at=timezone.now(),
            location="",
            is_online=False,
            marking=None,
            acting_user=world.chair,
            acting_membership=world.m.chair,
        )
    assert set(caught.value.error_dict) == {"forum", "title", "location", "marking"}
    online = services.meeting_create(
        forum=pack.forums.get(code="mappa"),
        title="MAPPA level 2",
        starts_at=timezone.now(),
        location="",
        is_online=True,
        marking=pack.marking_levels.get(code="confidential"),
        acting_user=world.chair,
        acting_membership=world.m.chair,
    )
    assert online.where == "Online"


def test_the_level_changes_only_before_the_session_with_reasons_and_a_log_entry(world, settings):
    settings.PORTAL_SECURE_NETWORK = True
    meeting, chair = world.meeting, world.m.chair
    invite(meeting, chair, world.m.officer_a)
    attendee = sign_in(meeting, world.m.officer_a)
    confidential = world.pack.marking_levels.get(code="confidential")
    with pytest.raises(ValidationError) as caught:
        services.meeting_marking_set(
            meeting=meeting, marking=confidential, reasons="", acting_user=chair.user, acting_membership=chair
        )
    assert "reasons" in caught.value.error_dict
    meeting = services.meeting_marking_set(
        meeting=meeting,
        marking=confidential,
        reasons="Sensitive health information will be discussed",
        acting_user=chair.user,
        acting_membership=chair,
    )
    assert meeting.marking == confidential
    entries = log_entries(meeting, "meeting.marking_set")
    assert len(entries) == 2
    assert entries[-1].details == {
        "meeting_id": meeting.pk,
        "marking": "confidential",
        "previous": "restricted",
        "must_sign_again": 1,
    }
    # Signed at Restricted: that does not count at Confidential.
    attendee.refresh_from_db()
    assert not attendee.signed_for(meeting)
    sign_in(meeting, world.m.officer_a)
    start(meeting, chair)
    with pytest.raises(ValidationError, match="before it is in session"):
        services.meeting_marking_set(
            meeting=meeting,
            marking=world.pack.marking_levels.get(code="protect"),
            reasons="x",
            acting_user=chair.user,
            acting_membership=chair,
        )


def test_only_the_meetings_own_chair_changes_it(world):
    other = world.m.other_chair
    # Another chair cannot even see the meeting.
    from django.http import Http404

    with pytest.raises(Http404):
        services.meeting_marking_set(
            meeting=world.meeting,
            marking=world.pack.marking_levels.get(code="protect"),
            reasons="x",
            acting_user=other.user,
            acting_membership=other,
        )
    # An invited officer can see it but not run it.
    invite(world.meeting, world.m.chair, world.m.officer_a)
    with pytest.raises(ValidationError, match="Only the meeting's chair"):
        services.meeting_marking_set(
            meeting=world.meeting,
            marking=world.pack.marking_levels.get(code="protect"),
            reasons="x",
            acting_user=world.officer_a,
            acting_membership=world.m.officer_a,
        )


# --- invitations -----------------------------------------------------------------------------


def test_inviting_a_portal_user_emails_a_link_and_the_reference_only(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        attendee = invite(world.meeting, world.m.chair, world.m.officer_a)
    assert attendee.organisation == world.a
    [notification] = Notification.objects.filter(recipient=world.officer_a)
    assert notification.reference == world.meeting.reference
    assert notification.path == f"/meetings/{world.meeting.pk}/"
    assert world.meeting.title not in notification.subject
    with pytest.raises(ValidationError, match="already invited"):
        invite(world.meeting, world.m.chair, world.m.officer_a)


def test_auditors_admins_and_unknown_memberships_are_not_invited(world):
    for membership_id in (world.m.auditor.pk, world.m.admin.pk, 0):
        with pytest.raises(ValidationError) as caught:
            services.attendee_invite_member(
                meeting=world.meeting,
                membership_id=membership_id,
                acting_user=world.chair,
                acting_membership=world.m.chair,
            )
        assert "membership" in caught.value.error_dict


def test_a_person_without_an_account_is_invited_with_name_and_body(world):
    with pytest.raises(ValidationError) as caught:
        invite_guest(world.meeting, world.m.chair, name=" ", representing="")
    assert set(caught.value.error_dict) == {"name", "representing"}
    guest = invite_guest(world.meeting, world.m.chair)
    assert guest.user is None and guest.display_name == "Alex Morgan"
    assert guest.representing_name == "Stockport Women's Aid"


def test_an_invitation_is_withdrawn_unless_signed(world):
    chair = world.m.chair
    attendee = invite(world.meeting, chair, world.m.officer_a)
    guest = invite_guest(world.meeting, chair)
    sign_in_guest(world.meeting, chair, guest)
    services.attendee_remove(
        meeting=world.meeting, attendee_id=attendee.pk, acting_user=chair.user, acting_membership=chair
    )
    assert not Attendee.objects.filter(pk=attendee.pk).exists()
    with pytest.raises(ValidationError, match="signing stays on the record"):
        services.attendee_remove(
            meeting=world.meeting, attendee_id=guest.pk, acting_user=chair.user, acting_membership=chair
        )
    chair_row = world.meeting.attendees.get(user=world.chair)
    with pytest.raises(ValidationError, match="chair cannot be removed"):
        services.attendee_remove(
            meeting=world.meeting, attendee_id=chair_row.pk, acting_user=chair.user, acting_membership=chair
        )


# --- signing in ------------------------------------------------------------------------------


def test_a_portal_user_signs_in_agreeing_to_the_levels_rules(world):
    meeting = world.meeting
    invite(meeting, world.m.chair, world.m.officer_a)
    with pytest.raises(ValidationError) as caught:
        services.attendance_sign_in(
            meeting=meeting, agreed=False, acting_user=world.officer_a, acting_membership=world.m.officer_a
        )
    assert "agreed" in caught.value.error_dict
    before = timezone.now()
    attendee = sign_in(meeting, world.m.officer_a)
    assert attendee.signed_at >= before
    assert attendee.signed_marking == meeting.marking
    assert attendee.signature == ""
    assert "Restricted – data to be shared is personal data about an offender, victim or witness" in attendee.agreement
    assert "Please note, by signing this sheet you are agreeing to comply" in attendee.agreement
    assert "Storage of papers: Protected by one barrier" in attendee.agreement
    [entry] = log_entries(meeting, "meeting.signed_in")
    assert entry.actor == world.officer_a and entry.organisation == world.a
    assert entry.details["attendee_id"] == attendee.pk and entry.details["account"] is True
    with pytest.raises(ValidationError, match="already signed in"):
        sign_in(meeting, world.m.officer_a)


def test_someone_not_invited_cannot_sign_in(world):
    from django.http import Http404

    with pytest.raises(Http404):
        sign_in(world.meeting, world.m.officer_b)


def test_a_person_without_an_account_signs_on_the_chairs_screen(world):
    meeting, chair = world.meeting, world.m.chair
    guest = invite_guest(meeting, chair)
    with pytest.raises(ValidationError) as caught:
        services.attendance_sign_in_guest(
            meeting=meeting,
            attendee_id=guest.pk,
            signature="  ",
            agreed=False,
            acting_user=chair.user,
            acting_membership=chair,
        )
    assert set(caught.value.error_dict) == {"signature", "agreed"}
    signed = sign_in_guest(meeting, chair, guest, signature="A. Morgan")
    assert signed.signature == "A. Morgan" and signed.signed_recorded_by == world.chair
    [entry] = log_entries(meeting, "meeting.signed_in")
    assert entry.actor == world.chair
    assert entry.recipient_name == "Stockport Women's Aid"
    assert entry.details["account"] is False
    assert "A. Morgan" not in str(entry.details) and "Alex Morgan" not in entry.reasons
    # A portal user's invitation cannot be signed on the chair's screen.
    member = invite(meeting, chair, world.m.officer_a)
    with pytest.raises(ValidationError) as caught:
        services.attendance_sign_in_guest(
            meeting=meeting,
            attendee_id=member.pk,
            signature="x",
            agreed=True,
            acting_user=chair.user,
            acting_membership=chair,
        )
    assert "attendee" in caught.value.error_dict


def test_the_meeting_goes_in_session_only_when_the_chair_confirms_the_list(world):
    meeting, chair = world.meeting, world.m.chair
    with pytest.raises(ValidationError) as caught:
        services.meeting_start(meeting=meeting, list_confirmed=False, acting_user=chair.user, acting_membership=chair)
    assert "list_confirmed" in caught.value.error_dict
    with pytest.raises(ValidationError, match="Nobody has signed in"):
        start(meeting, chair)
    invite(meeting, chair, world.m.officer_a)
    a = sign_in(meeting, world.m.officer_a)
    meeting = start(meeting, chair)
    assert meeting.status == MeetingStatus.IN_SESSION
    assert meeting.list_confirmed_by == world.chair and meeting.list_confirmed_at
    [entry] = log_entries(meeting, "meeting.in_session")
    chair_row = meeting.attendees.get(user=world.chair)
    assert entry.details["signed_in"] == [a.pk]
    assert entry.details["not_signed_in"] == [chair_row.pk]
    with pytest.raises(ValidationError, match="cannot start now"):
        start(meeting, chair)
    # Late arrivals still sign in; the log says so.
    sign_in(meeting, world.m.chair)
    assert log_entries(meeting, "meeting.signed_in")[-1].details["late"] is True


# --- the agenda ------------------------------------------------------------------------------


def test_the_chair_links_only_requests_they_can_see(world):
    meeting, chair = world.meeting, world.m.chair
    request = world.request()
    for reference in (request.reference, "DR-NOPE"):
        with pytest.raises(ValidationError) as caught:
            services.agenda_item_add(
                meeting=meeting, reference=reference, acting_user=chair.user, acting_membership=chair
            )
        assert caught.value.error_dict["reference"][0].messages == [
            "No request with that reference was found among the requests you can see"
        ]
    assign_perm("sharing.access_disclosure", world.chair, request)
    item = services.agenda_item_add(
        meeting=meeting, reference=request.reference.lower(), acting_user=chair.user, acting_membership=chair
    )
    assert item.request == request and item.number == 1
    assert list(item.subjects.all()) == [entry.subject for entry in request.subjects.all()]
    with pytest.raises(ValidationError, match="already on the agenda"):
        services.agenda_item_add(
            meeting=meeting, reference=request.reference, acting_user=chair.user, acting_membership=chair
        )


def test_sharing_a_summary_is_decision_logged(world):
    meeting, chair = world.meeting, world.m.chair
    request = world.request()
    assign_perm("sharing.access_disclosure", world.chair, request)
    item = services.agenda_item_add(
        meeting=meeting, reference=request.reference, acting_user=chair.user, acting_membership=chair
    )
    with pytest.raises(ValidationError):
        services.agenda_summary_share(
            meeting=meeting, item_id=item.pk, summary=" ", acting_user=chair.user, acting_membership=chair
        )
    services.agenda_summary_share(
        meeting=meeting,
        item_id=item.pk,
        summary="Three call-outs to the address since January.",
        acting_user=chair.user,
        acting_membership=chair,
    )
    [entry] = log_entries(meeting, "meeting.summary_shared")
    assert entry.details["request"] == request.reference
    assert "call-outs" not in entry.reasons  # the summary itself is not logged


@pytest.mark.parametrize("secure, refused", [(False, True), (True, False)])
def test_confidential_material_goes_through_the_portal_only_on_a_secure_network(world, settings, secure, refused):
    # A meeting marked Confidential while the deployment declared a secure network, then the
    # declaration as `secure` says: its papers, summaries and minutes follow the same rule.
    settings.PORTAL_SECURE_NETWORK = True
    chair = world.m.chair
    meeting = meeting_make(chair, marking_code="confidential")
    settings.PORTAL_SECURE_NETWORK = secure
    request = world.request()
    assign_perm("sharing.access_disclosure", world.chair, request)
    item = services.agenda_item_add(
        meeting=meeting, reference=request.reference, acting_user=chair.user, acting_membership=chair
    )
    if refused:
        with pytest.raises(ValidationError, match="secure network"):
            upload(meeting, chair)
        with pytest.raises(ValidationError, match="secure network"):
            services.agenda_summary_share(
                meeting=meeting, item_id=item.pk, summary="x", acting_user=chair.user, acting_membership=chair
            )
        with pytest.raises(ValidationError, match="secure network"):
            services.meeting_minutes_record(meeting=meeting, minutes="x", acting_user=chair.user, acting_membership=chair)
        with pytest.raises(ValidationError, match="Confidential material can only go through the portal on a secure"):
            meeting_make(chair, marking_code="confidential")
        restricted = world.pack.marking_levels.get(code="restricted")
        with pytest.raises(ValidationError, match="secure network"):
            services.meeting_marking_set(
                meeting=meeting_make(chair), marking=meeting.marking, reasons="Health data",
                acting_user=chair.user, acting_membership=chair,
            )
        assert restricted.internet_allowed
    else:
        upload(meeting, chair)
        services.agenda_summary_share(
            meeting=meeting, item_id=item.pk, summary="x", acting_user=chair.user, acting_membership=chair
        )


def test_actions_and_minutes(world):
    meeting, chair = world.meeting, world.m.chair
    request = world.request()
    assign_perm("sharing.access_disclosure", world.chair, request)
    item = services.agenda_item_add(
        meeting=meeting, reference=request.reference, acting_user=chair.user, acting_membership=chair
    )
    with pytest.raises(ValidationError) as caught:
        services.meeting_action_add(
            meeting=meeting,
            item_id=item.pk,
            text="",
            owner_organisation=None,
            due_on=None,
            acting_user=chair.user,
            acting_membership=chair,
        )
    assert set(caught.value.error_dict) == {"text", "owner_organisation", "due_on"}
    action = services.meeting_action_add(
        meeting=meeting,
        item_id=item.pk,
        text="Refer to the IDVA service",
        owner_organisation=world.c,
        due_on=timezone.localdate(),
        acting_user=chair.user,
        acting_membership=chair,
    )
    action = services.meeting_action_complete(
        meeting=meeting, action_id=action.pk, done=True, acting_user=chair.user, acting_membership=chair
    )
    assert action.done and action.done_at
    meeting = services.meeting_minutes_record(
        meeting=meeting, minutes="Present: all.", acting_user=chair.user, acting_membership=chair
    )
    assert meeting.minutes == "Present: all." and meeting.minutes_updated_by == world.chair


# --- papers ----------------------------------------------------------------------------------


def test_papers_are_checked_like_release_attachments_and_stored_under_a_random_name(world, settings):
    chair = world.m.chair
    with pytest.raises(ValidationError) as caught:
        upload(world.meeting, chair, name="notes.pdf", content=b"<html>not a pdf</html>")
    assert "not really a PDF" in messages_of(caught.value)
    with pytest.raises(ValidationError, match="must be a PDF, Word"):
        upload(world.meeting, chair, name="run.exe", content=b"MZ....")
    paper = upload(world.meeting, chair, name="Jordan Example risk.pdf")
    assert paper.original_name == "Jordan Example risk.pdf"
    assert paper.content_type == "application/pdf" and paper.size > 0 and len(paper.sha256) == 64
    assert paper.file.name.startswith(f"meetings/{world.meeting.pk}/")
    assert "Jordan" not in paper.file.name
    assert (settings.MEDIA_ROOT / paper.file.name).exists()


# --- closing and destruction -----------------------------------------------------------------


def closed_with_papers(world, count=3, *, execute=True, capture=None):
    chair = world.m.chair
    papers = [upload(world.meeting, chair, name=f"paper-{n}.pdf") for n in range(count)]
    with capture(execute=execute):
        meeting = services.meeting_close(meeting=world.meeting, acting_user=chair.user, acting_membership=chair)
    return meeting, papers


def test_closing_destroys_the_papers_after_commit_leaving_tombstones(
    world, settings, django_capture_on_commit_callbacks
):
    meeting, papers = closed_with_papers(world, capture=django_capture_on_commit_callbacks)
    assert meeting.status == MeetingStatus.CLOSED and meeting.closed_by == world.chair
    [closed] = log_entries(meeting, "meeting.closed")
    assert closed.details["papers_to_destroy"] == 3
    for paper in papers:
        path = settings.MEDIA_ROOT / paper.file.name
        paper.refresh_from_db()
        assert not path.exists()
        assert paper.file.name in ("", None) and paper.destroyed_at is not None
        assert paper.original_name and paper.size and paper.uploaded_by == world.chair  # the tombstone
    entries = log_entries(meeting, "retention.destroyed")
    assert len(entries) == 3 and destroyed_paper_ids(meeting) == sorted(p.pk for p in papers)
    assert all(e.actor is None and e.actor_name == "system" for e in entries)
    assert all(e.organisation == world.b and e.details["content_destroyed"] for e in entries)
    assert all("SDP 5.1" in e.reasons for e in entries)
    assert all("paper-" not in e.reasons and "paper-" not in str(e.details) for e in entries)


def test_closing_twice_and_destroying_twice_change_nothing(world, django_capture_on_commit_callbacks):
    meeting, papers = closed_with_papers(world, capture=django_capture_on_commit_callbacks)
    chair = world.m.chair
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.meeting_close(meeting=meeting, acting_user=chair.user, acting_membership=chair)
    assert callbacks == []  # nothing left to destroy: nothing queued
    assert services.meeting_papers_destroy(meeting_id=meeting.pk) == 0
    assert len(log_entries(meeting, "meeting.closed")) == 1
    assert len(log_entries(meeting, "retention.destroyed")) == 3


def test_a_run_that_crashed_half_way_is_finished_by_the_next(world, settings, django_capture_on_commit_callbacks):
    meeting, papers = closed_with_papers(world, count=4, execute=False, capture=django_capture_on_commit_callbacks)
    assert services.paper_destroy(paper_id=papers[0].pk) is True  # the crashed run got this far
    assert services.meeting_papers_destroy(meeting_id=meeting.pk) == 3
    assert Paper.objects.filter(meeting=meeting, destroyed_at__isnull=True).count() == 0
    assert len(log_entries(meeting, "retention.destroyed")) == 4
    assert destroyed_paper_ids(meeting) == sorted(p.pk for p in papers)


def test_a_crash_between_deleting_the_file_and_committing_leaves_the_paper_for_the_next_run(
    world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    meeting, papers = closed_with_papers(world, count=1, execute=False, capture=django_capture_on_commit_callbacks)
    path = settings.MEDIA_ROOT / papers[0].file.name

    def crash(*args, **kwargs):
        raise RuntimeError("worker died")

    from portal.retention import services as retention_services

    monkeypatch.setattr(retention_services, "decision_records", crash)
    with pytest.raises(RuntimeError):
        services.paper_destroy(paper_id=papers[0].pk)
    monkeypatch.undo()
    assert not path.exists()
    papers[0].refresh_from_db()
    assert papers[0].destroyed_at is None  # rolled back: not recorded as destroyed
    assert HeldCopy.objects.get(content_type="meetings.paper", content_id=papers[0].pk).destroyed_at is None
    assert services.meeting_papers_destroy(meeting_id=meeting.pk) == 1
    assert len(log_entries(meeting, "retention.destroyed")) == 1


def test_papers_of_a_meeting_that_is_not_closed_are_never_destroyed(world):
    paper = upload(world.meeting, world.m.chair)
    assert services.paper_destroy(paper_id=paper.pk) is False
    assert services.meeting_papers_destroy(meeting_id=world.meeting.pk) == 0


def test_the_sweep_finishes_closed_meetings_with_papers_left(world, django_capture_on_commit_callbacks):
    chair = world.m.chair
    open_meeting = meeting_make(chair, title="Still open")
    kept = upload(open_meeting, chair)
    meeting, papers = closed_with_papers(world, count=2, execute=False, capture=django_capture_on_commit_callbacks)
    from meetings.tasks import destroy_papers_sweep

    assert destroy_papers_sweep.delay().get() == 2
    assert destroy_papers_sweep.delay().get() == 0
    kept.refresh_from_db()
    assert kept.destroyed_at is None


def test_the_close_survives_a_broker_that_is_down(world, monkeypatch, django_capture_on_commit_callbacks):
    from meetings import tasks

    def down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.destroy_papers, "delay", down)
    meeting, papers = closed_with_papers(world, count=1, capture=django_capture_on_commit_callbacks)
    assert meeting.status == MeetingStatus.CLOSED
    assert services.meetings_papers_sweep() == 1


def test_nothing_is_added_to_a_closed_meeting(world, django_capture_on_commit_callbacks):
    chair = world.m.chair
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_close(meeting=world.meeting, acting_user=chair.user, acting_membership=chair)
    with pytest.raises(ValidationError, match="closed"):
        upload(world.meeting, chair)
    with pytest.raises(ValidationError, match="closed"):
        invite_guest(world.meeting, chair)
    with pytest.raises(ValidationError, match="closed"):
        sign_in(world.meeting, chair)
    with pytest.raises(ValidationError, match="closed"):
        services.paper_upload(
            meeting=world.meeting,
            file=SimpleUploadedFile("a.pdf", b"%PDF-1.4"),
            acting_user=chair.user,
            acting_membership=chair,
        )


# --- SSP 13.3: nothing new is shared with a suspended partner ---------------------------------


def test_nothing_new_is_shared_with_a_meeting_that_includes_a_suspended_partner(world):
    from django.urls import reverse

    from tests.portal.factories import member_set

    meeting, chair = world.meeting, world.m.chair
    request = world.request()
    assign_perm("sharing.access_disclosure", world.chair, request)
    item = services.agenda_item_add(meeting=meeting, reference=request.reference, acting_user=chair.user, acting_membership=chair)
    invite(meeting, chair, world.m.officer_c)
    member_set(world.c, sharing_suspended=True)

    with pytest.raises(ValidationError) as caught:
        upload(meeting, chair)
    assert "Sharing with Stockport Homes is suspended" in messages_of(caught.value)
    assert "SSP 13.3" in messages_of(caught.value)
    with pytest.raises(ValidationError, match="Stockport Homes is suspended"):
        services.agenda_summary_share(
            meeting=meeting, item_id=item.pk, summary="Call-outs.", acting_user=chair.user, acting_membership=chair
        )
    second = world.request()
    assign_perm("sharing.access_disclosure", world.chair, second)
    with pytest.raises(ValidationError, match="Stockport Homes is suspended"):
        services.agenda_item_add(meeting=meeting, reference=second.reference, acting_user=chair.user, acting_membership=chair)
    assert not Paper.objects.filter(meeting=meeting).exists() and meeting.agenda_items.count() == 1
    assert not meeting.agenda_items.get().summary_shared_at

    # The chair sees why on the page, and the paper page keeps its error against the file.
    page = world.client_for("chair").post(
        reverse("meetings:agenda_add", kwargs={"pk": meeting.pk}), {"reference": second.reference}
    )
    assert page.status_code == 200 and "Stockport Homes is suspended" in page.content.decode()

    # Once the suspended organisation's attendee is removed, papers can go again.
    services.attendee_remove(
        meeting=meeting,
        attendee_id=meeting.attendees.get(organisation=world.c).pk,
        acting_user=chair.user,
        acting_membership=chair,
    )
    assert upload(meeting, chair).pk


def test_a_suspended_partners_staff_are_not_invited_and_its_cases_not_added(world):
    from tests.portal.factories import member_set

    meeting, chair = world.meeting, world.m.chair
    member_set(world.c, sharing_suspended=True)
    with pytest.raises(ValidationError) as caught:
        invite(meeting, chair, world.m.officer_c)
    assert "Stockport Homes is suspended" in " ".join(caught.value.error_dict["membership"][0].messages)
    # A case between the suspended organisation and another is not added either.
    request = world.request(requesting_organisation=world.c, requester=world.officer_c)
    assign_perm("sharing.access_disclosure", world.chair, request)
    with pytest.raises(ValidationError, match="Stockport Homes is suspended"):
        services.agenda_item_add(meeting=meeting, reference=request.reference, acting_user=chair.user, acting_membership=chair)
    member_set(world.c, sharing_suspended=False)
    assert invite(meeting, chair, world.m.officer_c).organisation == world.c
