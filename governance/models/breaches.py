"""Personal data breaches and incidents (SDP 8).

A breach is reported by anyone signed in, about the staff of one organisation (where it
occurred). From its discovery a 72-hour clock runs to the decision whether to notify the ICO
(UK GDPR Art 33). The occurred organisation's data protection officer handles it: records the
ICO decision, the investigation and a summary incident report shared with the partners involved,
and may mark lessons learnt for the next protocol review. While it is open, everything it links
to is under a legal hold (reason: breach), lifted when it closes.

    open ──(ICO decision, investigation, summary shared)──▶ closed

The record names no one itself: the people it touches are linked data subjects, shown only to
those who may see the case.
"""
from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

CLOCK_HOURS = 72


class BreachStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class IcoDecision(models.TextChoices):
    REPORT = "report", "Report it to the ICO"
    NOT_REPORT = "not_report", "Do not report it to the ICO"


class DataCategory(models.TextChoices):
    IDENTIFIERS = "identifiers", "Names, addresses, dates of birth or other identifiers"
    CONTACT = "contact", "Contact details"
    HEALTH = "health", "Health information"
    CRIMINAL_OFFENCE = "criminal_offence", "Criminal offences, allegations or convictions"
    SPECIAL_CATEGORY = "special_category", "Other special category data (ethnicity, religion, sexuality and so on)"
    VICTIM_WITNESS = "victim_witness", "Information about victims or witnesses"
    CHILDREN = "children", "Information about children"
    FINANCIAL = "financial", "Financial information"
    OTHER = "other", "Other"


class Breach(models.Model):
    reference = models.CharField(max_length=20, unique=True, help_text="BR-2026-000012: what logs and emails name.")
    status = models.CharField(max_length=10, choices=BreachStatus.choices, default=BreachStatus.OPEN, db_index=True)
    partnership = models.ForeignKey("portal.Partnership", on_delete=models.PROTECT, related_name="+")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reporter_organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(auto_now_add=True)
    occurred_organisation = models.ForeignKey(
        "portal.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The organisation whose staff were involved: its data protection officer handles the breach.",
    )
    what_happened = models.TextField()
    happened_at = models.DateTimeField()
    discovered_at = models.DateTimeField()
    data_categories = ArrayField(models.CharField(max_length=32, choices=DataCategory.choices))
    people_affected = models.PositiveIntegerField(help_text="Approximately how many people's information.")
    requests = models.ManyToManyField("sharing.DisclosureRequest", blank=True, related_name="+")
    releases = models.ManyToManyField("sharing.Decision", blank=True, related_name="+")
    meetings = models.ManyToManyField("meetings.Meeting", blank=True, related_name="+")
    subjects = models.ManyToManyField("portal.DataSubject", blank=True, related_name="+")
    source_organisations = models.ManyToManyField(
        "portal.Organisation",
        blank=True,
        related_name="+",
        help_text="The originators of released data the breach touches: their DPOs are told too (SDP 8).",
    )
    holds = models.ManyToManyField("portal.LegalHold", blank=True, related_name="+")

    ico_decision = models.CharField(max_length=16, choices=IcoDecision.choices, blank=True)
    ico_reasons = models.TextField(blank=True)
    ico_reference = models.CharField("ICO reference", max_length=40, blank=True)
    ico_reported_at = models.DateTimeField(null=True, blank=True, help_text="When it was reported to the ICO.")
    ico_decided_at = models.DateTimeField(null=True, blank=True)
    ico_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    investigation = models.TextField(blank=True)
    investigation_recorded_at = models.DateTimeField(null=True, blank=True)
    summary_report = models.TextField(blank=True)
    summary_shared_at = models.DateTimeField(null=True, blank=True)
    lessons_learnt = models.BooleanField(default=False, help_text="An input to the next protocol review (SDP 8).")
    lessons_note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["discovered_at", "pk"]
        indexes = [models.Index(fields=["occurred_organisation", "status", "discovered_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(discovered_at__gte=models.F("happened_at")), name="governance_breach_discovered_after"
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def ico_deadline(self) -> datetime.datetime:
        return self.discovered_at + datetime.timedelta(hours=CLOCK_HOURS)
