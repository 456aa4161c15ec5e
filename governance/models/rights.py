"""Data-subject rights cases across partners (SDP 9; UK GDPR Arts 12, 15-21; DPA 2018).

A `RightsCase` is opened by the organisation that received the request (its DPO), with the date
received. The statutory deadline is one calendar month from receipt (`deadline`); it may be
extended lawfully by two further months, with reasons recorded (`extended_to`). Its states::

    open ──decide──▶ closed

While open, the DPO searches the portal for the person (governance.selectors.rights), links the
person records that are theirs (`subjects`), and every other organisation whose records mention
them is consulted (`RightsConsultation`, SDP 9 "consultation and discussion and agreement"): it
answers release, release in part or withhold (with the exemption, e.g. DPA 2018 Sch 2 Pt 1
para 2, and reasons) and says whether third-party information is involved. The receiving
organisation records the final decision (SDP 9: "the final decision ... rests with the agency
that the information has been requested from"). Its linked people and requests are under a legal
hold (subject access) while the case is open, lifted when it closes.
"""
from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models


class RightKind(models.TextChoices):
    ACCESS = "access", "Access (subject access request)"
    RECTIFICATION = "rectification", "Rectification"
    ERASURE = "erasure", "Erasure"
    RESTRICTION = "restriction", "Restriction of processing"
    OBJECTION = "objection", "Objection to processing"


class RightsStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ConsultationAnswer(models.TextChoices):
    RELEASE = "release", "Release"
    RELEASE_IN_PART = "release_in_part", "Release in part"
    WITHHOLD = "withhold", "Withhold under an exemption"


class Exemption(models.TextChoices):
    CRIME = "dpa2018_s2_p1_p2", "DPA 2018 Schedule 2 Part 1 paragraph 2 (crime and taxation)"
    THIRD_PARTY = "dpa2018_s2_p3_p16", "DPA 2018 Schedule 2 Part 3 paragraph 16 (other people's information)"
    OTHER = "other", "Another exemption (say which in the reasons)"


class FinalDecision(models.TextChoices):
    COMPLY = "comply", "Comply in full"
    COMPLY_IN_PART = "comply_in_part", "Comply in part"
    REFUSE = "refuse", "Refuse"


class ObjectionOutcome(models.TextChoices):
    UPHELD = "upheld", "Upheld: processing stops (restricted)"
    NOT_UPHELD = "not_upheld", "Not upheld: compelling legitimate grounds override"


def one_calendar_month(received: datetime.date) -> datetime.date:
    """The ICO's calendar month: the same day next month, or that month's last day if it has
    no such day (received 31 January: due 28 or 29 February)."""
    return received + relativedelta(months=1)


class RightsCase(models.Model):
    reference = models.CharField(max_length=20, unique=True, help_text="DSR-000123: what logs and emails name.")
    partnership = models.ForeignKey("portal.Partnership", on_delete=models.PROTECT, related_name="+")
    receiving_organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    status = models.CharField(max_length=16, choices=RightsStatus.choices, default=RightsStatus.OPEN, db_index=True)
    right = models.CharField(max_length=16, choices=RightKind.choices)
    received_on = models.DateField()
    request_summary = models.TextField(help_text="What the person asks for, as the receiving organisation recorded it.")
    extended_to = models.DateField(null=True, blank=True)
    extension_reasons = models.TextField(blank=True)
    subjects = models.ManyToManyField("portal.DataSubject", blank=True, related_name="+")
    # The receiving organisation's final decision (SDP 9).
    decision = models.CharField(max_length=16, choices=FinalDecision.choices, blank=True)
    decision_reasons = models.TextField(blank=True)
    released = models.TextField(blank=True, help_text="What is released to the person.")
    redactions = models.TextField(blank=True, help_text="What is redacted or withheld, and under which exemption.")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    # An objection's outcome (Art 21), recorded by the receiving organisation before its decision.
    objection_outcome = models.CharField(max_length=16, choices=ObjectionOutcome.choices, blank=True)
    objection_reasons = models.TextField(blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["receiving_organisation", "status"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def deadline(self) -> datetime.date:
        return self.extended_to or one_calendar_month(self.received_on)

    @property
    def latest_extension(self) -> datetime.date:
        """The furthest a lawful extension reaches: two more months after the first month."""
        return self.received_on + relativedelta(months=3)


class ConsultationStatus(models.TextChoices):
    AWAITING = "awaiting", "Awaiting answer"
    ANSWERED = "answered", "Answered"


class RightsConsultation(models.Model):
    """One other organisation's part in a rights case: what of its records are involved (by
    reference only) and its answer."""

    case = models.ForeignKey(RightsCase, on_delete=models.CASCADE, related_name="consultations")
    organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    records = models.JSONField(default=list, help_text="[{kind, reference}] of this organisation's records found.")
    status = models.CharField(
        max_length=16, choices=ConsultationStatus.choices, default=ConsultationStatus.AWAITING, db_index=True
    )
    answer = models.CharField(max_length=20, choices=ConsultationAnswer.choices, blank=True)
    exemption = models.CharField(max_length=24, choices=Exemption.choices, blank=True)
    reasons = models.TextField(blank=True)
    third_party_information = models.BooleanField(null=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "organisation"], name="governance_one_consultation_per_organisation")
        ]

    def __str__(self) -> str:
        return f"{self.case.reference}: {self.organisation.name}"


class RestrictionGrounds(models.TextChoices):
    RESTRICTION = "restriction", "Restriction of processing (Art 18)"
    OBJECTION = "objection", "Objection upheld (Art 21)"


class ProcessingRestriction(models.Model):
    """A person record the receiving organisation agreed to restrict on a rights case (UK GDPR
    Art 18, or Art 21 when an objection is upheld): while it stands, no request naming this
    person (matched as the rights search does) is raised by, sent to or released by the
    organisation (portal.restrictions, enforced in sharing's services), until it is lifted."""

    case = models.ForeignKey(RightsCase, on_delete=models.PROTECT, related_name="restrictions")
    organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey("portal.DataSubject", on_delete=models.PROTECT, related_name="+")
    grounds = models.CharField(max_length=16, choices=RestrictionGrounds.choices)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lift_reasons = models.TextField(blank=True)

    class Meta:
        ordering = ["-placed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "subject"], condition=models.Q(lifted_at__isnull=True),
                name="governance_one_standing_restriction",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case.reference}: restriction {self.pk}"
