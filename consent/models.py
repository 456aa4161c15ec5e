"""Consent records (SSP 6.1, Appendix 5; DOMAIN.md §4 step 4).

A consent record is what the Appendix 5 form says, kept so the portal can answer "does this
consent cover this disclosure?" (`consent.services.consent_coverage_problems`):

- who it is about (a `portal.DataSubject`) and who gave it: the person themselves, or someone
  acting for them (parent, guardian, carer, or someone else, described) whose name is recorded;
- whether the reasons for asking were explained (a consent without that is not valid, so the
  service refuses to record one: the field stays so the coverage check can say so if ever false);
- which organisations may disclose ("I give [organisation]": none named means any partner holding
  the information) and to whom ("consent to disclose to"), for which purposes of the protocol
  pack in force, and which information, one item per line, so coverage is checked item by item;
- when it was given and witnessed by the requesting officer (name, position, date); an optional
  scan of the signed form (the same upload rules as release attachments); an optional expiry;
- its withdrawal: when, how the person said so, who recorded it. A withdrawn consent covers
  nothing from then on.

States: in force → withdrawn (`consent.services.consent_withdraw`); "expired" is not stored, it
follows from `expires_on`. Only the services in consent/services.py change a record.

Need-to-know, like requests (SSP 8.2): a record is seen by the officer who recorded it, the
designated officers of the organisation that holds it, and anyone granted the `access_consent`
object permission (django-guardian, direct foreign keys below) — which is how the responder and
the designated officers of an organisation disclosing in reliance on it get to see it
(`consent_grant_for_request`). Reads go through `consent.selectors.access_consent`.
"""
from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class GivenBy(models.TextChoices):
    SUBJECT = "subject", "The person the information is about"
    PARENT = "parent", "Their parent"
    GUARDIAN = "guardian", "Their guardian"
    CARER = "carer", "Their carer"
    OTHER = "other", "Someone else acting for them"


def scan_path(instance, filename: str) -> str:
    # A random stored name: the user's filename is kept only in `scan_original_name`.
    return f"consent/{uuid.uuid4().hex}"


class ConsentRecord(models.Model):
    reference = models.CharField(max_length=20, unique=True)
    protocol_pack = models.ForeignKey(
        "portal.ProtocolPack", on_delete=models.PROTECT, related_name="+", help_text="The protocol in force when recorded."
    )
    subject = models.ForeignKey("portal.DataSubject", on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey(
        "portal.Organisation", on_delete=models.PROTECT, related_name="+", help_text="The organisation that recorded it."
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    # Appendix 5: "Is this information about you?" / "Are you acting as: Parent/Guardian/Carer, Other".
    given_by = models.CharField(max_length=12, choices=GivenBy.choices)
    given_by_description = models.CharField(
        "how they act for the person", max_length=500, blank=True, help_text="Required when given by someone else."
    )
    signatory_name = models.CharField(max_length=200, blank=True, help_text="Who signed, when not the person themselves.")
    signatory_address = models.TextField(blank=True)
    signatory_date_of_birth = models.DateField(null=True, blank=True)
    reasons_explained = models.BooleanField(help_text="Have the reasons for requesting consent been explained?")

    # "I give: … consent to disclose to: …", "for the purposes of: …", "Information to which this consent applies".
    disclosers = models.ManyToManyField(
        "portal.Organisation", blank=True, related_name="+", help_text="Who may disclose; none: any partner."
    )
    recipients = models.ManyToManyField("portal.Organisation", related_name="+")
    purposes = models.ManyToManyField("portal.Purpose", related_name="+")
    information_items = ArrayField(models.CharField(max_length=500), default=list)

    given_on = models.DateField()
    witness_name = models.CharField(max_length=200)
    witness_position = models.CharField(max_length=200)
    witnessed_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)

    scan = models.FileField(upload_to=scan_path, max_length=300, blank=True)
    scan_original_name = models.CharField(max_length=255, blank=True)
    scan_content_type = models.CharField(max_length=100, blank=True)
    scan_size = models.PositiveBigIntegerField(null=True, blank=True)
    scan_sha256 = models.CharField(max_length=64, blank=True)
    scan_uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scan_uploaded_at = models.DateTimeField(null=True, blank=True)

    withdrawn_at = models.DateTimeField(null=True, blank=True, help_text="When the person withdrew their consent.")
    withdrawal_how = models.TextField("how the withdrawal was communicated", blank=True)
    withdrawal_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [("access_consent", "Can see the consent record")]
        ordering = ["-recorded_at", "-pk"]
        indexes = [
            models.Index(fields=["recorded_by", "-id"]),
            models.Index(fields=["holder", "-id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True) | models.Q(expires_on__gt=models.F("given_on")),
                name="consent_expires_after_given",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def is_expired(self, on_date: datetime.date | None = None) -> bool:
        return self.expires_on is not None and (on_date or timezone.localdate()) > self.expires_on

    @property
    def state_label(self) -> str:
        if self.is_withdrawn:
            return "Withdrawn"
        if self.is_expired():
            return "Expired"
        return "In force"

    @property
    def given_by_subject(self) -> bool:
        return self.given_by == GivenBy.SUBJECT


# django-guardian with direct foreign keys, like sharing's: `access_consent` is granted here.
class ConsentRecordUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(ConsentRecord, on_delete=models.CASCADE)


class ConsentRecordGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(ConsentRecord, on_delete=models.CASCADE)
