"""The per-token rate limit: shared in Redis (two limiters = two web workers count together), and
counted in the process when Redis does not answer."""

from __future__ import annotations

from app.api.ratelimit import RateLimiter


def test_workers_share_the_count_in_redis(redis_url, key_prefix):
    a = RateLimiter(3, redis_url, prefix=key_prefix)
    b = RateLimiter(3, redis_url, prefix=key_prefix)
    seen = [a.hit("t1").allowed, b.hit("t1").allowed, a.hit("t1").allowed, b.hit("t1")]
    assert seen[:3] == [True, True, True]
    assert not seen[3].allowed and seen[3].remaining == 0 and 1 <= seen[3].reset_s <= 60
    assert a.hit("t2").allowed  # per token


def test_redis_down_falls_back_to_the_process():
    limiter = RateLimiter(2, "redis://127.0.0.1:1/0")  # nothing listens on port 1
    assert [limiter.hit("t").allowed for _ in range(3)] == [True, True, False]
