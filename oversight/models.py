"""Models of `oversight` (docs/architecture.md): protocol review reminders (SSP 17, SDP 13),
new protocol versions proposed in the browser and their approvals, the signatory register.

None holds personal data about data subjects; staff names only."""
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models


class ReminderKind(models.TextChoices):
    DAYS_60 = "60_days", "60 days before the review date"
    DAYS_14 = "14_days", "14 days before the review date"
    PASSED = "passed", "The review date has passed"


# The reminders in the order they fall due, with the days left at which each is due.
REMINDER_DUE_AT = ((ReminderKind.DAYS_60, 60), (ReminderKind.DAYS_14, 14), (ReminderKind.PASSED, -1))


class ReviewReminder(models.Model):
    """One reminder of a pack version's review date, sent once: the row is the proof it went.
    A reminder overtaken by a later one (a pack loaded 10 days before its review date) is
    recorded as covered, not sent."""

    pack = models.ForeignKey("portal.ProtocolPack", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    review_date = models.DateField(help_text="The review date the reminder was about.")
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveIntegerField(default=0)
    covered = models.BooleanField(default=False, help_text="Overtaken by a later reminder: not sent on its own.")

    class Meta:
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["pack", "kind"], name="oversight_review_reminder_once")]


class ProposalStatus(models.TextChoices):
    AWAITING = "awaiting", "Waiting for approval"
    IN_FORCE = "in_force", "In force"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ProposedVersion(models.Model):
    """A new version of a partnership's pack, uploaded in the browser by its admin and validated
    with the loader `manage.py load_protocol` uses. It is loaded (and so comes into force) only
    when approved as the pack in force says (`review.approval`); until then nothing else changes.

        awaiting ─every approval─▶ in force      (loaded: `pack`)
           └──────withdraw──────▶ withdrawn     (by a partnership admin, with a reason; its approvals void)
    """

    partnership = models.ForeignKey("portal.Partnership", on_delete=models.PROTECT, related_name="+")
    base_pack = models.ForeignKey(
        "portal.ProtocolPack", on_delete=models.PROTECT, related_name="+", help_text="The version in force when uploaded."
    )
    version = models.SlugField(max_length=40)
    text = models.TextField(help_text="The uploaded YAML, as loaded when approved.")
    data = models.JSONField(help_text="The validated pack.")
    source_name = models.CharField(max_length=300, blank=True)
    approval_rule = models.CharField(max_length=48)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.AWAITING)
    pack = models.ForeignKey(
        "portal.ProtocolPack", null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Once in force."
    )
    in_force_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True, help_text="Why the admin withdrew it (also in the decision log).")

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership"], condition=models.Q(status="awaiting"), name="oversight_one_proposal_awaiting"
            )
        ]

    def __str__(self) -> str:
        return f"Proposed version {self.version}"


class VersionApproval(models.Model):
    """One organisation's approval of a proposed version (its designated officer's), or the
    board's (recorded by the admin: `organisation` empty)."""

    proposal = models.ForeignKey(ProposedVersion, on_delete=models.CASCADE, related_name="approvals")
    organisation = models.ForeignKey("portal.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)
    voided_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the version is withdrawn: the approval counts for nothing."
    )

    class Meta:
        ordering = ["approved_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "organisation"], name="oversight_version_approval_once", nulls_distinct=False
            )
        ]


class ProtocolSignature(models.Model):
    """SDP Appendix 2, the Authorised Signatory Form, signed in the portal for one version by an
    organisation's signatory (recorded by its designated officer, who types the signatory's name
    and title as they sign)."""

    pack = models.ForeignKey("portal.ProtocolPack", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    signatory_name = models.CharField(max_length=200)
    signatory_title = models.CharField(max_length=300)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-signed_at"]
        constraints = [models.UniqueConstraint(fields=["pack", "organisation"], name="oversight_signature_once")]


# ---------------------------------------------------------------------------------------------
# The monitoring report's monthly roll-up (issue 12; docs/performance.md, docs/adr/0018)
# ---------------------------------------------------------------------------------------------


class RollupMonth(models.Model):
    """One calendar month (UK time) of requests *raised*, as the roll-up holds it. `dirty` is set
    by a trigger on the requests table (migration 0005) whenever a request raised in a closed
    month is written (a late decision, a withdrawal, a destruction): the report then counts that
    month live until the refresh (`report_rollup_refresh`) rolls it again. A month with no row, or
    a dirty one, is never read from the roll-up."""

    month = models.DateField(unique=True, help_text="The first day of the month.")
    dirty = models.BooleanField(default=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)


def _rollup_fk(model: str, **extra):
    # No constraint and no index: the roll-up is derived data, rebuilt a month at a time, and
    # must never stand in the way of the records it counts.
    return models.ForeignKey(
        model, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+", **extra
    )


class RequestRollup(models.Model):
    """Counts of the requests raised in one closed month, by partnership, organisation pair,
    status, sub judice flag and month decided. Numbers only: no request, person or text."""

    partnership = _rollup_fk("portal.Partnership")
    month = models.DateField(help_text="Month raised (UK time), its first day.")
    requesting_organisation = _rollup_fk("portal.Organisation")
    holding_organisation = _rollup_fk("portal.Organisation", null=True)
    status = models.CharField(max_length=20)
    sub_judice = models.BooleanField(null=True)
    decided_month = models.DateField(null=True, help_text="Month decided (UK time), its first day.")
    raised = models.PositiveIntegerField()
    decided = models.PositiveIntegerField()
    decided_with_needed_by = models.PositiveIntegerField()
    decided_by_needed_by = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["partnership", "month"], name="oversight_rollup_month")]


class TurnaroundRollup(models.Model):
    """The exact turnarounds (days, submitted to decided) of the requests raised in one closed
    month and decided, by partnership and organisation pair, sorted (and the dates needed of
    those still open): the median and 90th
    percentile over any run of months stay exact (`percentile_cont` over the arrays unnested),
    reading 8 bytes a request instead of a row."""

    partnership = _rollup_fk("portal.Partnership")
    month = models.DateField()
    requesting_organisation = _rollup_fk("portal.Organisation")
    holding_organisation = _rollup_fk("portal.Organisation", null=True)
    days = ArrayField(models.FloatField())
    # The dates needed of those still open, sorted: "overdue now" is those before today.
    open_needed_by = ArrayField(models.DateField(), default=list)

    class Meta:
        indexes = [models.Index(fields=["partnership", "month"], name="oversight_turnaround_month")]


class RollupRefresh(models.Model):
    """The last run of the refresh (the page says when); one row, replaced by each run."""

    finished_at = models.DateTimeField()
    months_rolled = models.PositiveIntegerField()


class EventRollup(models.Model):
    """Counts of what happened to the requests raised in one closed month, by partnership,
    organisation pair, figure and month it happened: disputes raised (`dispute:<status>`),
    public-interest overrides (`override:<status>`, by month decided; none for those waiting),
    and current releases decided (`release`, `release:consent`, `release:override`; the
    partnership of the decision's pack). Kept right by the same dirty months as `RequestRollup`:
    a trigger on each of these tables marks the month its request was raised in."""

    partnership = _rollup_fk("portal.Partnership")
    month = models.DateField(help_text="Month the request was raised (UK time), its first day.")
    requesting_organisation = _rollup_fk("portal.Organisation")
    holding_organisation = _rollup_fk("portal.Organisation", null=True)
    figure = models.CharField(max_length=32)
    event_month = models.DateField(null=True)
    n = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["partnership", "month"], name="oversight_event_rollup_month")]
