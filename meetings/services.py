"""Every state change of a meeting (DOMAIN.md §7; SSP 7.1, 7.2, Appendix 6; SDP 5.1).

One function per change, `<entity>_<action>(*, ..., acting_user, acting_membership)`, each one
transaction: it locks the meeting (`access_meeting(..., for_update=True)`), checks the rules
(ValidationError with a message a person can read, keyed by field where it can), changes status
only through `meetings.lifecycle.transition`, writes the decision log in the same transaction and
queues emails (a link and the reference only) and Celery work after commit.

SSP 13.3: while the chair's organisation, an invited organisation or (for a case) either party
to the request is suspended in the meeting's partnership, no paper, agenda case or summary is
added, and no one from a suspended organisation is invited (`_require_sharing`).

Decision log: meeting.marking_set (at creation and at every change), meeting.details_changed
(title, time or place changed while planned), meeting.signed_in, meeting.in_session,
meeting.summary_shared, meeting.closed and, from the Celery task, the retention engine's
retention.destroyed for each paper (older entries: meeting.paper_destroyed). Entries name the
meeting's reference, never the title, the location, the attendees' signatures, a case's subjects
or a paper's file name.
"""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from meetings import lifecycle
from meetings.agreement import agreement_text
from meetings.lifecycle import meeting_decision_record
from meetings.models import AgendaItem, Attendee, Meeting, MeetingAction, MeetingStatus, Paper
from meetings.retention import (
    CONTENT_TYPE as PAPER_CONTENT_TYPE,
)
from meetings.retention import (
    agenda_item_held_copy_record,
    meeting_papers_copies_record,
    paper_held_copy_record,
)
from meetings.selectors import ATTENDING_ROLES, access_meeting, is_meeting_chair
from portal.jobs import enqueue
from portal.models import DataSubject, DestructionRun, Forum, HeldCopy, MarkingLevel, Membership, Organisation, User
from portal.notifications.services import notify
from portal.protocols.markings import marking_allowed_here, marking_refusal
from portal.retention.services import active_holds, retention_destroy_now
from portal.roles import Role
from portal.selectors.partnerships import membership_partnerships, sharing_refusal
from portal.text import signature_matches
from portal.uploads import clean_filename, validate_upload
from sharing.selectors import visible_disclosures

MAX_PAPERS = 50
MAX_ATTENDEES = 200
MAX_AGENDA_ITEMS = 100
MAX_TEXT = 20_000

DESTRUCTION_REASON = "The meeting has closed: papers distributed for a meeting are destroyed when it closes (SDP 5.1)."


# --- helpers ---------------------------------------------------------------------------------


def _lock(meeting: Meeting, acting_user: User) -> Meeting:
    return access_meeting(user=acting_user, pk=meeting.pk, for_update=True)


def _require_chair(meeting: Meeting, acting_user: User, acting_membership: Membership | None) -> None:
    if not is_meeting_chair(user=acting_user, membership=acting_membership, meeting=meeting):
        raise ValidationError("Only the meeting's chair, acting as a meeting chair, can do this.")


def _require_open(meeting: Meeting, doing: str) -> None:
    if meeting.status not in lifecycle.OPEN_STATUSES:
        raise ValidationError(f"This meeting is {meeting.get_status_display().lower()}: you cannot {doing} now.")


def _require_sharing(meeting: Meeting, doing: str, *, also=()) -> None:
    """SSP 13.3: nothing new is shared with an organisation whose sharing is suspended in the
    meeting's partnership: not papers, not agenda cases, not their summaries, while the chair's
    organisation or any invited organisation (or `also`) is suspended."""
    organisations = {meeting.chair_organisation_id, *also}
    organisations.update(
        meeting.attendees.filter(organisation__isnull=False).values_list("organisation_id", flat=True)
    )
    refusal = sharing_refusal(
        partnership=meeting.protocol_pack.partnership_id, organisations=organisations, doing=doing
    )
    if refusal:
        raise ValidationError(refusal)


def _meeting_path(meeting: Meeting) -> str:
    return reverse("meetings:detail", kwargs={"pk": meeting.pk})


