"""Data subjects: the people records are about (DOMAIN.md §4 step 1; SSP Appendix 2 q4).

Requests, consent records and meeting agenda items all point at subjects, so they live in the
core. A subject record is held by the organisation that recorded it; its personal fields are
cleared when the record is destroyed under retention, leaving only the tombstone fields.
"""
from django.db import models


class SubjectRole(models.TextChoices):
    OFFENDER = "offender", "Offender or alleged offender"
    VICTIM = "victim", "Victim"
    WITNESS = "witness", "Witness"
    OTHER = "other", "Other"


class DataSubject(models.Model):
    holder = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    full_name = models.CharField(max_length=200)
    aliases = models.CharField(max_length=500, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    address = models.TextField(blank=True)
    nhs_number = models.CharField("NHS number", max_length=12, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["full_name", "pk"]

    def __str__(self) -> str:
        return f"Data subject {self.pk}"
