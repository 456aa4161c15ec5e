"""Models of `exchange` (docs/architecture.md, docs/api.md): the partner API's clients and their
keys, idempotency records of API writes, and the webhook deliveries that tell a partner system a
request changed state.

An `ApiClient` is a partner system registered by a partnership admin for one organisation. It
acts through its own account (`account`: a user with an unusable password and one officer
membership of that organisation), so every call goes through the very selectors and services the
pages use, and the access and decision logs name the client ("NAME (API client)"). None of these
rows holds personal data: a webhook carries a reference, a state and a link only.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models


class Scope(models.TextChoices):
    REQUESTS_READ = "requests:read", "Read the status and decisions of the organisation's requests"
    REQUESTS_WRITE = "requests:write", "Raise requests"
    INBOX_READ = "inbox:read", "List the holding inbox (triage fields only)"
    RELEASED_READ = "released:read", "Fetch released items and attachments"
    WEBHOOKS = "webhooks", "Be told when a request changes state (webhooks)"
    DATASETS_WRITE = "datasets:write", "Submit depersonalised datasets and read their checks"
    COHORTS_READ = "cohorts:read", "Read the cohort workspaces the system is a member of"
    COHORTS_WRITE = "cohorts:write", "Add and update the organisation's own cohort entries"


class ApiClient(models.Model):
    """A partner system, bound to one organisation and a set of scopes.

    Active while `revoked_at` is empty. `webhook_secret_version` changes at each rotation: the
    signing secret is derived from it and the server key (never stored)."""

    name = models.CharField(max_length=100)
    organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    account = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client")
    membership = models.OneToOneField("portal.Membership", on_delete=models.PROTECT, related_name="+")
    partnership = models.ForeignKey(
        "portal.Partnership", on_delete=models.PROTECT, related_name="+",
        help_text="The partnership of the admin who registered it (ADR 0009): only its admins manage it.",
    )
    scopes = models.JSONField(default=list)
    webhook_url = models.URLField(max_length=500, blank=True)
    webhook_secret_version = models.PositiveIntegerField(default=1)
    rate_limit_per_minute = models.PositiveIntegerField(default=120)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class ApiKey(models.Model):
    """One key of a client: `csp_<prefix>.<secret>`. Only an HMAC of the whole key under the
    server's key is stored; the key is shown once. A rotated key keeps working until
    `expires_at` (the grace period), a revoked one never again."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="keys")
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]


class IdempotencyRecord(models.Model):
    """The answer given to a write sent with an `Idempotency-Key`: the same key with the same
    body gets the same answer again, without a second request; with another body, a 422.
    The body kept holds references and states only, no personal data."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "key"], name="exchange_idempotency_unique")]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Given up"


class WebhookDelivery(models.Model):
    """One state change told to one client's webhook: written in the transaction of the change,
    sent after commit by the `exchange.deliver_webhook` task, retried with backoff (and picked up
    by the `exchange.webhooks_sweep` beat job if a queueing was lost) until delivered or
    `PORTAL_WEBHOOK_MAX_ATTEMPTS` tries have failed. The payload is reference, state and link."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=50)
    reference = models.CharField(max_length=20)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]


# ---------------------------------------------------------------------------------------------
# Recurring marked distributions (SDP 5.9, Appendix 3: the Force Threat and Risk document)
# ---------------------------------------------------------------------------------------------

APPENDIX_3_RULES = (
    "Keep hard copies in locked storage (SDP Appendix 3).\n"
    "Do not share this document, or anything in it, onward.\n"
    "Destroy your copies when the next issue arrives: the portal destroys this issue then."
)


class Distribution(models.Model):
    """A document series an organisation sends to named people in other organisations every
    period (e.g. the monthly Force Threat and Risk Assessment), under one marking and its handling
    rules. Each issue supersedes the last, which is destroyed through the retention engine."""

    organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    partnership = models.ForeignKey("portal.Partnership", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    marking = models.ForeignKey("portal.MarkingLevel", on_delete=models.PROTECT, related_name="+")
    handling_rules = models.TextField(default=APPENDIX_3_RULES)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "pk"]

    @property
    def reference(self) -> str:
        return f"DIST-{self.pk}"

    @property
    def rules(self) -> list[str]:
        return [line.strip() for line in self.handling_rules.splitlines() if line.strip()]


class DistributionRecipient(models.Model):
    """A named person, through their membership of another organisation: the membership ending
    ends their access."""

    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="recipients")
    membership = models.ForeignKey("portal.Membership", on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["distribution", "membership"], name="exchange_recipient_unique")
        ]