def internet_forbidden(meeting: Meeting) -> bool:
    """The meeting's level may not go through this portal (portal.protocols.markings: a meeting
    marked so before the deployment's declaration changed keeps its record, nothing more)."""
    return not marking_allowed_here(meeting.marking)


def _internet_refusal(meeting: Meeting, what: str) -> str:
    return marking_refusal(meeting.marking, what)


def _check_marking(*, marking: MarkingLevel | None, pack_id: int) -> None:
    if marking is None:
        raise ValidationError({"marking": "Select the meeting's confidentiality level"})
    if marking.pack_id != pack_id:
        raise ValidationError({"marking": "Select a confidentiality level from the meeting's protocol"})
    if not marking_allowed_here(marking):
        raise ValidationError({"marking": marking_refusal(marking, "hold the meeting")})


# --- creating and preparing a meeting --------------------------------------------------------


def _check_details(
    *, title: str, starts_at: datetime.datetime | None, location: str, is_online: bool, errors: dict[str, str]
) -> tuple[str, str]:
    """The rules for a meeting's title, time and place, at creation and at every change: errors go
    into `errors` by field; the title and location come back trimmed."""
    title = (title or "").strip()
    location = (location or "").strip()
    if not title:
        errors["title"] = "Enter the meeting's title"
    elif len(title) > Meeting._meta.get_field("title").max_length:
        errors["title"] = "Title must be 200 characters or fewer"
    if starts_at is None or timezone.is_naive(starts_at):
        errors["starts_at"] = "Enter the date and time of the meeting"
    if len(location) > Meeting._meta.get_field("location").max_length:
        errors["location"] = "Location must be 300 characters or fewer"
    elif not location and not is_online:
        errors["location"] = "Enter where the meeting is held, or say that it is online"
    return title, location


@transaction.atomic
def meeting_create(
    *,
    forum: Forum,
    title: str,
    starts_at: datetime.datetime,
    location: str,
    is_online: bool,
    marking: MarkingLevel,
    acting_user: User,
    acting_membership: Membership | None,
) -> Meeting:
    """A meeting of `forum` chaired by `acting_user`, at the confidentiality level the chair sets
    at the outset (SSP 7.1). The chair is its first attendee: they sign in like everyone else."""
    if acting_membership is None or acting_membership.role != Role.CHAIR or acting_membership.user_id != acting_user.pk:
        raise ValidationError("Only a meeting chair can create meetings.")
    errors: dict[str, str] = {}
    pack = forum.pack if forum is not None else None
    if pack is None or not pack.is_current:
        errors["forum"] = "Select a forum of a protocol in force"
    elif not membership_partnerships(membership=acting_membership).filter(pk=pack.partnership_id).exists():
        errors["forum"] = f"Your organisation is not a member of {pack.partnership.name}"
    title, location = _check_details(
        title=title, starts_at=starts_at, location=location, is_online=is_online, errors=errors
    )
    if marking is None:
        errors["marking"] = "Select the meeting's confidentiality level"
    elif pack is not None and marking.pack_id != pack.pk:
        errors["marking"] = "Select a confidentiality level of the forum's protocol"
    elif not marking_allowed_here(marking):
        errors["marking"] = marking_refusal(marking, "hold the meeting")
    if errors:
        raise ValidationError(errors)

    meeting = Meeting.objects.create(
        reference=f"TMP-{uuid.uuid4().hex[:12]}",
        protocol_pack=pack,
        forum=forum,
        title=title,
        starts_at=starts_at,
        location=location,
        is_online=is_online,
        chair=acting_user,
        chair_organisation=acting_membership.organisation,
        marking=marking,
    )
    meeting.reference = f"MTG-{meeting.pk:06d}"
    meeting.save(update_fields=["reference"])
    Attendee.objects.create(
        meeting=meeting, user=acting_user, organisation=acting_membership.organisation, invited_by=acting_user
    )
    meeting_decision_record(
        meeting,
        action="meeting.marking_set",
        actor=acting_user,
        organisation=acting_membership.organisation,
        reasons=f"Confidentiality level set at the outset: {marking.name} (SSP 7.1).",
        details={"marking": marking.code, "previous": ""},
    )
    return meeting


