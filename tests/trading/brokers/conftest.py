"""Fixtures for the broker adapter tests: the fake KIS/Kiwoom servers and adapters bound to them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.fake_kis import FakeKis
from fakes.fake_kiwoom import FakeKiwoom

from trading.brokers.common.rate_limit import LocalRateLimiter
from trading.brokers.common.token_store import FileTokenStore
from trading.config import load_settings


@pytest.fixture
def fake_kis() -> Iterator[FakeKis]:
    fake = FakeKis("mock", other_env_keys={"real-key"}).start()
    yield fake
    fake.stop()


def kis_settings(fake: FakeKis, tmp_path: Path, **overrides: object):
    values: dict[str, object] = {
        "broker": "kis",
        "broker_env": fake.env,
        "kis_app_key": "mock-key",
        "kis_app_secret": "mock-secret",
        "kis_account": "12345678-01",
        "kis_rest_url": fake.rest_url,
        "kis_ws_url": fake.ws_url,
        "data_dir": tmp_path,
        "redis_url": None,
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
def make_kis(fake_kis: FakeKis, tmp_path: Path):
    """Build KIS adapters against the fake; each test gets its own cache dir and limiter."""
    from trading.brokers.kis import KisBroker

    made = []
    limiter = LocalRateLimiter()

    def make(settings_overrides: dict | None = None, **options: object) -> KisBroker:
        settings = kis_settings(fake_kis, tmp_path, **(settings_overrides or {}))
        opts = {"hts_id": "HTSUSER01", "rate_limit_backoff_s": 0.05, "reconcile_delay_s": 0.1, **options}
        broker = KisBroker.from_settings(settings, FileTokenStore(tmp_path / "tokens"), limiter, **opts)
        made.append(broker)
        return broker

    yield make
    for broker in made:
        broker.close()


@pytest.fixture
def fake_kiwoom() -> Iterator[FakeKiwoom]:
    fake = FakeKiwoom("mock", other_env_keys={"real-key"}).start()
    yield fake
    fake.stop()


def kiwoom_settings(fake: FakeKiwoom, tmp_path: Path, **overrides: object):
    values: dict[str, object] = {
        "broker": "kiwoom",
        "broker_env": fake.env,
        "kiwoom_app_key": "mock-key",
        "kiwoom_secret_key": "mock-secret",
        "kiwoom_rest_url": fake.rest_url,
        "kiwoom_ws_url": fake.ws_url,
        "data_dir": tmp_path,
        "redis_url": None,
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
def make_kiwoom(fake_kiwoom: FakeKiwoom, tmp_path: Path):
    from trading.brokers.kiwoom import KiwoomBroker

    made = []
    limiter = LocalRateLimiter()

    def make(settings_overrides: dict | None = None, **options: object) -> KiwoomBroker:
        settings = kiwoom_settings(fake_kiwoom, tmp_path, **(settings_overrides or {}))
        opts = {"rate_limit_backoff_s": 0.05, "reconcile_delay_s": 0.1, **options}
        broker = KiwoomBroker.from_settings(settings, FileTokenStore(tmp_path / "tokens"), limiter, **opts)
        made.append(broker)
        return broker

    yield make
    for broker in made:
        broker.close()
