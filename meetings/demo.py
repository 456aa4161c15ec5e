"""Demo data for meetings: a MARAC meeting chaired by the demo chair (username "chair"), with demo
users and one person without an account invited, one of them signed in, and two small papers.

Registered with the demo loader (`portal.demo.registry`, in MeetingsConfig.ready), which runs it
after `portal.demo.services.demo_partnership_load()` (it needs the demo users and the protocol
pack). Idempotent: a second run finds the meeting and changes nothing.
Everything goes through the services, so the decision log shows the demo like real use.
"""

from __future__ import annotations

import datetime
import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from meetings import services
from meetings.models import Meeting
from portal.demo.services import DEMO_PARTNERSHIP_SLUG
from portal.models import Membership, Partnership
from portal.protocols.selectors import current_protocol_pack
from portal.roles import Role

DEMO_TITLE = "MARAC – demo meeting"
DEMO_INVITEES = ["officer.police", "do.police", "officer.council", "do.council"]
DEMO_SIGNED_IN = ["officer.police"]
DEMO_GUEST = ("Alex Morgan", "Stockport Women's Aid (not a signatory)")


def minimal_pdf(text: str = "Meeting paper") -> bytes:
    """A small, valid one-page PDF saying `text` (ASCII)."""
    safe = "".join(ch for ch in text if ch.isascii() and ch not in "()\\")
    stream = f"BT /F1 14 Tf 72 720 Td ({safe}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def minimal_png(width: int = 8, height: int = 8) -> bytes:
    """A small, valid grey PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _membership(username: str, role: str | None = None) -> Membership | None:
    queryset = Membership.objects.active().filter(user__username=username).select_related("user", "organisation")
    if role:
        queryset = queryset.filter(role=role)
    return queryset.order_by("pk").first()


@transaction.atomic
def meetings_demo_load() -> Meeting | None:
    """The demo MARAC meeting (created on the first run). None if the demo chair or the
    protocol pack is missing (run the partnership demo first)."""
    chair = _membership("chair", Role.CHAIR)
    pack = current_protocol_pack(Partnership.objects.filter(slug=DEMO_PARTNERSHIP_SLUG).first())
    if chair is None or pack is None:
        return None
    existing = Meeting.objects.filter(chair=chair.user, title=DEMO_TITLE).first()
    if existing is not None:
        return existing
    forum = pack.forums.filter(code="marac").first() or pack.forums.filter(shares_individual_data=True).first()
    marking = pack.marking_levels.filter(internet_allowed=True).order_by("-order").first()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    starts_at = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time(10, 0)))
    meeting = services.meeting_create(
        forum=forum,
        title=DEMO_TITLE,
        starts_at=starts_at,
        location="Fred Perry House, Edward Street, Stockport, Committee Room 2",
        is_online=False,
        marking=marking,
        acting_user=chair.user,
        acting_membership=chair,
    )
    for username in DEMO_INVITEES:
        member = _membership(username)
        if member is not None:
            services.attendee_invite_member(
                meeting=meeting, membership_id=member.pk, acting_user=chair.user, acting_membership=chair
            )
    services.attendee_invite_guest(
        meeting=meeting, name=DEMO_GUEST[0], representing=DEMO_GUEST[1], acting_user=chair.user, acting_membership=chair
    )
    for username in DEMO_SIGNED_IN:
        member = _membership(username)
        if member is not None:
            services.attendance_sign_in(meeting=meeting, agreed=True, acting_user=member.user, acting_membership=member)
    papers = [
        SimpleUploadedFile("MARAC agenda.pdf", minimal_pdf("MARAC agenda (demo)"), content_type="application/pdf"),
        SimpleUploadedFile("Risk indicator chart.png", minimal_png(), content_type="image/png"),
    ]
    for paper in papers:
        services.paper_upload(meeting=meeting, file=paper, acting_user=chair.user, acting_membership=chair)
    return meeting


def meetings_demo_summary() -> str | None:
    """The demo loader's entry point: load the demo meeting and say what it is."""
    meeting = meetings_demo_load()
    if meeting is None:
        return None
    attendees = meeting.attendees.count()
    papers = meeting.papers.filter(destroyed_at__isnull=True).count()
    return (
        f"{meeting.forum.name} meeting {meeting.reference} chaired by 'chair', {attendees} attendees, {papers} papers"
    )