@transaction.atomic
def meeting_marking_set(
    *,
    meeting: Meeting,
    marking: MarkingLevel,
    reasons: str,
    acting_user: User,
    acting_membership: Membership | None,
) -> Meeting:
    """Change the level before the meeting is in session. Anyone who signed in at the old level
    must sign in again at the new one."""
    meeting = _lock(meeting, acting_user)
    _require_chair(meeting, acting_user, acting_membership)
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(
            f"This meeting is {meeting.get_status_display().lower()}: its confidentiality level can only be "
            "changed before it is in session."
        )
    _check_marking(marking=marking, pack_id=meeting.protocol_pack_id)
    reasons = (reasons or "").strip()
    if not reasons:
        raise ValidationError({"reasons": "Enter why the level is changing"})
    if marking.pk == meeting.marking_id:
        raise ValidationError({"marking": f"The meeting is already {marking.name}: select another level"})
    previous = meeting.marking
    meeting.marking = marking
    meeting.save(update_fields=["marking", "updated_at"])
    resign = meeting.attendees.filter(signed_at__isnull=False).exclude(signed_marking=marking).count()
    meeting_decision_record(
        meeting,
        action="meeting.marking_set",
        actor=acting_user,
        organisation=acting_membership.organisation,
        reasons=f"Confidentiality level changed from {previous.name} to {marking.name}. {reasons}",
        details={"marking": marking.code, "previous": previous.code, "must_sign_again": resign},
    )
    return meeting


# What a change of details logs about each field: its name always; the old and new value only
# for the time and the online flag (a title or a location may name someone, so never their text).
DETAIL_LABELS = {
    "title": "title",
    "starts_at": "date and time",
    "location": "location",
    "is_online": "online or not",
}


def _logged_moment(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="minutes")


@transaction.atomic
def meeting_details_update(
    *,
    meeting: Meeting,
    title: str,
    starts_at: datetime.datetime,
    location: str,
    is_online: bool,
    acting_user: User,
    acting_membership: Membership | None,
) -> Meeting:
    """The chair changes the meeting's title, date and time, or where it is held, while it is
    planned (not once it is in session or closed). Checked as at creation. Decision-logged
    (meeting.details_changed) only if something changed: which fields, and the old and new date
    and time, never the title's or location's text."""
    meeting = _lock(meeting, acting_user)
    _require_chair(meeting, acting_user, acting_membership)
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(
            f"This meeting is {meeting.get_status_display().lower()}: its details can only be changed before it is "
            "in session."
        )
    errors: dict[str, str] = {}
    title, location = _check_details(
        title=title, starts_at=starts_at, location=location, is_online=is_online, errors=errors
    )
    if errors:
        raise ValidationError(errors)
    new = {"title": title, "starts_at": starts_at, "location": location, "is_online": bool(is_online)}
    changed = [field for field, value in new.items() if getattr(meeting, field) != value]
    if not changed:
        return meeting
    previous = {field: getattr(meeting, field) for field in changed}
    for field in changed:
        setattr(meeting, field, new[field])
    meeting.save(update_fields=[*changed, "updated_at"])
    details: dict = {"changed": changed}
    if "starts_at" in changed:
        details["starts_at"] = {"from": _logged_moment(previous["starts_at"]), "to": _logged_moment(starts_at)}
    if "is_online" in changed:
        details["is_online"] = {"from": previous["is_online"], "to": meeting.is_online}
    meeting_decision_record(
        meeting,
        action="meeting.details_changed",
        actor=acting_user,
        organisation=acting_membership.organisation,
        reasons="The chair changed the meeting's " + ", ".join(DETAIL_LABELS[field] for field in changed) + ".",
        details=details,
    )
    if {"starts_at", "location", "is_online"} & set(changed):
        # Invited people with accounts are told that when or where changed (a link only).
        notify(
            recipients=[a.user for a in meeting.attendees.select_related("user") if a.user_id and a.user_id != acting_user.pk],
            subject="The time or place of a multi-agency meeting you are invited to has changed",
            reference=meeting.reference,
            path=_meeting_path(meeting),
        )
    return meeting


