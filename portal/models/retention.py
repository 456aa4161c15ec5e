"""Retention and destruction (DOMAIN.md §4 step 9; SSP 8.4, 14; SDP 5.1, 6.3).

Every copy of personal data an organisation holds is a `HeldCopy`: which content (an app's
`content_type` and `content_id`, e.g. ``sharing.request`` 42), what kind of record it is, which
organisation holds it, and its review date, set when the copy is created from the holder's
`RetentionPolicy` (or the protocol pack's `RetentionDefault`). One piece of content may have
several copies: a request is held by the organisation that raised it and the one that answered
it, and its released items by the recipient; each copy follows its own holder's policy and the
originator keeps ownership (SDP 5.1).

    held ──(review date − 14 days: holder told)──▶ due ──sweep──▶ destroyed (tombstone)
      ▲                          │
      └───── extended (reason, new date) ◀──┘          legal hold: never destroyed while held

When a copy is destroyed its row stays as the tombstone (reference, kind, holder, marking, policy,
review date, destroyed when, by which run) and the holder loses sight of the content; when the
last copy of a piece of content is destroyed, the owning app clears its personal fields and
deletes its files, in the same transaction (`portal.retention.registry`).
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q

from .protocol import RetentionRecordKind


class RetentionPolicy(models.Model):
    """How long one organisation keeps one kind of record, optionally only at one marking level
    (`marking_code` empty: every level). Without a policy the pack's default applies."""

    organisation = models.ForeignKey("portal.Organisation", on_delete=models.CASCADE, related_name="retention_policies")
    kind = models.CharField(max_length=32, choices=RetentionRecordKind.choices)
    marking_code = models.SlugField(max_length=80, blank=True, help_text="Empty: every marking level.")
    days = models.PositiveIntegerField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation", "kind", "marking_code"]
        verbose_name_plural = "retention policies"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind", "marking_code"], name="portal_retention_policy_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.days} days"


class DestructionRun(models.Model):
    """One run of the destruction sweep. What a run killed mid-way destroyed before it died stays
    destroyed (each batch commits); its `finished_at` stays empty, and the beat's recovery check
    (`destruction_runs_recover`) closes it as abandoned (`abandoned_at`, decision-logged) once it
    has been unfinished for PORTAL_RETENTION_RUN_ABANDONED_AFTER seconds with no live worker
    holding it, then starts a sweep (trigger "recovery") that does the rest."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Daily schedule"
        COMMAND = "command", "Command line"
        MEETING_CLOSED = "meeting_closed", "Meeting closed"
        DISTRIBUTION_ISSUED = "distribution", "Next issue of a distribution arrived"
        RECOVERY = "recovery", "Resumed after an abandoned run"
        ERASURE = "erasure", "Erasure agreed on a rights case"

    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    abandoned_at = models.DateTimeField(
        null=True, blank=True, help_text="Closed unfinished: its worker died (the recovery check found it)."
    )
    worker = models.CharField(max_length=200, blank=True)
    destroyed_count = models.PositiveIntegerField(default=0)
    access_log_deleted = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"Destruction run {self.pk}"


class HeldCopy(models.Model):
    content_type = models.CharField(max_length=40, help_text="Registered by the owning app, e.g. sharing.request.")
    content_id = models.BigIntegerField()
    kind = models.CharField(max_length=32, choices=RetentionRecordKind.choices)
    holder = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=64, help_text="What users call it: a request or consent reference.")
    request_reference = models.CharField(max_length=20, blank=True, db_index=True, help_text="For legal holds.")
    subject_ids = ArrayField(models.BigIntegerField(), default=list, blank=True, help_text="For legal holds.")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The holder's officer told before the review date (with its designated officers).",
    )
    marking_code = models.SlugField(max_length=80, blank=True)
    marking_name = models.CharField(max_length=100, blank=True)
    policy = models.ForeignKey(RetentionPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    policy_description = models.CharField(max_length=300)
    started_on = models.DateField(help_text="The day the retention clock started.")
    review_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)
    destroyed_by_run = models.ForeignKey(
        DestructionRun, null=True, blank=True, on_delete=models.PROTECT, related_name="destroyed"
    )

    class Meta:
        ordering = ["review_date", "pk"]
        verbose_name_plural = "held copies"
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "content_id", "kind", "holder"], name="portal_heldcopy_one_per_holder"
            ),
            # A tombstone always names its run; a live copy never has one.
            models.CheckConstraint(
                condition=Q(destroyed_at__isnull=True, destroyed_by_run__isnull=True)
                | Q(destroyed_at__isnull=False, destroyed_by_run__isnull=False),
                name="portal_heldcopy_tombstone_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["review_date", "id"], condition=Q(destroyed_at__isnull=True), name="portal_heldcopy_due"),
            models.Index(fields=["holder", "review_date"], condition=Q(destroyed_at__isnull=True), name="portal_heldcopy_holder_due"),
            models.Index(fields=["content_type", "content_id"], name="portal_heldcopy_content"),
            models.Index(fields=["destroyed_by_run", "holder"], name="portal_heldcopy_run"),
            # No pending list (fastupdate off): every tombstone inserts into it, and with a pending
            # list each "is this person still named?" probe scans the whole list, 2 s a batch of
            # 500 people a few thousand copies into a sweep, not 2 ms (docs/performance.md, h17d).
            GinIndex(fields=["subject_ids"], name="portal_heldcopy_subjects", fastupdate=False),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"

    @property
    def is_destroyed(self) -> bool:
        return self.destroyed_at is not None


class RetentionExtension(models.Model):
    """A holder keeps a copy past its review date: why, until when, who decided."""

    copy = models.ForeignKey(HeldCopy, on_delete=models.PROTECT, related_name="extensions")
    previous_review_date = models.DateField()
    new_review_date = models.DateField()
    reason = models.TextField()
    extended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    extended_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-extended_at", "-pk"]


class LegalHoldReason(models.TextChoices):
    INVESTIGATION = "investigation", "Investigation"
    SUBJECT_ACCESS = "subject_access", "Subject access request"
    COMPLAINT = "complaint", "Complaint"
    BREACH = "breach", "Data breach"
    LITIGATION = "litigation", "Litigation"


class LegalHold(models.Model):
    """Suspends the destruction of everything about one request (every organisation's copies of
    it) or about one data subject, until lifted. Set by a designated officer of an organisation
    party to the request, or by a partnership admin."""

    organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    request_reference = models.CharField(max_length=20, blank=True, db_index=True)
    subject = models.ForeignKey("portal.DataSubject", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason_kind = models.CharField("reason for the hold", max_length=20, choices=LegalHoldReason.choices)
    reason = models.TextField()
    review_date = models.DateField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now_add=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)
    case_reference = models.CharField(
        max_length=20,
        blank=True,
        help_text="The breach or complaint case that placed the hold (governance): lifted only when that case closes.",
    )

    class Meta:
        ordering = ["-set_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(request_reference="") | Q(subject__isnull=False), name="portal_legalhold_covers_something"
            )
        ]

    def __str__(self) -> str:
        return f"Legal hold {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None
