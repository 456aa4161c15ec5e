"""Queueing background work without importing the task modules.

Services name a Celery task (`enqueue("meetings.destroy_papers", meeting.pk)`) instead of
importing it, so task modules stay leaves: tasks import services, never the other way round.
The task is looked up in the Celery app's registry, so an in-process (eager) run behaves as
`.delay()` would. When the broker is down nothing is lost: every queued job has a periodic sweep
that finds the work left behind, so a failure to queue is logged (without personal data) and
swallowed."""
from __future__ import annotations

import logging

from celery.exceptions import NotRegistered

from portal.celery import app

logger = logging.getLogger(__name__)


def _task(task_name: str):
    """The registered task. A web process has not imported the task modules (Celery discovers
    them when a worker starts), so the first look-up runs the discovery itself."""
    try:
        return app.tasks[task_name]
    except NotRegistered:
        app.loader.import_default_modules()  # every app's `tasks` module and CELERY_IMPORTS
        return app.tasks[task_name]


def enqueue(task_name: str, *args, **kwargs) -> bool:
    """Queue `task_name` with its arguments; False (logged) when it could not be queued now.
    Call it from `transaction.on_commit` so the job sees the committed rows."""
    try:
        _task(task_name).delay(*args, **kwargs)
    except Exception:  # the broker is down, or an eager run failed: the periodic sweep finishes it
        logger.warning("Could not queue %s now; its periodic sweep will pick the work up", task_name, exc_info=True)
        return False
    return True


def requeue(task, **kwargs) -> bool:
    """From inside a running task: queue its next run with `kwargs` (a sweep's next batch) on
    the queue this run came from (its routing key: Celery's queues route by their own name);
    False (logged) when it could not be queued now, and the periodic run picks the work up."""
    delivery = task.request.delivery_info or {}
    queue = None if delivery.get("is_eager") else delivery.get("routing_key")
    try:
        task.apply_async(kwargs=kwargs, queue=queue)
    except Exception:  # the broker is down: the next periodic run starts over
        logger.warning("Could not queue the next run of %s now; its periodic run will", task.name, exc_info=True)
        return False
    return True
