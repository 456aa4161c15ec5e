"""Accountability records (DOMAIN.md §8; SSP Appendix 4 rule 7; SDP 4.5 j).

The decision log is append-only at the database level (a trigger refuses UPDATE, DELETE and
TRUNCATE, whatever the ORM does) and hash-chained: each entry's HMAC covers its own fields and
the previous entry's hash, with a key kept outside the database (PORTAL_DECISION_LOG_KEY), so an
edit, an insertion or a deletion anywhere but the very end breaks the chain. The end is caught by
`DecisionLogAnchor`: each verification and a daily job record the entry count and the head entry's
id and hash in a table of their own, and the verifier checks the log still reaches the last one.
(`verify_decision_log` prints them too, to be kept outside the database as well.)

The access log records every view, download and print of personal data. It is append-only too
but not chained: it is evidence of reading, not of deciding. Its trigger refuses DELETE unless the
transaction says it is the retention prune (`portal.access_log_prune`, migration 0007).

Neither log holds the personal content itself: references, organisations, purposes and reasons.
"""
from django.conf import settings
from django.db import models


class DecisionLogEntry(models.Model):
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(max_length=300)
    organisation = models.ForeignKey("portal.Organisation", null=True, on_delete=models.PROTECT, related_name="+")
    organisation_name = models.CharField(max_length=200, blank=True)
    # The partnership whose protocol governs the decision; empty for a deployment-wide event
    # (accounts, organisations) and for every entry written before partnerships existed.
    partnership = models.ForeignKey("portal.Partnership", null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=64, db_index=True)
    reference = models.CharField(max_length=64, blank=True, db_index=True)
    recipient_name = models.CharField("with whom", max_length=200, blank=True)
    purpose = models.CharField(max_length=300, blank=True)
    reasons = models.TextField(blank=True)
    protocol_version = models.CharField(max_length=100, blank=True)
    details = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organisation", "-id"]),
            models.Index(fields=["actor", "-id"]),
            models.Index(fields=["action", "-id"]),
            models.Index(fields=["partnership", "-id"], name="portal_deci_partner_idx"),
        ]
        verbose_name_plural = "decision log entries"

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} {self.reference}"


class AccessKind(models.TextChoices):
    VIEW = "view", "Viewed"
    DOWNLOAD = "download", "Downloaded"
    PRINT = "print", "Printed"


class AccessLogEntry(models.Model):
    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("portal.Organisation", null=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=AccessKind.choices)
    object_type = models.CharField(max_length=64)
    reference = models.CharField(max_length=64, db_index=True)
    path = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "-id"]), models.Index(fields=["organisation", "-id"])]
        verbose_name_plural = "access log entries"


class DecisionLogAnchor(models.Model):
    """Where the decision log's chain ended when it was last checked: a cut of its tail (or a
    TRUNCATE) leaves a chain that verifies, but no longer reaches the anchored head. Append-only
    like the log. `head_id` is None for an empty log (head hash the chain's genesis)."""

    class Source(models.TextChoices):
        VERIFICATION = "verification", "Verification"
        DAILY = "daily", "Daily anchor"

    recorded_at = models.DateTimeField()
    count = models.PositiveBigIntegerField()
    head_id = models.BigIntegerField(null=True)
    head_hash = models.CharField(max_length=64)
    source = models.CharField(max_length=16, choices=Source.choices)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.recorded_at:%Y-%m-%d %H:%M} {self.count} entries up to #{self.head_id}"


class DecisionLogVerification(models.Model):
    """One run of the chain's verification, done by Celery workers off the web request (issue 17).

    The run is planned as ranges of entry ids (`DecisionLogVerificationChunk`) up to the head it
    found when it started; each range is checked on its own, from the stored hash of the entry
    before it, so workers can check ranges in parallel, and a run whose worker died goes on from
    the ranges not yet done. Holds no personal data: counts, ids, hashes and times."""

    class Source(models.TextChoices):
        AUDITOR = "auditor", "An auditor"
        DAILY = "daily", "The daily check"
        COMMAND = "command", "The command line"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        INTACT = "intact", "Intact"
        BROKEN = "broken", "Broken"

    source = models.CharField(max_length=16, choices=Source.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    requested_at = models.DateTimeField()
    # Last time a worker finished a range: a run unfinished and quiet for long has lost its worker.
    heartbeat_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    upto_id = models.BigIntegerField(null=True, help_text="The head entry when the run started (None: empty log).")
    anchor = models.ForeignKey(DecisionLogAnchor, null=True, on_delete=models.PROTECT, related_name="+")
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    verified = models.PositiveBigIntegerField(default=0, help_text="Entries read so far.")
    count = models.PositiveBigIntegerField(null=True)
    head_id = models.BigIntegerField(null=True)
    head_hash = models.CharField(max_length=64, blank=True)
    first_broken_id = models.BigIntegerField(null=True)
    problem = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["heartbeat_at"], condition=models.Q(finished_at__isnull=True), name="portal_verify_unfinished")
        ]

    def __str__(self) -> str:
        return f"Verification {self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    @property
    def percent(self) -> int:
        return int(100 * self.chunks_done / self.chunks_total) if self.chunks_total else (100 if self.finished else 0)

    @property
    def seconds(self) -> float | None:
        return (self.finished_at - self.requested_at).total_seconds() if self.finished_at else None

    @property
    def per_second(self) -> int | None:
        seconds = self.seconds
        return int((self.count or 0) / seconds) if seconds else None


class DecisionLogVerificationChunk(models.Model):
    """One range of entry ids of a verification run, and what checking it showed."""

    run = models.ForeignKey(DecisionLogVerification, on_delete=models.CASCADE, related_name="chunks")
    first_id = models.BigIntegerField()
    last_id = models.BigIntegerField()
    done_at = models.DateTimeField(null=True, blank=True)
    count = models.PositiveBigIntegerField(default=0)
    last_id_seen = models.BigIntegerField(null=True)
    last_hash = models.CharField(max_length=64, blank=True)
    broken_id = models.BigIntegerField(null=True)
    problem = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["run", "first_id"]
        indexes = [
            models.Index(fields=["run", "first_id"], condition=models.Q(done_at__isnull=True), name="portal_verify_chunk_todo")
        ]
