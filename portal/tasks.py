"""Celery tasks of the core. Tasks only call services."""
from celery import shared_task

from portal.notifications.services import notifications_send, notifications_send_pending


@shared_task(name="portal.send_notifications", acks_late=True)
def send_notifications(ids: list[int]) -> int:
    return notifications_send(ids=ids)


@shared_task(name="portal.send_pending_notifications")
def send_pending_notifications() -> int:
    return notifications_send_pending()
