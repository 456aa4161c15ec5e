"""Depersonalised datasets (issue 13; SDP Appendix 1, 5.4, 5.5, 5.13, 10).

What a dataset is comes from the protocol pack (`datasets:` in protocols/*.yaml, checked by
portal/protocols/validation.py): who owns it, its fields and types, its location rule and its
categories. Nothing here holds personal data: a submission's rows are checked and coarsened
before any is stored (datasets/checking.py), and the uploaded file itself is deleted once the
check has run, whatever its outcome.

A submission's lifecycle (`datasets/lifecycle.py`):

    received ──▶ checking ──▶ accepted ──▶ superseded
                     │
                     └──────▶ rejected

`accepted` loads every row at once (one transaction); `rejected` loads none, and keeps the
refused rows' line numbers and reasons (never their values). A later accepted submission for
the same organisation, dataset and period supersedes the earlier one, whose rows then no longer
count.

`AreaCount` is the evidence base the hotspot, trend and feed pages read: counts per submission,
outward postcode district, category and month, written when a submission is accepted, so the
aggregates never scan the rows (docs/performance.md).
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class SubmissionStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    CHECKING = "checking", "Being checked"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Superseded"


def submission_path(instance, filename: str) -> str:
    # Random: the user's file name is kept in `original_name`, never in a path.
    return f"datasets/{uuid.uuid4().hex}"


class Submission(models.Model):
    partnership = models.ForeignKey("portal.Partnership", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    pack = models.ForeignKey("portal.ProtocolPack", on_delete=models.PROTECT, related_name="+")
    dataset_code = models.CharField(max_length=80)
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=16, choices=SubmissionStatus.choices, default=SubmissionStatus.RECEIVED)
    upload = models.FileField(upload_to=submission_path, max_length=300, blank=True)
    original_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=8)  # csv or xlsx
    size_bytes = models.BigIntegerField(default=0)
    progress_percent = models.SmallIntegerField(default=0)
    rows_checked = models.IntegerField(default=0)
    rows_loaded = models.IntegerField(default=0)
    values_stripped = models.IntegerField(default=0)
    problem_count = models.IntegerField(default=0)
    problems = models.JSONField(default=list, help_text='[{"line": 12, "reason": "..."}]: the first refused rows, no values.')
    failure = models.TextField(blank=True, help_text="Why the whole file was refused (wrong columns, not a CSV...).")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["partnership", "dataset_code", "status"])]
        constraints = [models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="datasets_submission_period_order")]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"DS-{self.pk:06d}" if self.pk else "DS-new"


class DatasetRecord(models.Model):
    """One checked, coarsened row. `district` is the outward postcode; `street`, `easting` and
    `northing` are kept only where the dataset's location rule allows them (easting and northing
    rounded to 100 m)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="records")
    occurred_on = models.DateField()
    occurred_at = models.TimeField(null=True, blank=True)
    district = models.CharField(max_length=4)
    category = models.CharField(max_length=80, blank=True)
    street = models.CharField(max_length=120, blank=True)
    easting = models.IntegerField(null=True, blank=True)
    northing = models.IntegerField(null=True, blank=True)
    values = models.JSONField(default=dict, blank=True, help_text="The dataset's other fields (numbers, checked text).")

    class Meta:
        indexes = [models.Index(fields=["submission", "occurred_on"])]


class AreaCount(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="counts")
    partnership = models.ForeignKey("portal.Partnership", on_delete=models.PROTECT, related_name="+")
    dataset_code = models.CharField(max_length=80)
    district = models.CharField(max_length=4)
    category = models.CharField(max_length=80, blank=True)
    month = models.DateField()
    count = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["partnership", "dataset_code", "month"])]


class FeedToken(models.Model):
    """A read-only key to one partnership's suppressed aggregates (SDP 10: the BI feed). Only
    the SHA-256 of the token is kept; the token is shown once, when it is issued."""

    partnership = models.ForeignKey("portal.Partnership", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120, help_text="What uses it, e.g. the partnership's Power BI workspace.")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text="The token's first characters, to tell tokens apart.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)
    window_started_at = models.DateTimeField(null=True, blank=True)
    window_count = models.IntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
