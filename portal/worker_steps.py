"""Bootsteps added to every Celery worker of the portal (registered in portal/celery.py).

`SweepOnConnect`: each time a worker's consumer connects to the broker (when the worker starts,
and again every time it reconnects after the broker was away) it queues one run of the
pending-notifications sweep on a queue it consumes. Notifications written while the broker was
down (their `enqueue` failed, portal/jobs.py) are then sent as soon as the broker is back,
rather than at beat's next five-minute run (docs/reliability.md, "Notifications")."""
from __future__ import annotations

import logging

from celery import bootsteps

logger = logging.getLogger(__name__)

SWEEP_TASK = "portal.send_pending_notifications"


class SweepOnConnect(bootsteps.StartStopStep):
    """Started after the consumer's task consumer, on every (re)connection to the broker."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def start(self, c) -> None:
        queues = [queue.name for queue in getattr(c.task_consumer, "queues", None) or []]
        try:
            c.app.send_task(SWEEP_TASK, queue=queues[0] if queues else None)
        except Exception:  # the broker went away again: the next connection, or beat, queues it
            logger.warning("Could not queue the notifications sweep on connecting", exc_info=True)
