"""Complaints about a disclosure or a refusal (SSP 12).

A complaint is recorded by the organisation that received it, against the request(s) it
concerns. Every organisation party to those requests (requesting and holding) takes part: with
more than one, the complaint is **joint** (SSP 12.2, 12.3) and each organisation's data
protection officer or designated officer records its part; the receiving organisation then
records the outcome the organisations agreed, and the complaint closes. While it is open, the
requests it concerns are under a legal hold (reason: complaint).

    open ──(every part recorded, agreed outcome)──▶ closed

The complaint names no one: the complainant's details stay in the receiving organisation's own
complaints system (SSP 12.1); the portal holds the reference, what it is about and the findings.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models


class ComplaintStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ComplaintAbout(models.TextChoices):
    DISCLOSURE = "disclosure", "A disclosure (information was shared)"
    REFUSAL = "refusal", "A refusal (information was not shared)"


class ComplaintOutcome(models.TextChoices):
    UPHELD = "upheld", "Upheld"
    PARTLY_UPHELD = "partly_upheld", "Partly upheld"
    NOT_UPHELD = "not_upheld", "Not upheld"


class Complaint(models.Model):
    reference = models.CharField(max_length=20, unique=True, help_text="CP-2026-000012: what logs and emails name.")
    status = models.CharField(
        max_length=10, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN, db_index=True
    )
    partnership = models.ForeignKey("portal.Partnership", on_delete=models.PROTECT, related_name="+")
    received_by = models.ForeignKey(
        "portal.Organisation", on_delete=models.PROTECT, related_name="+", help_text="The organisation that received it."
    )
    received_on = models.DateField()
    acknowledged_on = models.DateField(null=True, blank=True, help_text="SSP 12.1: acknowledged promptly in writing.")
    about = models.CharField(max_length=16, choices=ComplaintAbout.choices)
    summary = models.TextField(help_text="What the complaint says, without naming anyone.")
    requests = models.ManyToManyField("sharing.DisclosureRequest", related_name="+")
    holds = models.ManyToManyField("portal.LegalHold", blank=True, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=16, choices=ComplaintOutcome.choices, blank=True)
    outcome_text = models.TextField("agreed outcome", blank=True)
    outcome_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_on", "-pk"]

    def __str__(self) -> str:
        return self.reference


class ComplaintPart(models.Model):
    """One organisation's part in a complaint: its findings, recorded by its DPO or designated officer."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="parts")
    organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    findings = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation__name", "pk"]
        constraints = [models.UniqueConstraint(fields=["complaint", "organisation"], name="governance_complaint_part_once")]

    def __str__(self) -> str:
        return f"Complaint part {self.pk}"
