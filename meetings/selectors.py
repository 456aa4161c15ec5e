"""Guarded reads of meetings (SSP 8.2 need-to-know; DOMAIN.md §7).

`access_meeting` is the only way a view gets a meeting: it answers 404 both for "missing" and
for "not yours", so an id cannot be probed. A meeting is seen by its chair and by the portal users
invited to it; a chair's role alone shows nothing of other chairs' meetings.

What a visitor may do inside a meeting they can see is answered by `meeting_role` and the
`can_*` helpers, which views and templates use alike (no rules in templates).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from meetings.models import AgendaItem, Attendee, Meeting, MeetingStatus, Paper
from portal.models import Membership, User
from portal.roles import Role

# The roles whose holders can be invited to a meeting: auditors and partnership admins never see
# personal data (DOMAIN.md §3), so they are not attendees.
ATTENDING_ROLES = (Role.OFFICER, Role.DESIGNATED_OFFICER, Role.CHAIR)


def visible_meetings(*, user: User) -> QuerySet[Meeting]:
    """Every meeting `user` chairs or is invited to."""
    if not user.is_authenticated or not user.is_active:
        return Meeting.objects.none()
    invited = Attendee.objects.filter(meeting=OuterRef("pk"), user=user)
    return Meeting.objects.filter(Q(chair=user) | Q(Exists(invited)))


def access_meeting(*, user: User, pk: int | str, for_update: bool = False) -> Meeting:
    """The meeting, if `user` chairs it or is invited to it; Http404 otherwise, whatever the reason."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such meeting") from None
    queryset = visible_meetings(user=user).select_related(
        "forum", "marking", "chair", "chair_organisation", "protocol_pack", "list_confirmed_by", "closed_by"
    )
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    meeting = queryset.filter(pk=pk).first()
    if meeting is None:
        raise Http404("No such meeting")
    return meeting


@dataclass(frozen=True)
class MeetingRole:
    """What the visitor is to this meeting, and so what they may do in it."""

    is_chair: bool  # the meeting's chair, acting in a meeting-chair membership
    attendee: Attendee | None  # their invitation, if invited
    signed: bool  # signed in at the meeting's current level
    in_session: bool

    @property
    def can_read_papers(self) -> bool:
        """Papers and shared summaries: signed-in attendees while in session; the chair throughout."""
        return self.is_chair or (self.signed and self.in_session)

    @property
    def can_read_minutes(self) -> bool:
        return self.is_chair or self.signed


def is_meeting_chair(*, user: User, membership: Membership | None, meeting: Meeting) -> bool:
    return bool(membership is not None and membership.role == Role.CHAIR and meeting.chair_id == user.pk)


def meeting_role(*, user: User, membership: Membership | None, meeting: Meeting) -> MeetingRole:
    attendee = meeting.attendees.filter(user=user).first() if user.is_authenticated else None
    return MeetingRole(
        is_chair=is_meeting_chair(user=user, membership=membership, meeting=meeting),
        attendee=attendee,
        signed=bool(attendee and attendee.signed_for(meeting)),
        in_session=meeting.status == MeetingStatus.IN_SESSION,
    )


def meetings_for_list(*, user: User, title: str = "", on: datetime.date | None = None) -> QuerySet[Meeting]:
    """The visitor's meetings for the list page, optionally those whose title contains `title`
    and that start on the day `on` (local time): a fixed number of queries whatever their number."""
    meetings = visible_meetings(user=user)
    if title:
        meetings = meetings.filter(title__icontains=title.replace("\x00", ""))
    if on:
        meetings = meetings.filter(starts_at__date=on)
    return (
        meetings
        .select_related("forum", "marking", "chair")
        .annotate(
            attendee_count=Count("attendees", distinct=True),
            signed_count=Count(
                "attendees",
                filter=Q(attendees__signed_at__isnull=False, attendees__signed_marking=F("marking")),
                distinct=True,
            ),
        )
        .order_by("-starts_at", "-pk")
    )


def meeting_attendees(*, meeting: Meeting) -> list[Attendee]:
    return list(meeting.attendees.select_related("user", "organisation", "signed_marking"))


def meeting_agenda(*, meeting: Meeting) -> list[AgendaItem]:
    return list(meeting.agenda_items.select_related("request", "summary_shared_by").prefetch_related("subjects"))


def meeting_papers(*, meeting: Meeting) -> list[Paper]:
    return list(meeting.papers.select_related("uploaded_by"))


def invitable_memberships(*, meeting: Meeting, query: str, limit: int = 20) -> list[Membership]:
    """Active memberships whose user's name or username matches `query`, leaving out people
    already invited. Partnership admins and auditors are not meeting attendees."""
    words = [word for word in (query or "").split() if word][:4]
    if not words:
        return []
    condition = Q()
    for word in words:
        condition &= (
            Q(user__username__icontains=word) | Q(user__first_name__icontains=word) | Q(user__last_name__icontains=word)
        )
    invited = meeting.attendees.filter(user__isnull=False).values("user_id")
    return list(
        Membership.objects.active()
        .filter(condition, role__in=ATTENDING_ROLES)
        .exclude(user_id__in=invited)
        .select_related("user", "organisation")
        .order_by("user__last_name", "user__first_name", "organisation__name", "pk")[:limit]
    )


def forum_cases(*, meeting: Meeting, user: User) -> list:
    """The cases the chair may pick for the agenda: requests raised for this meeting's forum (the
    same forum code in any protocol version) that `user` may see, not drafts or withdrawn, not
    already on the agenda, newest first, with their subjects (the forum's cohort members)."""
    from sharing.models import RequestSubject, Status
    from sharing.selectors import visible_disclosures

    on_agenda = meeting.agenda_items.values("request_id")
    return list(
        visible_disclosures(user=user)
        .filter(forum__code=meeting.forum.code)
        .exclude(status__in=[Status.DRAFT, Status.WITHDRAWN])
        .exclude(pk__in=on_agenda)
        .select_related("requesting_organisation")
        .prefetch_related(Prefetch("subjects", queryset=RequestSubject.objects.select_related("subject").order_by("pk")))
        .order_by("-submitted_at", "-pk")[:100]
    )
