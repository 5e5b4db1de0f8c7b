"""Requests per token and minute: a fixed one-minute window, counted in Redis in full mode (shared by
every web worker), in this process otherwise or while Redis does not answer (the same fallback as the
login throttle, ``app/login_throttle.py``)."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)
RETRY_REDIS_S = 30.0


@dataclass(frozen=True, slots=True)
class Allowance:
    allowed: bool
    limit: int
    remaining: int
    reset_s: int  # seconds until the window ends


class RateLimiter:
    """``hit(key)`` counts one request of ``key`` in the current minute."""

    def __init__(self, per_minute: int, redis_url: str | None = None, prefix: str = "gslts:api:rate:"):
        self.per_minute = per_minute
        self.prefix = prefix
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, int]] = {}  # key -> (window, count)
        self._redis: Any = None
        self._retry_at = 0.0
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)

    def hit(self, key: str) -> Allowance:
        now = time.time()
        window = int(now // 60)
        reset = 60 - int(now % 60)
        count = self._redis_incr(key, window)
        if count is None:
            count = self._memory_incr(key, window)
        remaining = max(0, self.per_minute - count)
        return Allowance(count <= self.per_minute, self.per_minute, remaining, reset)

    def _memory_incr(self, key: str, window: int) -> int:
        with self._lock:
            last, count = self._counts.get(key, (window, 0))
            count = count + 1 if last == window else 1
            self._counts[key] = (window, count)
            if len(self._counts) > 10_000:  # old windows of idle tokens
                self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
            return count

    def _redis_incr(self, key: str, window: int) -> int | None:
        if self._redis is None or time.monotonic() < self._retry_at:
            return None
        name = f"{self.prefix}{key}:{window}"
        try:
            pipe = self._redis.pipeline(transaction=True)
            pipe.incr(name)
            pipe.expire(name, 61)
            count, _ = pipe.execute()
            return int(count)
        except Exception as err:  # noqa: BLE001 - any Redis failure means "count here"
            if self._retry_at == 0.0:
                log.warning("API rate limit: Redis unreachable (%s); counting in this process", err)
            self._retry_at = time.monotonic() + RETRY_REDIS_S
            return None
