"""Request pacing: at most ``limit`` calls in any ``period`` seconds, per named rule.

``LocalRateLimiter`` paces one process (embedded mode); ``RedisRateLimiter`` paces every process
that shares the Redis server, with an atomic Lua sliding-window log. ``acquire(rules)`` blocks
until every rule has room and then books one call in all of them at once, so a per-TR rule and a
global cap (Kiwoom) are taken together.

A call is booked when it is about to be sent, but the broker counts it when it arrives; on a busy
machine calls booked apart can leave (and arrive) together. So each window is ``GUARD`` (15 %) longer
than the rule's period: the broker never sees more than ``limit`` calls in any ``period``, at the cost of
pacing slightly below the limit (``bench/broker_feed.py`` measured 11–13 calls a second at a limit of
10 without it, under load).
"""

from __future__ import annotations

import collections
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class RateRule:
    """``limit`` calls per ``period`` seconds under ``name`` (e.g. ``kis:mock:<key hash>``)."""

    name: str
    limit: int
    period: float = 1.0


GUARD = 1.15  # each window is this much longer than its rule's period (see the module docstring)


class RateLimiter(Protocol):
    def acquire(self, rules: Sequence[RateRule], timeout: float = 30.0) -> float: ...


class LocalRateLimiter:
    """In-process sliding-window log; thread-safe. ``shared()`` is the process-wide instance."""

    _shared: LocalRateLimiter | None = None
    _shared_lock = threading.Lock()

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)

    @classmethod
    def shared(cls) -> LocalRateLimiter:
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def _wait_for(self, rules: Sequence[RateRule], now: float) -> float:
        wait = 0.0
        for rule in rules:
            calls = self._calls[rule.name]
            period = rule.period * GUARD
            while calls and calls[0] <= now - period:
                calls.popleft()
            if len(calls) >= rule.limit:
                wait = max(wait, calls[len(calls) - rule.limit] + period - now)
        return wait

    def acquire(self, rules: Sequence[RateRule], timeout: float = 30.0) -> float:
        """Block until every rule has room; returns the seconds waited."""
        start = time.monotonic()
        while True:
            with self._lock:
                now = time.monotonic()
                wait = self._wait_for(rules, now)
                if wait <= 0:
                    for rule in rules:
                        self._calls[rule.name].append(now)
                    return now - start
            if time.monotonic() + wait - start > timeout:
                raise TimeoutError("rate limiter: no slot within the timeout")
            time.sleep(min(wait, 0.5) + 0.001)


# KEYS = one sorted set per rule; ARGV = limit1, period_ms1, limit2, period_ms2, ..., member.
# Uses the server clock so every process agrees. Returns 0 when booked, else the ms to wait.
_SLIDING_WINDOW_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local member = ARGV[#ARGV]
local wait = 0
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[2 * i - 1])
  local period = tonumber(ARGV[2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - period)
  local count = redis.call('ZCARD', key)
  if count >= limit then
    local oldest = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
    local w = tonumber(oldest[2]) + period - now
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, tonumber(ARGV[2 * i]) + 1000)
end
return 0
"""


class RedisRateLimiter:
    """Sliding-window log in Redis, shared by every process using the same ``prefix``."""

    def __init__(self, client: Any, prefix: str = "gslts:ratelimit:"):
        self.client = client
        self.prefix = prefix
        self._script = client.register_script(_SLIDING_WINDOW_LUA)

    @classmethod
    def from_url(cls, url: str, prefix: str = "gslts:ratelimit:") -> RedisRateLimiter:
        import redis

        return cls(redis.Redis.from_url(url), prefix)

    def acquire(self, rules: Sequence[RateRule], timeout: float = 30.0) -> float:
        start = time.monotonic()
        keys = [self.prefix + rule.name for rule in rules]
        args: list[Any] = []
        for rule in rules:
            args += [rule.limit, int(rule.period * GUARD * 1000)]
        while True:
            wait_ms = int(self._script(keys=keys, args=[*args, uuid.uuid4().hex]))
            if wait_ms <= 0:
                return time.monotonic() - start
            if time.monotonic() + wait_ms / 1000 - start > timeout:
                raise TimeoutError("rate limiter: no slot within the timeout")
            time.sleep(min(wait_ms, 500) / 1000 + 0.001)


def default_rate_limiter(settings: Any) -> RateLimiter:
    """Redis-shared when ``settings.redis_url`` is set, else the process-wide local limiter."""
    if getattr(settings, "redis_url", None):
        return RedisRateLimiter.from_url(settings.redis_url)
    return LocalRateLimiter.shared()
