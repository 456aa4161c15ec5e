"""Notification outbox. A notification is written in the same transaction as the change it
announces, and sent by a Celery task after commit; anything unsent (Redis down, worker dead) is
picked up again by the periodic `notifications_send_pending` job. Emails carry a reference and a
link only — never names or content (SSP Appendix 7)."""
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

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["sent_at", "id"], name="portal_notification_unsent")]
