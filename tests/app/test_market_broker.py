"""Full mode with KIS/Kiwoom: `gslts market` owns `broker:<account>` and runs the broker feed. A web
process's container reads the ranking and quotes from Redis (a stock outside the ranking is asked for
through the cache), the feed's ticks come on the market's Redis channels, and a broker outage (the
websocket down, REST failing) never stops the process: the data turns stale and comes back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fakes.fake_base import listing_universe
from fakes.fake_kis import FakeKis
from fakes.fake_kiwoom import FakeKiwoom
from support.owner import prepare_database
from support.wait import wait_for

from services.container import Container
from trading.brokers.base import Channel
from trading.brokers.redis_rpc import RedisTransport
from trading.brokers.rpc import RpcBroker
from trading.config import load_settings
from trading.domain import Tick
from trading.stocks import read_listing

SECRET = "market-broker-secret"
LISTED = {s.code for s in read_listing()}
FEED_KEYS = ("gslts:md:feed", "gslts:md:views", "gslts:md:ranking", "gslts:md:fills")


def _env(kind: str, fake, tmp: Path, url: str, redis_url: str) -> dict[str, str]:
    key = next(iter(fake.app_keys))
    creds = (
        {"KIS_APP_KEY": key, "KIS_APP_SECRET": "s", "KIS_ACCOUNT": "12345678-01", "KIS_HTS_ID": "HTSUSER01",
         "KIS_REST_URL": fake.rest_url, "KIS_WS_URL": fake.ws_url, "KIS_RATE_PER_S": "60"}
        if kind == "kis"
        else {"KIWOOM_APP_KEY": key, "KIWOOM_SECRET_KEY": "s", "KIWOOM_REST_URL": fake.rest_url,
              "KIWOOM_WS_URL": fake.ws_url, "KIWOOM_RATE_PER_API_S": "60", "KIWOOM_GLOBAL_RATE_PER_S": "60"}
    )  # fmt: skip
    return {
        **os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url, "DATA_DIR": str(tmp), "BROKER": kind,
        "BROKER_ENV": "mock", "SECRET_KEY": SECRET, "LEASE_TTL_S": "3", "BROKER_RANKING_REFRESH_S": "1",
        "BROKER_WS_MAX_RECONNECT_S": "0.5", **creds,
    }  # fmt: skip


@pytest.mark.parametrize("kind", ["kis", "kiwoom"])
def test_market_process_runs_the_broker_feed(kind: str, tmp_path: Path, redis_url: str, redis_client) -> None:
    fake = (FakeKis if kind == "kis" else FakeKiwoom)(
        "mock", app_keys={"k": "s"}, universe=listing_universe()
    )
    fake.start()
    if kind == "kis":
        fake.token_min_interval_s = 0.0
    url = f"sqlite:///{tmp_path / 'g.db'}"
    prepare_database(url)
    env = _env(kind, fake, tmp_path, url, redis_url)
    redis_client.delete(*FEED_KEYS)  # no status or ranking left by an earlier run
    proc = subprocess.Popen(
        [sys.executable, "-c", "from app.cli import main; main()", "market"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    settings = load_settings(database_url=url, redis_url=redis_url, data_dir=tmp_path / "web", broker=kind,
                             secret_key=SECRET, **{k.lower(): v for k, v in env.items() if k.startswith(kind.upper())})  # fmt: skip
    web = Container(settings, "web")
    client = RpcBroker(RedisTransport(redis_url, SECRET.encode()), kind)
    ticks: list[Tick] = []
    try:
        md = web.market_data()
        assert wait_for(lambda: len(md.ranking(100)) >= 50, 30), (_output(proc), md.feed_status())
        top = {r.code for r in md.ranking(100)}
        code = next(c for c in fake.ranked()[::-1] if c not in top and c in LISTED)
        q = _retry(lambda: md.quote(code))  # asked for through the cache; the market's feed serves it
        assert q.price == fake.prices[code] and md.book(code).asks[0].price > 0
        assert wait_for(lambda: not md.is_stale(code), 10)

        client.subscribe(Channel.TICKS, [code], ticks.append)
        kind_ws = fake.tick_frame(code, 1)[0]
        assert wait_for(lambda: code in fake.subscribers(kind_ws), 10)
        fake.push_ticks(code, [q.price + 500])
        assert wait_for(lambda: any(t.price == q.price + 500 for t in ticks), 5), "the tick on Redis"
        assert wait_for(lambda: md.quote(code).price == q.price + 500, 5)

        fake.kill_websockets(refuse=True)  # the broker's websocket goes down
        assert wait_for(lambda: md.is_stale(code), 3.5), "stale within 3 s"
        (fake.fail_paths if kind == "kis" else fake.fail_api).update({"volume-rank": 5, "ka10032": 5})
        assert not wait_for(lambda: proc.poll() is not None, 3), _output(proc)  # still running
        fake.ws_refuse = False
        assert wait_for(lambda: not md.is_stale(code), 15), "live again after the reconnect"
        assert md.feed_status()["reconnects"] >= 1
    finally:
        client.close()
        web.close()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        fake.stop()
        redis_client.delete(*FEED_KEYS)


def _retry(read, attempts: int = 4):  # noqa: ANN001, ANN202 - one page open may wait for the first snapshot
    for i in range(attempts):
        try:
            return read()
        except LookupError:
            if i == attempts - 1:
                raise
    return None


def _output(proc: subprocess.Popen[str]) -> str:
    if proc.poll() is None:
        return "market still running"
    return proc.stdout.read() if proc.stdout else ""
