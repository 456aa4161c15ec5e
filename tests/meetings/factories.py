"""Meetings built through their services, so every related row (the chair's attendance, the
decision log) is there as in real use. Pass the chair's Membership (role chair)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from meetings import services
from meetings.demo import minimal_pdf, minimal_png
from meetings.models import Attendee, Meeting, Paper
from portal.models import Membership


def meeting_make(
    chair: Membership,
    *,
    forum_code: str = "marac",
    marking_code: str = "restricted",
    title: str = "MARAC, March",
    starts_at=None,
    location: str = "Fred Perry House, Stockport",
    is_online: bool = False,
) -> Meeting:
    from portal.protocols.selectors import current_protocol_packs
    from portal.selectors.partnerships import membership_partnerships

    pack = current_protocol_packs().filter(partnership__in=membership_partnerships(membership=chair)).first()
    return services.meeting_create(
        forum=pack.forums.get(code=forum_code),
        title=title,
        starts_at=starts_at or timezone.now() + timezone.timedelta(days=2),
        location=location,
        is_online=is_online,
        marking=pack.marking_levels.get(code=marking_code),
        acting_user=chair.user,
        acting_membership=chair,
    )


def invite(meeting: Meeting, chair: Membership, member: Membership) -> Attendee:
    return services.attendee_invite_member(
        meeting=meeting, membership_id=member.pk, acting_user=chair.user, acting_membership=chair
    )


def invite_guest(
    meeting: Meeting, chair: Membership, name: str = "Alex Morgan", representing: str = "Stockport Women's Aid"
) -> Attendee:
    return services.attendee_invite_guest(
        meeting=meeting, name=name, representing=representing, acting_user=chair.user, acting_membership=chair
    )


def sign_in(meeting: Meeting, member: Membership) -> Attendee:
    return services.attendance_sign_in(meeting=meeting, agreed=True, acting_user=member.user, acting_membership=member)


def sign_in_guest(meeting: Meeting, chair: Membership, guest: Attendee, signature: str | None = None) -> Attendee:
    return services.attendance_sign_in_guest(
        meeting=meeting,
        attendee_id=guest.pk,
        signature=signature or guest.name,
        agreed=True,
        acting_user=chair.user,
        acting_membership=chair,
    )


def start(meeting: Meeting, chair: Membership) -> Meeting:
    return services.meeting_start(meeting=meeting, list_confirmed=True, acting_user=chair.user, acting_membership=chair)


def pdf_bytes(text: str = "Meeting paper") -> bytes:
    return minimal_pdf(text)


def png_bytes(width: int = 4, height: int = 4) -> bytes:
    return minimal_png(width, height)


def upload(
    meeting: Meeting, chair: Membership, name: str = "risk-assessment.pdf", content: bytes | None = None
) -> Paper:
    if content is None:
        content = png_bytes() if name.lower().endswith(".png") else pdf_bytes()
    content_type = "image/png" if name.lower().endswith(".png") else "application/pdf"
    return services.paper_upload(
        meeting=meeting,
        file=SimpleUploadedFile(name, content, content_type=content_type),
        acting_user=chair.user,
        acting_membership=chair,
    )
