"""Issue 8 check: with BROKER=kis|kiwoom and the URLs pointing at a fake server, the CLI uses the broker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fakes.fake_kis import FakeKis
from fakes.fake_kiwoom import FakeKiwoom


def _gslts(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KIS_", "KIWOOM_", "BROKER"))}
    return subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def base_env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}", "DATA_DIR": str(tmp_path), "BROKER_ENV": "mock"}


def test_quote_through_fake_kis(base_env: dict[str, str]) -> None:
    fake = FakeKis("mock").start()
    try:
        fake.prices["005930"] = 71_200
        env = {**base_env, "BROKER": "kis", "KIS_APP_KEY": "mock-key", "KIS_APP_SECRET": "mock-secret",
               "KIS_ACCOUNT": "12345678-01", "KIS_REST_URL": fake.rest_url, "KIS_WS_URL": fake.ws_url}  # fmt: skip
        out = _gslts(env, "quote", "005930", "--json")
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["price"] == 71_200
        assert "mock-secret" not in out.stdout + out.stderr
        # A wrong environment's key is a clear error, not a quote.
        bad = _gslts({**env, "KIS_APP_KEY": "other", "KIS_APP_SECRET": "x"}, "quote", "005930", "--json")
        assert bad.returncode != 0 and bad.stderr.startswith("error:")
    finally:
        fake.stop()


def test_quote_through_fake_kiwoom(base_env: dict[str, str]) -> None:
    fake = FakeKiwoom("mock").start()
    try:
        fake.prices["005930"] = 69_900
        env = {**base_env, "BROKER": "kiwoom", "KIWOOM_APP_KEY": "mock-key", "KIWOOM_SECRET_KEY": "mock-secret",
               "KIWOOM_REST_URL": fake.rest_url, "KIWOOM_WS_URL": fake.ws_url}  # fmt: skip
        out = _gslts(env, "quote", "005930", "--json")
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["price"] == 69_900
    finally:
        fake.stop()
