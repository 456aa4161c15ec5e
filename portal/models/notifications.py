"""Notification outbox. A notification is written in the same transaction as the change it
announces, and sent by a Celery task after commit; anything unsent (Redis down, worker dead) is
picked up again by the periodic `notifications_send_pending` job. Emails carry a reference and a
link only — never names or content (SSP Appendix 7).

Delivery (issue 15): each row is sent on its own. A failure is recorded on the row (`attempts`,
`last_error` without the address, `next_attempt_at` with exponential backoff) and the sweep passes
over it until then, so nothing waits behind it; a permanent refusal, or PORTAL_NOTIFICATION_MAX_ATTEMPTS
failures, sets `failed_at` and the row stops (partnership admins see it: "Undelivered emails").
A row `held_for_digest` waits for its recipient's daily digest instead of going at once; `urgent`
rows (the clocks: approvals waiting, breaches, overdue reviews) never do."""
from django.conf import settings
from django.db import models


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=200)
    reference = models.CharField(max_length=64, blank=True)
    path = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    urgent = models.BooleanField(default=False)
    held_for_digest = models.BooleanField(default=False)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["sent_at", "id"], name="portal_notification_unsent"),
            # The sweep's and the admin page's reads: what is still to go, and what stopped.
            models.Index(
                fields=["id"], name="portal_notification_due",
                condition=models.Q(sent_at__isnull=True, failed_at__isnull=True, held_for_digest=False),
            ),
            models.Index(fields=["-failed_at"], name="portal_notification_failed", condition=models.Q(failed_at__isnull=False)),
        ]