@transaction.atomic
def attendee_invite_member(
    *, meeting: Meeting, membership_id: int, acting_user: User, acting_membership: Membership | None
) -> Attendee:
    """Invite a portal user, acting for the organisation of their membership `membership_id`;
    they are told by email (a link and the meeting's reference only). Auditors and partnership
    admins are never attendees: their roles give no sight of personal data (DOMAIN.md §3)."""
    meeting = _lock(meeting, acting_user)
    _require_chair(meeting, acting_user, acting_membership)
    _require_open(meeting, "invite people")
    membership = (
        Membership.objects.active()
        .select_related("user", "organisation")
        .filter(pk=membership_id, role__in=ATTENDING_ROLES)
        .first()
    )
    if membership is None:
        raise ValidationError({"membership": "That person cannot be invited: select someone from the search results"})
    if meeting.attendees.filter(user=membership.user).exists():
        raise ValidationError({"membership": f"{membership.user.display_name} is already invited"})
    refusal = sharing_refusal(
        partnership=meeting.protocol_pack.partnership_id,
        organisations=[membership.organisation_id],
        doing="invite its staff to this meeting",
    )
    if refusal:
        raise ValidationError({"membership": refusal})
    if meeting.attendees.count() >= MAX_ATTENDEES:
        raise ValidationError(f"A meeting can have at most {MAX_ATTENDEES} attendees")
    attendee = Attendee.objects.create(
        meeting=meeting, user=membership.user, organisation=membership.organisation, invited_by=acting_user
    )
    notify(
        recipients=[membership.user],
        subject="You have been invited to a multi-agency meeting",
        reference=meeting.reference,
        path=_meeting_path(meeting),
    )
    return attendee


@transaction.atomic
def attendee_invite_guest(
    *, meeting: Meeting, name: str, representing: str, acting_user: User, acting_membership: Membership | None
) -> Attendee:
    """Invite a person without a portal account, e.g. from a body that has not signed the
    protocol (SSP 7.2). They sign in on the chair's screen."""
    meeting = _lock(meeting, acting_user)
    _require_chair(meeting, acting_user, acting_membership)
    _require_open(meeting, "invite people")
    name = " ".join((name or "").split())
    representing = " ".join((representing or "").split())
    errors = {}
    if not name:
        errors["name"] = "Enter the person's full name"
    if not representing:
        errors["representing"] = "Enter the organisation or body the person represents"
    if errors:
        raise ValidationError(errors)
    if meeting.attendees.count() >= MAX_ATTENDEES:
        raise ValidationError(f"A meeting can have at most {MAX_ATTENDEES} attendees")
    return Attendee.objects.create(meeting=meeting, name=name, representing=representing, invited_by=acting_user)


@transaction.atomic
def attendee_remove(
    *, meeting: Meeting, attendee_id: int, acting_user: User, acting_membership: Membership | None
) -> None:
    """Withdraw an invitation. Someone who has signed in stays: the signing is a record."""
    meeting = _lock(meeting, acting_user)
    _require_chair(meeting, acting_user, acting_membership)
    _require_open(meeting, "change the invitations")
    attendee = meeting.attendees.filter(pk=attendee_id).first()
    if attendee is None:
        raise ValidationError("That person is not invited to this meeting")
    if attendee.user_id == meeting.chair_id:
        raise ValidationError("The chair cannot be removed from their own meeting")
    if attendee.signed_at is not None:
        raise ValidationError(f"{attendee.display_name} has signed in: their signing stays on the record")
    attendee.delete()


# --- signing in (SSP Appendix 6) -------------------------------------------------------------


def _sign(
    *, meeting: Meeting, attendee: Attendee, signature: str, recorded_by: User, acting_organisation: Organisation | None
) -> Attendee:
    now = timezone.now()
    attendee.signed_at = now
    attendee.signed_marking = meeting.marking
    attendee.agreement = agreement_text(pack=meeting.protocol_pack, level=meeting.marking)
    attendee.signature = signature
    attendee.signed_recorded_by = recorded_by
    attendee.save(update_fields=["signed_at", "signed_marking", "agreement", "signature", "signed_recorded_by"])
    how = "on their own session" if attendee.has_account else "on the chair's screen, signature typed"
    meeting_decision_record(
        meeting,
        action="meeting.signed_in",
        actor=recorded_by,
        organisation=acting_organisation,
        reasons=(
            f"Signed in {how}, agreeing to the handling rules for {meeting.marking.name} and the protocol's "
            "requirements (SSP 7.1, 7.2, Appendix 6)."
        ),
        recipient=attendee.organisation if attendee.organisation_id else attendee.representing,
        details={
            "attendee_id": attendee.pk,
            "account": attendee.has_account,
            "marking": meeting.marking.code,
            "late": meeting.status == MeetingStatus.IN_SESSION,
        },
    )
    return attendee


