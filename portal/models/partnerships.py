"""Partnerships (issue 16; DOMAIN.md §2–§3).

A Community Safety Partnership is a first-class record: one deployment can host several, each
with its own protocol pack in force (`ProtocolPack.partnership`, one `is_current` per
partnership) and its own signatories. An organisation can sign the protocol of several
partnerships (a police force or the probation service sits in every partnership of its area);
its signing date, statutory standing and suspension are per partnership (`PartnershipMember`).

A request, a meeting and a decision belong to the partnership whose pack they were raised under
(`protocol_pack.partnership`); a request never crosses to an organisation that is not a member of
that partnership.
"""
from django.db import models

from .people import Organisation, StatutoryStanding


class Partnership(models.Model):
    slug = models.SlugField(
        max_length=80, unique=True, help_text="The protocol packs' slug, e.g. safer-stockport: a pack joins the partnership of its slug."
    )
    name = models.CharField(max_length=200, unique=True)
    contact = models.TextField(blank=True, help_text="How partners reach the partnership's information governance lead.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnershipMemberQuerySet(models.QuerySet):
    def sharing(self):
        """Signatories that may send and receive requests now: signed, not suspended."""
        return self.filter(signed_protocol_on__isnull=False, sharing_suspended=False)


class PartnershipMember(models.Model):
    """One organisation's place in one partnership: its standing there, when it signed that
    partnership's protocol, and whether that partnership has suspended its sharing (SSP 13.3)."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="members")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="partnership_places")
    standing = models.CharField("statutory standing", max_length=32, choices=StatutoryStanding.choices)
    signed_protocol_on = models.DateField(
        null=True, blank=True, help_text="When it signed this partnership's protocol; empty if it has not."
    )
    sharing_suspended = models.BooleanField(default=False, help_text="SSP 13.3: no new requests to or from it here.")
    sharing_suspended_reason = models.TextField(blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)

    objects = PartnershipMemberQuerySet.as_manager()

    class Meta:
        ordering = ["partnership__name", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "organisation"], name="portal_partnershipmember_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organisation.name} in {self.partnership.name}"

    @property
    def has_signed(self) -> bool:
        return self.signed_protocol_on is not None
