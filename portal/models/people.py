"""People and organisations (DOMAIN.md §3; SSP 1.2, 3, 9; SDP 4.1–4.5, Appendix 2).

Everyone belongs to at least one organisation through a Membership that carries one role.
A person seconded to two organisations holds two memberships. Membership alone gives no access
to any case: access to personal data is need-to-know and granted per object by `sharing`.
"""
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower

from portal.roles import Role


class OrganisationKind(models.TextChoices):
    POLICE = "police", "Police"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    FIRE_AND_RESCUE = "fire_and_rescue", "Fire and rescue"
    PROBATION = "probation", "Probation"
    ICB = "icb", "Integrated care board or CCG"
    NHS_TRUST = "nhs_trust", "NHS trust"
    SOCIAL_LANDLORD = "social_landlord", "Registered social landlord"
    PRISON = "prison", "Prison"
    EDUCATION = "education", "School or college"
    VOLUNTARY = "voluntary", "Voluntary organisation"
    OTHER = "other", "Other"


class StatutoryStanding(models.TextChoices):
    RESPONSIBLE_AUTHORITY = "responsible_authority", "Responsible authority (Crime and Disorder Act 1998 s5(1))"
    CO_OPERATING_BODY = "co_operating_body", "Co-operating body (s5(2))"
    RELEVANT_AUTHORITY = "relevant_authority", "Relevant authority (s115)"
    INVITED = "invited", "Invited participant"


class User(AbstractUser):
    """A person who signs in. Names only; what they may do comes from their memberships."""

    job_title = models.CharField(max_length=200, blank=True)
    # Notifications once a day in one email instead of each at once (the clocks still go at once).
    notification_digest = models.BooleanField("Daily digest of notifications", default=False)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("username"), name="portal_user_username_ci_unique")]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Organisation(models.Model):
    """A partner organisation. Its standing, signing and suspension are per partnership
    (`PartnershipMember`, portal/models/partnerships.py): it can take part in several."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=OrganisationKind.choices)
    ico_registration = models.CharField("ICO registration number", max_length=20, blank=True)
    safeguarding_route = models.TextField(
        blank=True, help_text="How this organisation's staff raise a safeguarding concern (shown by the flowchart)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True, user__is_active=True)


class Membership(models.Model):
    """One role held by one user in one organisation."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    partnership = models.ForeignKey(
        "portal.Partnership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For a partnership admin or auditor, the partnership they serve (required); for a designated "
        "officer, the one partnership they act for (empty: every partnership of the organisation).",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role", "partnership"],
                name="portal_membership_unique",
                nulls_distinct=False,
            )
        ]
        indexes = [models.Index(fields=["organisation", "role"])]

    def __str__(self) -> str:
        return f"{self.get_role_display()}, {self.organisation.name}"


class UserSession(models.Model):
    """Which server-side sessions belong to which user, so deactivation can end them at once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tracked_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