@transaction.atomic
def attendance_sign_in(
    *, meeting: Meeting, agreed: bool, acting_user: User, acting_membership: Membership | None
) -> Attendee:
    """An invited portal user signs in to the meeting on their own session."""
    meeting = _lock(meeting, acting_user)
    _require_open(meeting, "sign in")
    attendee = meeting.attendees.select_related("organisation").filter(user=acting_user).first()
    if attendee is None:
        raise ValidationError("You are not invited to this meeting")
    if attendee.signed_for(meeting):
        raise ValidationError("You have already signed in to this meeting")
    if not agreed:
        raise ValidationError({"agreed": "Confirm that you agree to the handling rules and the protocol"})
    return _sign(
        meeting=meeting,
        attendee=attendee,
        signature="",
        recorded_by=acting_user,
        acting_organisation=attendee.organisation,
    )


@transaction.atomic
def attendance_sign_in_guest(
    *,
    meeting: Meeting,
    attendee_id: int,
    signature: str,
    agreed: bool,
    acting_user: User,
    acting_membership: Membership | None,
) -> Attendee:
    """A person without an account signs in on the chair's screen: they type their name as
    their signature and tick that they agree."""
    meeting = _lock(meeting, acting_user)
    _require_chair(meeting, acting_user, acting_membership)
    _require_open(meeting, "sign people in")
    attendee = meeting.attendees.filter(pk=attendee_id, user__isnull=True).first() if attendee_id else None
    errors = {}
    if attendee is None:
        errors["attendee"] = "Select the person signing in"
    elif attendee.signed_for(meeting):
        errors["attendee"] = f"{attendee.name} has already signed in"
    signature = " ".join((signature or "").split())
    if not signature:
        errors["signature"] = "Type your full name as your signature"
    elif attendee is not None and not signature_matches(signature, attendee.name):
        errors["signature"] = (
            f"The signature must be the name of the person signing in: {attendee.name} types their own name"
        )
    if not agreed:
        errors["agreed"] = "Confirm that you agree to the handling rules and the protocol"
    if errors:
        raise ValidationError(errors)
    return _sign(
        meeting=meeting,
        attendee=attendee,
        signature=signature[:200],
        recorded_by=acting_user,
        acting_organisation=acting_membership.organisation,
    )


@transaction.atomic
def meeting_start(
    *, meeting: Meeting, list_confirmed: bool, acting_user: User, acting_membership: Membership | None
) -> Meeting:
    """The chair confirms the signed-in list, and the meeting is in session. Refused until the
    list is confirmed and at least one attendee has signed in at the meeting's level."""
    meeting = _lock(meeting, acting_user)
    _require_chair(meeting, acting_user, acting_membership)
    if not lifecycle.can_transition(meeting, MeetingStatus.IN_SESSION):
        raise ValidationError(f"This meeting is {meeting.get_status_display().lower()}: it cannot start now.")
    if not list_confirmed:
        raise ValidationError({"list_confirmed": "Confirm the list of who has signed in before the meeting starts"})
    attendees = list(meeting.attendees.all())
    signed = [a for a in attendees if a.signed_for(meeting)]
    if not signed:
        raise ValidationError("Nobody has signed in yet: the meeting cannot start until attendees have signed in")
    meeting.list_confirmed_at = timezone.now()
    meeting.list_confirmed_by = acting_user
    lifecycle.transition(
        meeting,
        MeetingStatus.IN_SESSION,
        acting_user=acting_user,
        organisation=acting_membership.organisation,
        event="meeting.in_session",
        reasons=f"The chair confirmed the signed-in list ({len(signed)} signed in) and opened the meeting.",
        details={
            "signed_in": [a.pk for a in signed],
            "not_signed_in": [a.pk for a in attendees if not a.signed_for(meeting)],
            "marking": meeting.marking.code,
        },
        update_fields=["list_confirmed_at", "list_confirmed_by"],
    )
    return meeting


