"""Per-client rate limits on Redis: a counter per client per minute (INCR, then EXPIRE), shared
by every web process. Without REDIS_URL (a local `make run`), a counter in this process."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.conf import settings

_local: dict[str, int] = {}
_local_lock = threading.Lock()
_client = None


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int


def _redis():
    global _client
    if _client is None:
        import redis

        _client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    return _client


def rate_limit_hit(*, client_id: int, limit: int) -> Verdict:
    """Count one call of `client_id` in the current minute; allowed while within `limit`.
    Redis unreachable: let the call through (logins and services still guard everything)."""
    now = time.time()
    window = int(now // 60)
    key = f"portal:api-rate:{client_id}:{window}"
    retry_after = max(1, 60 - int(now % 60))
    if settings.REDIS_URL:
        try:
            pipe = _redis().pipeline()
            pipe.incr(key)
            pipe.expire(key, 120)
            count = int(pipe.execute()[0])
        except Exception:
            return Verdict(True, limit, limit, 0)
    else:
        with _local_lock:
            count = _local[key] = _local.get(key, 0) + 1
    return Verdict(count <= limit, limit, max(0, limit - count), retry_after)
