"""Celery tasks of `oversight`: leaves that call services."""
from celery import shared_task

from oversight.services import report_rollup_refresh, review_reminders_send


@shared_task(name="oversight.review_reminders")
def review_reminders() -> int:
    """Daily: tell the admin and designated officers of a protocol's review date (SSP 17)."""
    return review_reminders_send()


@shared_task(name="oversight.report_rollup_refresh")
def report_rollup_refresh_task() -> int:
    """Hourly: roll the monitoring report's closed months never rolled or written since (issue 12)."""
    return report_rollup_refresh()