# --- the agenda ------------------------------------------------------------------------------


@transaction.atomic
def agenda_item_add(
    *, meeting: Meeting, reference: str, acting_user: User, acting_membership: Membership | None
) -> AgendaItem:
    """Link a case to the agenda: the disclosure request `reference` and its subjects. The chair
    can only link a request they can see; anything else is "not found", alike."""
    meeting = _lock(meeting, acting_user)
    _require_chair(meeting, acting_user, acting_membership)
    _require_open(meeting, "add cases to the agenda")
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError({"reference": "Enter the request's reference"})
    request = visible_disclosures(user=acting_user).filter(reference__iexact=reference).first()
    if request is None:
        raise ValidationError({"reference": "No request with that reference was found among the requests you can see"})
    if meeting.agenda_items.filter(request=request).exists():
        raise ValidationError({"reference": f"{request.reference} is already on the agenda"})
    _require_sharing(
        meeting,
        "add cases to this meeting's agenda",
        also=(request.requesting_organisation_id, request.holding_organisation_id),
    )
    count = meeting.agenda_items.count()
    if count >= MAX_AGENDA_ITEMS:
        raise ValidationError(f"An agenda can have at most {MAX_AGENDA_ITEMS} cases")
    item = AgendaItem.objects.create(meeting=meeting, order=count, request=request, added_by=acting_user)
    item.subjects.set(DataSubject.objects.filter(pk__in=request.subjects.values("subject_id")))
    # The papers are now about these people too: a legal hold on any of them keeps the papers.
    meeting_papers_copies_record(meeting=meeting)
    agenda_item_held_copy_record(item=item, meeting=meeting)
    return item


@transaction.atomic
def agenda_summary_share(
    *,
    meeting: Meeting,
    item_id: int,
    summary: str,
    acting_user: User,
    acting_membership: Membership | None,
) -> AgendaItem:
    """The chair shares a summary of a case with the meeting: signed-in attendees read it while
    the meeting is in session, whether or not they can see the request itself."""
    meeting = _lock(meeting, acting_user)
    _require_chair(meeting, acting_user, acting_membership)
    _require_open(meeting, "share summaries")
    item = meeting.agenda_items.select_related("request").filter(pk=item_id).first()
    if item is None:
        raise ValidationError("That case is not on this meeting's agenda")
    if not visible_disclosures(user=acting_user).filter(pk=item.request_id).exists():
        raise ValidationError("You can no longer see this request, so you cannot summarise it")
    _require_sharing(
        meeting,
        "share a summary of this case with the meeting",
        also=(item.request.requesting_organisation_id, item.request.holding_organisation_id),
    )
    if internet_forbidden(meeting):
        raise ValidationError({"summary": _internet_refusal(meeting, "share the summary")})
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": "Enter the summary to share with the meeting"})
    if len(summary) > MAX_TEXT:
        raise ValidationError({"summary": f"The summary must be {MAX_TEXT:,} characters or fewer"})
    again = item.summary_shared_at is not None
    item.summary = summary
    item.summary_shared_at = timezone.now()
    item.summary_shared_by = acting_user
    item.save(update_fields=["summary", "summary_shared_at", "summary_shared_by"])
    meeting_decision_record(
        meeting,
        action="meeting.summary_shared",
        actor=acting_user,
        organisation=acting_membership.organisation,
        reasons=(
            f"{'Revised summary' if again else 'Summary'} of request {item.request.reference} shared with the "
            "meeting's signed-in attendees, readable only while the meeting is in session."
        ),
        recipient="Signed-in attendees of the meeting",
        details={"agenda_item_id": item.pk, "request": item.request.reference, "revised": again},
    )
    return item


