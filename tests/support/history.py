"""Helpers for the daily-history tests: a KIS or Kiwoom adapter bound to its fake server, CSV files."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fakes.fake_kis import FakeKis
from fakes.fake_kiwoom import FakeKiwoom

from trading.brokers.common.rate_limit import LocalRateLimiter
from trading.brokers.common.token_store import FileTokenStore
from trading.config import Settings, load_settings

HEADER = "code,date,open,high,low,close,volume,value\n"


@dataclass
class Venue:
    name: str
    fake: Any
    adapter: Any
    settings: Settings


def broker_settings(name: str, fake: Any, tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "broker": name,
        "broker_env": "mock",
        "data_dir": tmp_path,
        "redis_url": None,
    }
    if name == "kis":
        values |= {"kis_app_key": "mock-key", "kis_app_secret": "mock-secret", "kis_account": "12345678-01",
                   "kis_rest_url": fake.rest_url, "kis_ws_url": fake.ws_url}  # fmt: skip
    else:
        values |= {"kiwoom_app_key": "mock-key", "kiwoom_secret_key": "mock-secret",
                   "kiwoom_rest_url": fake.rest_url, "kiwoom_ws_url": fake.ws_url}  # fmt: skip
    values.update(overrides)
    return load_settings(**values)


@contextmanager
def venue(name: str, tmp_path: Path, **overrides: object) -> Iterator[Venue]:
    """A started fake server and an adapter of it (fast rate limit, few retries)."""
    fake = (FakeKis if name == "kis" else FakeKiwoom)("mock").start()
    settings = broker_settings(name, fake, tmp_path, **overrides)
    opts: dict[str, object] = {"rate_limit_backoff_s": 0.05, "rate_limit_retries": 1}
    if name == "kis":
        from trading.brokers.kis import KisBroker as cls

        opts["rate_per_s"] = 100
    else:
        from trading.brokers.kiwoom import KiwoomBroker as cls  # type: ignore[assignment]
    adapter = cls.from_settings(settings, FileTokenStore(tmp_path / "tokens"), LocalRateLimiter(), **opts)
    try:
        yield Venue(name, fake, adapter, settings)
    finally:
        adapter.close()
        fake.stop()


def write_csv(path: Path, lines: list[str], header: str = HEADER) -> Path:
    path.write_text(header + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path
