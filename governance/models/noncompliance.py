"""Non-compliance and suspension (SSP 13).

A `NonComplianceReport` is one partner's written notice that another partner has failed to
comply with the protocol (13.2, "in writing giving full details"). Its states::

    reported ──respond──▶ responded ──record outcome──▶ closed

- reported: the reporting organisation's designated officer wrote it; the other organisation's
  designated officers are notified (a link and the reference only) and must respond (13.2, 13.5);
- responded: the other organisation investigated and answered in writing, with its finding
  (a failure, and the remedial action taken and how the people affected are told, 13.1; or no
  failure, with its reasons, 13.2);
- closed: the reporting organisation recorded the investigation's outcome (13.5).

A `SuspensionDecision` (13.3) is the decision of an affected organisation to stop sharing with a
partner until the issues are resolved: reasons and a review date, usually arising from a report.
While it stands, `PartnershipMember.sharing_suspended` is set (through the portal service that
owns it), which refuses new requests to or from the partner, any release on requests already
open and anything new shared with it through meetings. Lifting it is a decision too.
Every step is in the decision log (governance.* and organisation.suspended/resumed).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models


class NonComplianceStatus(models.TextChoices):
    REPORTED = "reported", "Awaiting response"
    RESPONDED = "responded", "Responded"
    CLOSED = "closed", "Closed"


class Finding(models.TextChoices):
    FAILURE = "failure", "There was a failure to comply"
    NO_FAILURE = "no_failure", "There was no failure to comply"


class NonComplianceReport(models.Model):
    reference = models.CharField(max_length=20, unique=True, help_text="NC-000123: what logs and emails name.")
    partnership = models.ForeignKey("portal.Partnership", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=16, choices=NonComplianceStatus.choices, default=NonComplianceStatus.REPORTED, db_index=True
    )
    reporting_organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    concerns_organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    details = models.TextField(help_text="SSP 13.2: the failure, in writing, with full details.")
    request_references = models.CharField(
        max_length=500, blank=True, help_text="References of the requests it concerns, if any (as the reporter typed them)."
    )
    reported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # 13.2: the other organisation's written response after its investigation.
    finding = models.CharField(max_length=16, choices=Finding.choices, blank=True)
    response = models.TextField(blank=True)
    remedial_action = models.TextField(blank=True, help_text="SSP 13.1: remedial action and how affected people are told.")
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    # 13.5: the investigation and its outcome, recorded by the reporting organisation.
    outcome = models.TextField(blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-reported_at", "-pk"]
        indexes = [
            models.Index(fields=["concerns_organisation", "status"]),
            models.Index(fields=["reporting_organisation", "status"]),
        ]

    def __str__(self) -> str:
        return self.reference


class SuspensionDecision(models.Model):
    reference = models.CharField(max_length=20, unique=True, help_text="SUS-000123.")
    partnership = models.ForeignKey("portal.Partnership", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "portal.Organisation", on_delete=models.PROTECT, related_name="+", help_text="The partner whose sharing is suspended."
    )
    deciding_organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)
    report = models.ForeignKey(
        NonComplianceReport, null=True, blank=True, on_delete=models.PROTECT, related_name="suspensions"
    )
    reasons = models.TextField()
    review_date = models.DateField()
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lift_reasons = models.TextField(blank=True)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        constraints = [
            # One standing suspension per partner per partnership: the flag it sets is one bit.
            models.UniqueConstraint(
                fields=["partnership", "organisation"],
                condition=models.Q(lifted_at__isnull=True),
                name="governance_one_standing_suspension",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_standing(self) -> bool:
        return self.lifted_at is None