@transaction.atomic
def meeting_action_add(
    *,
    meeting: Meeting,
    item_id: int,
    text: str,
    owner_organisation: Organisation | None,
    due_on: datetime.date | None,
    acting_user: User,
    acting_membership: Membership | None,
) -> MeetingAction:
    meeting = _lock(meeting, acting_user)
    _require_chair(meeting, acting_user, acting_membership)
    item = meeting.agenda_items.filter(pk=item_id).first()
    if item is None:
        raise ValidationError("That case is not on this meeting's agenda")
    errors = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = "Enter the action"
    elif len(text) > MAX_TEXT:
        errors["text"] = f"The action must be {MAX_TEXT:,} characters or fewer"
    if not isinstance(owner_organisation, Organisation):
        errors["owner_organisation"] = "Select the organisation that owns the action"
    if due_on is None:
        errors["due_on"] = "Enter the date the action is due"
    if errors:
        raise ValidationError(errors)
    return MeetingAction.objects.create(
        agenda_item=item, text=text, owner_organisation=owner_organisation, due_on=due_on, created_by=acting_user
    )


@transaction.atomic
def meeting_action_complete(
    *, meeting: Meeting, action_id: int, done: bool, acting_user: User, acting_membership: Membership | None
) -> MeetingAction:
    meeting = _lock(meeting, acting_user)
    _require_chair(meeting, acting_user, acting_membership)
    action = MeetingAction.objects.filter(pk=action_id, agenda_item__meeting=meeting).first()
    if action is None:
        raise ValidationError("That action is not on this meeting")
    action.done = bool(done)
    action.done_at = timezone.now() if action.done else None
    action.save(update_fields=["done", "done_at"])
    return action


@transaction.atomic
def meeting_minutes_record(
    *, meeting: Meeting, minutes: str, acting_user: User, acting_membership: Membership | None
) -> Meeting:
    """The chair writes the minutes; they carry the meeting's marking wherever they are shown."""
    meeting = _lock(meeting, acting_user)
    _require_chair(meeting, acting_user, acting_membership)
    if internet_forbidden(meeting):
        raise ValidationError({"minutes": _internet_refusal(meeting, "keep the minutes")})
    minutes = (minutes or "").strip()
    if len(minutes) > 100_000:
        raise ValidationError({"minutes": "The minutes must be 100,000 characters or fewer"})
    meeting.minutes = minutes
    meeting.minutes_updated_at = timezone.now()
    meeting.minutes_updated_by = acting_user
    meeting.save(update_fields=["minutes", "minutes_updated_at", "minutes_updated_by", "updated_at"])
    return meeting


# --- papers ----------------------------------------------------------------------------------


@transaction.atomic
def paper_upload(*, meeting: Meeting, file, acting_user: User, acting_membership: Membership | None) -> Paper:
    """Store a paper for the meeting, checked like a release attachment (portal.uploads), under
    a random name outside the web root."""
    meeting = _lock(meeting, acting_user)
    _require_chair(meeting, acting_user, acting_membership)
    _require_open(meeting, "add papers")
    if internet_forbidden(meeting):
        raise ValidationError({"file": _internet_refusal(meeting, "distribute papers")})
    try:
        _require_sharing(meeting, "add papers to this meeting")
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    if file is None:
        raise ValidationError({"file": "Choose a file to upload"})
    if meeting.papers.count() >= MAX_PAPERS:
        raise ValidationError({"file": f"A meeting can have at most {MAX_PAPERS} papers"})
    try:
        content_type, digest = validate_upload(file)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    paper = Paper(
        meeting=meeting,
        original_name=clean_filename(file.name),
        content_type=content_type,
        size=file.size,
        sha256=digest,
        uploaded_by=acting_user,
    )
    file.seek(0)
    paper.file.save("upload", File(file), save=False)
    try:
        paper.save()
        # The chair's organisation holds it, until the day after the meeting under the packs.
        paper_held_copy_record(paper=paper, meeting=meeting)
    except Exception:
        # The row was not stored: do not leave its file behind.
        paper.file.storage.delete(paper.file.name)
        raise
    return paper


# --- closing and destruction (SDP 5.1) -------------------------------------------------------


def _queue_destroy(meeting_id: int) -> None:
    # A broker that is down is logged by enqueue; the periodic sweep finishes the destruction.
    enqueue("meetings.destroy_papers", meeting_id)


