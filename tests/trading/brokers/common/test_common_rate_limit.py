"""Rate limiters: in-process and Redis-shared sliding windows, multi-rule acquisition."""

from __future__ import annotations

import threading
import time

from trading.brokers.common.rate_limit import LocalRateLimiter, RateRule, RedisRateLimiter


def _max_in_window(times: list[float], window: float) -> int:
    return max(sum(1 for u in times if t <= u < t + window) for t in times)


def test_local_limiter_never_exceeds_the_window():
    limiter = LocalRateLimiter()
    rule = RateRule("t", 3, 0.3)
    times = []
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        limiter.acquire([rule])
        times.append(time.monotonic())
    assert _max_in_window(times, 0.3) <= 3
    assert 9 <= len(times) <= 15


def test_local_limiter_takes_every_rule():
    limiter = LocalRateLimiter()
    per_api = RateRule("api-a", 10, 0.5)
    global_cap = RateRule("all", 2, 0.5)
    start = time.monotonic()
    for _ in range(4):
        limiter.acquire([per_api, global_cap])
    assert time.monotonic() - start >= 0.45  # the global cap of 2 per 0.5 s held


def test_redis_limiter_is_shared_by_instances(redis_client, key_prefix):
    a = RedisRateLimiter(redis_client, key_prefix)
    b = RedisRateLimiter(redis_client, key_prefix)  # another process would build its own
    rule = RateRule("kis:mock:shared", 2, 0.5)
    times: list[float] = []
    lock = threading.Lock()

    def run(limiter: RedisRateLimiter) -> None:
        end = time.monotonic() + 1.2
        while time.monotonic() < end:
            limiter.acquire([rule])
            with lock:
                times.append(time.monotonic())

    threads = [threading.Thread(target=run, args=(x,)) for x in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _max_in_window(sorted(times), 0.45) <= 2
    assert 4 <= len(times) <= 8


def test_redis_limiter_multi_rule(redis_client, key_prefix):
    limiter = RedisRateLimiter(redis_client, key_prefix)
    start = time.monotonic()
    for api in ("ka10001", "ka10004", "ka10001"):
        limiter.acquire([RateRule(api, 5, 0.4), RateRule("all", 2, 0.4)])
    assert time.monotonic() - start >= 0.35
