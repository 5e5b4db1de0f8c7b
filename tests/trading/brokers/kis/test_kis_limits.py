"""KIS pacing: the mock environment's 2 requests per second, measured at the fake server."""

from __future__ import annotations

import time


def _max_in_window(times: list[float], window: float) -> int:
    return max(sum(1 for u in times if t <= u < t + window) for t in times)


def test_mock_limiter_holds_two_per_second(make_kis, fake_kis):
    broker = make_kis()  # mock: 2/s
    broker.quote("005930")  # token issued; start clean
    fake_kis.calls.clear()
    fake_kis.enforce_rate = (2, 1.0)  # the fake answers EGW00201 above 2/s
    end = time.monotonic() + 3.0
    while time.monotonic() < end:
        broker.quote("005930")
    times = [t for t, _, _ in fake_kis.calls]
    assert _max_in_window(times, 1.0) <= 2
    assert 6 <= len(times) <= 8  # ~2/s over ~3 s, and never refused (no retries)


def test_real_environment_defaults_to_19_per_second():
    from trading.brokers.kis.options import KisOptions

    assert KisOptions(env="real").rate_limit == 19
    assert KisOptions(env="mock").rate_limit == 2
