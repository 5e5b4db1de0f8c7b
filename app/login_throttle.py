"""Login attempt limits, counted before the password is checked.

Every attempt first reserves a slot with one atomic increment on two counters: (user, address) —
``max_failures`` per window — and the address alone — ``max_per_address`` per window, against
spraying many names from one place. A request past either limit is refused without a password check,
so thirty parallel wrong passwords cost at most ``max_failures`` checks. A successful login clears
its (user, address) counter.

Counters live in Redis in full mode (shared by every web worker). If Redis does not answer, the
throttle falls back to in-process counters, logs a warning, says so in ``status()`` (shown on
/admin/status), and tries Redis again after ``RETRY_REDIS_S``.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

MAX_FAILURES = 5
MAX_PER_ADDRESS = 20
LOCK_SECONDS = 300
RETRY_REDIS_S = 30.0


@dataclass(frozen=True, slots=True)
class ThrottleStatus:
    backend: str  # "redis" | "memory"
    degraded_since: float | None  # epoch seconds Redis stopped answering (None: not degraded)
    error: str = ""


class _MemoryCounters:
    """Window counters in this process (atomic under one lock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, float]] = {}  # key -> (count, window end, monotonic)

    def incr(self, keys: list[str], window_s: int) -> list[tuple[int, int]]:
        now = time.monotonic()
        out = []
        with self._lock:
            for key in keys:
                count, end = self._counts.get(key, (0, 0.0))
                if end <= now:
                    count, end = 0, now + window_s
                self._counts[key] = (count + 1, end)
                out.append((count + 1, int(end - now) + 1))
        return out

    def clear(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)


class LoginThrottle:
    """See the module docstring. ``admit`` before checking a password, ``succeeded`` after a login."""

    def __init__(
        self,
        redis_url: str | None = None,
        prefix: str = "gslts:login:",
        *,
        max_failures: int = MAX_FAILURES,
        max_per_address: int = MAX_PER_ADDRESS,
        lock_s: int = LOCK_SECONDS,
    ) -> None:
        self.prefix = prefix
        self.max_failures = max_failures
        self.max_per_address = max_per_address
        self.lock_s = lock_s
        self._memory = _MemoryCounters()
        self._redis: Any = None
        self._degraded_since: float | None = None
        self._retry_at = 0.0
        self._error = ""
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)

    @staticmethod
    def _user_key(user: str, address: str) -> str:
        return f"u:{user.strip().lower()}|{address}"

    def admit(self, user: str, address: str) -> int:
        """Reserve one attempt: 0 when it may go ahead, else the seconds until it may."""
        keys = [self._user_key(user, address), f"a:{address}"]
        counts = self._incr(keys)
        (per_user, user_ttl), (per_address, address_ttl) = counts
        waits = []
        if per_user > self.max_failures:
            waits.append(user_ttl)
        if per_address > self.max_per_address:
            waits.append(address_ttl)
        return max(waits, default=0)

    def succeeded(self, user: str, address: str) -> None:
        """A correct password: this user's attempts from this address start again."""
        key = self._user_key(user, address)
        self._memory.clear(key)
        if self._use_redis():
            try:
                self._redis.delete(self.prefix + key)
            except Exception as err:  # noqa: BLE001 - Redis errors of any kind mean "fall back"
                self._degrade(err)

    def status(self) -> ThrottleStatus:
        """Which counters are in use (for /admin/status)."""
        if self._redis is None:
            return ThrottleStatus("memory", None)
        if self._degraded_since is not None:
            return ThrottleStatus("memory", self._degraded_since, self._error)
        return ThrottleStatus("redis", None)

    # ---- counters -----------------------------------------------------------------------
    def _use_redis(self) -> bool:
        return self._redis is not None and (
            self._degraded_since is None or time.monotonic() >= self._retry_at
        )

    def _incr(self, keys: list[str]) -> list[tuple[int, int]]:
        if self._use_redis():
            try:
                pipe = self._redis.pipeline(transaction=True)
                for key in keys:
                    pipe.incr(self.prefix + key)
                    pipe.expire(self.prefix + key, self.lock_s, nx=True)
                    pipe.ttl(self.prefix + key)
                got = pipe.execute()
            except Exception as err:  # noqa: BLE001 - Redis errors of any kind mean "fall back"
                self._degrade(err)
            else:
                self._recovered()
                return [(int(got[i * 3]), max(int(got[i * 3 + 2]), 1)) for i in range(len(keys))]
        return self._memory.incr(keys, self.lock_s)

    def _degrade(self, err: Exception) -> None:
        if self._degraded_since is None:
            self._degraded_since = time.time()
            log.warning("login throttle: Redis unreachable (%s); counting attempts in this process", err)
        self._error = type(err).__name__
        self._retry_at = time.monotonic() + RETRY_REDIS_S

    def _recovered(self) -> None:
        if self._degraded_since is not None:
            log.warning("login throttle: Redis answers again; counters shared again")
            self._degraded_since = None
            self._error = ""
