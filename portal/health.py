"""What /healthz/ checks (django-health-check; docs/runbook.md, "Is it up?"): the database, Redis
(the broker), file storage, and that a Celery worker is alive, by its heartbeat.

Every worker writes a key in Redis every HEARTBEAT_SECONDS, expiring after HEARTBEAT_TTL
(`WorkerHeartbeat`, a bootstep registered in portal/celery.py); the check passes while at least
one is there. So the page fails within a minute and a half of the last worker dying, without
broadcasting a ping to every worker on each probe. Error messages name the service only: a
health page is public and says nothing about data.
"""
from __future__ import annotations

import dataclasses
import logging
import socket

from celery import bootsteps
from django.conf import settings
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

logger = logging.getLogger(__name__)

HEARTBEAT_PREFIX = "portal:celery-heartbeat:"
HEARTBEAT_SECONDS = 30
HEARTBEAT_TTL = 90


def _redis():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


@dataclasses.dataclass
class CeleryWorkerHeartbeat(HealthCheck):
    """At least one worker wrote its heartbeat in the last HEARTBEAT_TTL seconds."""

    def run(self):
        import redis

        try:
            client = _redis()
            alive = next(client.scan_iter(match=HEARTBEAT_PREFIX + "*", count=100), None)
        except redis.RedisError as error:
            raise ServiceUnavailable("Redis unreachable: worker heartbeats unknown") from error
        if alive is None:
            raise ServiceUnavailable(f"No Celery worker has reported in the last {HEARTBEAT_TTL} seconds")


def health_checks() -> list:
    """The checks of this deployment: Redis and the worker only where there is a broker."""
    checks: list = ["health_check.checks.Database", "health_check.checks.Storage"]
    if settings.REDIS_URL:
        checks.append(("health_check.contrib.redis.Redis", {"client_factory": _async_redis}))
        if settings.PORTAL_HEALTHZ_REQUIRE_WORKER:
            checks.append(CeleryWorkerHeartbeat)
    return checks


def _async_redis():
    from redis.asyncio import Redis

    return Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


class WorkerHeartbeat(bootsteps.StartStopStep):
    """A worker's heartbeat for /healthz/: a key of its own in Redis, renewed on the worker's timer."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.tref = None
        self.key = HEARTBEAT_PREFIX + (getattr(worker, "hostname", None) or socket.gethostname())

    def beat(self) -> None:
        try:
            _redis().set(self.key, "1", ex=HEARTBEAT_TTL)
        except Exception:  # Redis away: the health page shows it; the worker carries on
            logger.warning("Could not write the worker heartbeat", exc_info=True)

    def start(self, worker) -> None:
        if not settings.REDIS_URL:
            return
        self.beat()
        self.tref = worker.timer.call_repeatedly(HEARTBEAT_SECONDS, self.beat)

    def stop(self, worker) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
        try:
            if settings.REDIS_URL:
                _redis().delete(self.key)
        except Exception:
            logger.warning("Could not remove the worker heartbeat", exc_info=True)
