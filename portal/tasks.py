"""Celery tasks of the core. Tasks only call services."""
from celery import shared_task

from portal.jobs import requeue
from portal.models import DestructionRun
from portal.notifications.services import notification_digests_send, notifications_send, notifications_send_pending
from portal.retention.services import BATCH_SIZE, destruction_runs_recover, retention_warnings_send, sweep_yield_cpu
from portal.retention.services import retention_sweep as sweep


@shared_task(name="portal.send_notifications", acks_late=True)
def send_notifications(ids: list[int]) -> int:
    return notifications_send(ids=ids)


@shared_task(name="portal.send_pending_notifications", bind=True)
def send_pending_notifications(self, after: int = 0) -> int:
    """Every five minutes: a batch of the unsent outbox, then the next batch queued behind it
    (on the same queue) until the outbox is empty. If it cannot be queued (the broker went
    away), the next periodic run starts again from the oldest."""
    sent, next_after = notifications_send_pending(after=after)
    if next_after is not None:
        requeue(self, after=next_after)
    return sent


@shared_task(name="portal.send_notification_digests", acks_late=True)
def send_notification_digests() -> int:
    """Daily at 07:30 (beat): one summary email to each person who chose the digest."""
    return notification_digests_send()


@shared_task(name="portal.retention_sweep", acks_late=True)
def retention_sweep(batch_size: int | None = None) -> int:
    """Daily: destroy every held copy that is due and not on legal hold (portal/retention/).
    `batch_size` (copies a transaction) defaults to the engine's 500; the fault tests use less."""
    sweep_yield_cpu()
    return sweep(batch_size=batch_size or BATCH_SIZE).destroyed_count


@shared_task(name="portal.retention_recover", acks_late=True)
def retention_recover(batch_size: int | None = None) -> int:
    """Every 10 minutes (beat): close destruction runs whose worker died as abandoned, and when
    one was a sweep, sweep again here (this worker, this task), so what the dead run left is
    destroyed now rather than at tomorrow's 02:30. The number of runs closed."""
    closed = destruction_runs_recover()
    if any(run.trigger != DestructionRun.Trigger.MEETING_CLOSED for run in closed):
        sweep_yield_cpu()
        sweep(trigger=DestructionRun.Trigger.RECOVERY, batch_size=batch_size or BATCH_SIZE)
    return len(closed)


@shared_task(name="portal.retention_warnings")
def retention_warnings() -> int:
    """Daily: tell holders what falls due for review within the warning period."""
    return retention_warnings_send()