class RecipientRole(models.TextChoices):
    """The roles a series can be sent to by role (SDP 5.9: "named recipient roles")."""

    OFFICER = "officer", "Partner officers"
    DESIGNATED_OFFICER = "designated_officer", "Designated officers"
    DPO = "dpo", "Data protection officers"
    CHAIR = "chair", "Meeting chairs"


class DistributionRoleRecipient(models.Model):
    """Everyone holding `role` in `organisation`, resolved afresh at each issue: someone who gains
    the role later receives the next issue; someone who loses it (the membership ends) loses
    access to what they were sent."""

    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="role_recipients")
    organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=32, choices=RecipientRole.choices)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["distribution", "organisation", "role"],
                                    name="exchange_role_recipient_unique")
        ]

    @property
    def label(self) -> str:
        return f"{self.get_role_display()} of {self.organisation.name}"


def issue_path(instance, filename: str) -> str:
    import uuid

    return f"distributions/{uuid.uuid4().hex}"


class DistributionIssue(models.Model):
    """One issue of a distribution. Its file is destroyed (through the retention engine) when the
    next issue arrives; the row stays as the tombstone."""

    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="issues")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=issue_path, max_length=300, blank=True)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["distribution", "number"], name="exchange_issue_number_unique")]

    @property
    def reference(self) -> str:
        return f"DIST-{self.distribution_id}-{self.number}"


class IssueRecipient(models.Model):
    """Who an issue was sent to, resolved when it was uploaded (the named people and everyone
    holding a recipient role then), through the membership it reached them by. Access needs the
    membership still active and the recipient organisation's copy of the issue (its held copy,
    ADR 0006) not yet destroyed."""

    issue = models.ForeignKey("DistributionIssue", on_delete=models.CASCADE, related_name="recipients")
    membership = models.ForeignKey("portal.Membership", on_delete=models.PROTECT, related_name="+")
    via = models.CharField(max_length=200, help_text="Named, or the role rule it came through")

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "membership"], name="exchange_issue_recipient_unique")
        ]


class IssueAcknowledgement(models.Model):
    """A recipient agreed to the handling rules of an issue: needed before their first download."""

    issue = models.ForeignKey(DistributionIssue, on_delete=models.CASCADE, related_name="acknowledgements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(auto_now_add=True)
    first_downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issue", "user"], name="exchange_acknowledgement_unique")]


# ---------------------------------------------------------------------------------------------
# Shared case workspaces (IOM, SDP 5.8; MAPS, MEAM cohorts)
# ---------------------------------------------------------------------------------------------


class Cohort(models.Model):
    """A forum's cohort (e.g. the IOM programme's offenders): member organisations' people see
    the cohort's people and each organisation keeps its own entries, under the forum's marking.
    `organisation` coordinates it: its officers add and remove members and people."""

    partnership = models.ForeignKey("portal.Partnership", on_delete=models.PROTECT, related_name="+")
    forum = models.ForeignKey("portal.Forum", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    marking = models.ForeignKey("portal.MarkingLevel", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "pk"]

    @property
    def reference(self) -> str:
        return f"COH-{self.pk}"


class CohortMember(models.Model):
    """A person taking part, through one membership: ending it (or the membership) ends access."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="members")
    membership = models.ForeignKey("portal.Membership", on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)


class CohortPerson(models.Model):
    """Someone in the cohort. Leaving the programme (`left_at`) takes them out of the workspace;
    retention then destroys what is held (the row stays as the tombstone)."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="people")
    full_name = models.CharField(max_length=200)
    date_of_birth = models.DateField(null=True, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["full_name", "pk"]


class EntryKind(models.TextChoices):
    RISK = "risk", "Risk"
    ACTIONS = "actions", "Actions"
    CONTACTS = "contacts", "Contacts"


class CohortEntry(models.Model):
    """One organisation's entry of one kind about one person: only that organisation changes it;
    every change is kept in `CohortEntryChange`."""

    person = models.ForeignKey(CohortPerson, on_delete=models.CASCADE, related_name="entries")
    organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=EntryKind.choices)
    text = models.TextField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation__name", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["person", "organisation", "kind"], name="exchange_cohort_entry_unique")
        ]


class CohortEntryChange(models.Model):
    """Who changed an entry, to what, when."""

    entry = models.ForeignKey(CohortEntry, on_delete=models.CASCADE, related_name="changes")
    text = models.TextField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
