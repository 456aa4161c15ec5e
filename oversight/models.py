"""Models of `oversight` (docs/architecture.md): protocol review reminders (SSP 17, SDP 13),
new protocol versions proposed in the browser and their approvals, the signatory register.

None holds personal data about data subjects; staff names only."""
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
