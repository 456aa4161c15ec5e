"""The Celery application. Tasks call services; with no REDIS_URL they run in-process."""
import os

from celery import Celery

from portal.health import WorkerHeartbeat
from portal.worker_steps import SweepOnConnect

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# On every connection to the broker (start, and each reconnect after an outage) a worker queues
# the pending-notifications sweep, so what was written while the broker was away goes at once.
app.steps["consumer"].add(SweepOnConnect)
# Each worker's heartbeat in Redis, which /healthz/ checks (portal/health.py).
app.steps["worker"].add(WorkerHeartbeat)
