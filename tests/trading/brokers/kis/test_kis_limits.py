"""KIS pacing: the mock environment's 1 request per second (2026-04 notice), measured at the fake server."""

from __future__ import annotations

import time


def _max_in_window(times: list[float], window: float) -> int:
    return max(sum(1 for u in times if t <= u < t + window) for t in times)


def test_mock_limiter_holds_one_per_second(make_kis, fake_kis):
    broker = make_kis()  # mock: 1/s
    broker.quote("005930")  # token issued; start clean
    fake_kis.calls.clear()
    fake_kis.enforce_rate = (1, 1.0)  # the fake answers EGW00201 above 1/s
    end = time.monotonic() + 3.0
    while time.monotonic() < end:
        broker.quote("005930")
    times = [t for t, _, _ in fake_kis.calls]
    assert _max_in_window(times, 1.0) <= 1
    assert 3 <= len(times) <= 4  # ~1/s over ~3 s, and never refused (no retries)


def test_defaults_are_the_2026_04_notice_and_configurable():
    from trading.brokers.kis.options import KisOptions
    from trading.config import Settings

    assert KisOptions(env="real").rate_limit == 18
    assert KisOptions(env="mock").rate_limit == 1
    s = Settings(broker="kis", kis_app_key="k", kis_app_secret="s", kis_rate_mock_per_s=2, _env_file=None)
    assert KisOptions.from_settings(s).rate_limit == 2
    s = Settings(broker="kis", kis_app_key="k", kis_app_secret="s", kis_rate_per_s=5, _env_file=None)
    assert KisOptions.from_settings(s).rate_limit == 5