@transaction.atomic
def meeting_close(*, meeting: Meeting, acting_user: User, acting_membership: Membership | None) -> Meeting:
    """Close the meeting; after commit a Celery task destroys its papers. Closing a closed
    meeting changes nothing (it only queues the destruction again if papers are left)."""
    meeting = _lock(meeting, acting_user)
    _require_chair(meeting, acting_user, acting_membership)
    papers_left = meeting.papers.filter(destroyed_at__isnull=True).count()
    if meeting.status == MeetingStatus.CLOSED:
        if papers_left:
            transaction.on_commit(lambda: _queue_destroy(meeting.pk))
        return meeting
    meeting.closed_at = timezone.now()
    meeting.closed_by = acting_user
    lifecycle.transition(
        meeting,
        MeetingStatus.CLOSED,
        acting_user=acting_user,
        organisation=acting_membership.organisation,
        event="meeting.closed",
        reasons=f"The chair closed the meeting. {papers_left} paper(s) to be destroyed (SDP 5.1).",
        details={"papers_to_destroy": papers_left},
        update_fields=["closed_at", "closed_by"],
    )
    transaction.on_commit(lambda: _queue_destroy(meeting.pk))
    return meeting


def _papers_destroy(*, meeting_id: int, paper_ids: list[int] | None = None) -> int:
    """Destroy the live papers of a closed meeting (all, or those of `paper_ids`) through the
    retention engine: one run, batches of copies locked with SKIP LOCKED, each paper's file
    deleted and its tombstone and decision-log entry written in one transaction. Papers under a
    legal hold stay. The number destroyed by this call."""
    meeting = Meeting.objects.filter(pk=meeting_id, status=MeetingStatus.CLOSED).first()
    if meeting is None:
        return 0
    # Papers uploaded before held copies existed are recorded now, so they go the same way.
    meeting_papers_copies_record(meeting=meeting, only_missing=True)
    papers = Paper.objects.filter(meeting_id=meeting_id, destroyed_at__isnull=True)
    if paper_ids is not None:
        papers = papers.filter(pk__in=paper_ids)
    ids = list(papers.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return 0
    # Only start a run if something can go: a paper on hold is checked at every sweep, and an
    # empty run each time would bury the real ones in the destruction certificates' list.
    refs, subjects = active_holds()
    copies = HeldCopy.objects.filter(content_type=PAPER_CONTENT_TYPE, content_id__in=ids, destroyed_at__isnull=True)
    if all(copy.request_reference in refs or set(copy.subject_ids) & set(subjects) for copy in copies):
        return 0
    run = retention_destroy_now(
        content_type=PAPER_CONTENT_TYPE,
        content_ids=ids,
        reasons=DESTRUCTION_REASON,
        trigger=DestructionRun.Trigger.MEETING_CLOSED,
    )
    return run.destroyed_count if run is not None else 0


def paper_destroy(*, paper_id: int) -> bool:
    """Destroy one paper of a closed meeting now. True if this call destroyed it; False if it was
    already destroyed, is on hold, its meeting is not closed, or another worker holds it."""
    meeting_id = Paper.objects.filter(pk=paper_id).values_list("meeting_id", flat=True).first()
    if meeting_id is None:
        return False
    return _papers_destroy(meeting_id=meeting_id, paper_ids=[paper_id]) == 1


def meeting_papers_destroy(*, meeting_id: int) -> int:
    """Destroy every paper still held by a closed meeting (SDP 5.1); the number destroyed by this
    run. Safe to run twice, at once, and after a crash half-way: the retention engine destroys each
    copy exactly once."""
    return _papers_destroy(meeting_id=meeting_id)


def meetings_papers_sweep() -> int:
    """The periodic safety net: finish the destruction for every closed meeting with papers left."""
    meeting_ids = list(
        Meeting.objects.filter(status=MeetingStatus.CLOSED, papers__destroyed_at__isnull=True)
        .values_list("pk", flat=True)
        .distinct()
    )
    return sum(meeting_papers_destroy(meeting_id=meeting_id) for meeting_id in meeting_ids)
