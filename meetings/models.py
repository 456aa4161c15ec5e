"""Multi-agency meetings of a forum (DOMAIN.md §7; SSP 7, Appendices 6 and 8; SDP 5.1, 5.5–5.13).

Lifecycle (the transition table is `meetings.lifecycle.TRANSITIONS`; only
`lifecycle.transition` changes `status`):

    planned ──chair confirms the signed-in list──▶ in session ──close──▶ closed
       │                                                                  ▲
       └──────────────────────────── close (it never met) ────────────────┘

- The chair sets the confidentiality level (`marking`) at the outset, from the pack's marking
  scheme; it can change only while the meeting is planned, and every change is decision-logged
  (SSP 7.1).
- Every attendee, including people from bodies that are not signatories (SSP 7.2), signs in
  before taking part: a portal user on their own session, a person without an account on the
  chair's screen (their typed name is the signature). A signing records the level agreed to,
  the agreement statement shown and the time. A signing for another level than the meeting's
  current one does not count: the person signs again.
- Papers are readable by signed-in attendees only while the meeting is in session, and are
  destroyed when it closes (SDP 5.1): the file goes, the row stays as the tombstone.

Need-to-know: a meeting is seen by its chair and its invited attendees only, through
`meetings.selectors.access_meeting` (404 alike for "missing" and "not yours").
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_SESSION = "in_session", "In session"
    CLOSED = "closed", "Closed"


class Meeting(models.Model):
    reference = models.CharField(max_length=20, unique=True, help_text="MTG-000123: what logs and emails name.")
    status = models.CharField(
        max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED, db_index=True
    )
    protocol_pack = models.ForeignKey(
        "portal.ProtocolPack",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The protocol in force when created.",
    )
    forum = models.ForeignKey("portal.Forum", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    location = models.CharField(max_length=300, blank=True)
    is_online = models.BooleanField(default=False)
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    chair_organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    marking = models.ForeignKey(
        "portal.MarkingLevel",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The confidentiality level the chair set at the outset (SSP 7.1, Appendix 6).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    list_confirmed_at = models.DateTimeField(null=True, blank=True)
    list_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    minutes = models.TextField(blank=True)
    minutes_updated_at = models.DateTimeField(null=True, blank=True)
    minutes_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["chair", "-starts_at"]), models.Index(fields=["status", "closed_at"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def where(self) -> str:
        if self.is_online and self.location:
            return f"Online ({self.location})"
        if self.is_online:
            return "Online"
        return self.location


class Attendee(models.Model):
    """An invited attendee: a portal user (`user`, acting for `organisation`) or a person without
    an account (`name`, `representing`), such as someone from a body that is not a signatory."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "portal.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=200, blank=True, help_text="For a person without an account.")
    representing = models.CharField(
        max_length=200, blank=True, help_text="For a person without an account: the body they represent."
    )
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(auto_now_add=True)
    # The signing (SSP Appendix 6): the level agreed to, what was agreed, when, and how.
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_marking = models.ForeignKey(
        "portal.MarkingLevel", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agreement = models.TextField(blank=True, help_text="The agreement statement and handling rules as shown.")
    signature = models.CharField(
        max_length=200,
        blank=True,
        help_text="The typed name of a person without an account, signing on the chair's screen.",
    )
    signed_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"], condition=Q(user__isnull=False), name="meetings_attendee_user_once"
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(name=""), name="meetings_attendee_user_or_name"
            ),
        ]

    def __str__(self) -> str:
        return f"Attendee {self.pk}"

    @property
    def has_account(self) -> bool:
        return self.user_id is not None

    @property
    def display_name(self) -> str:
        return self.user.display_name if self.user_id else self.name

    @property
    def representing_name(self) -> str:
        return self.organisation.name if self.organisation_id else self.representing

    def signed_for(self, meeting: Meeting) -> bool:
        """Signed in at the meeting's current level (a signing at an earlier level does not count)."""
        return self.signed_at is not None and self.signed_marking_id == meeting.marking_id


class AgendaItem(models.Model):
    """A case discussed: a disclosure request and its subjects. Its details are shown only to
    those `sharing.selectors.access_disclosure` lets see the request; the chair may share a
    summary, which signed-in attendees read while the meeting is in session."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    order = models.PositiveIntegerField(default=0)
    request = models.ForeignKey("sharing.DisclosureRequest", on_delete=models.PROTECT, related_name="+")
    subjects = models.ManyToManyField("portal.DataSubject", blank=True, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    summary = models.TextField(blank=True)
    summary_shared_at = models.DateTimeField(null=True, blank=True)
    summary_shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["meeting", "request"], name="meetings_agenda_request_once")]

    def __str__(self) -> str:
        return f"Agenda item {self.pk}"

    @property
    def number(self) -> int:
        return self.order + 1


class MeetingAction(models.Model):
    """An action agreed on a case: what, which organisation owns it, by when."""

    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="actions")
    text = models.TextField()
    owner_organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "pk"]


def paper_path(instance, filename: str) -> str:
    # Random stored name: the uploader's filename is kept in `original_name`, never in a path.
    return f"meetings/{instance.meeting_id}/{uuid.uuid4().hex}"


class Paper(models.Model):
    """A file distributed for the meeting. At close the file is destroyed and the row stays as
    the tombstone: name, size, uploader, when it was destroyed (SDP 5.1)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="papers")
    file = models.FileField(upload_to=paper_path, max_length=300, blank=True)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        indexes = [models.Index(fields=["meeting", "destroyed_at"])]

    def __str__(self) -> str:
        return f"Paper {self.pk}"

    @property
    def is_destroyed(self) -> bool:
        return self.destroyed_at is not None
