"""End to end with the real paper market: MarketService + PaperBroker → Recorder → Redis/MariaDB and spool/SQLite."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text
from support.recorder import table_keys, wait_rows

from db.engine import make_engine
from db.migrate import upgrade
from services.market_cache import MemoryMarketCache, RedisMarketCache
from trading.brokers.base import Channel
from trading.brokers.paper.broker import PaperBroker
from trading.config import load_settings
from trading.domain import Tick
from trading.krx import krx_session_bounds, next_krx_session, phase_at
from trading.market.service import MarketService
from trading.market.stocks import load_listing
from workers.recorder.health import FallbackHealthStore, FileHealthStore
from workers.recorder.metrics import render_metrics
from workers.recorder.service import Recorder, RecorderOptions


class ManualClock:
    """Simulated time that the test moves forward (test input for the market service)."""

    def __init__(self, t: datetime):
        self.t = t

    def now(self) -> datetime:
        return self.t

    def session_date(self) -> date:
        return self.t.date()

    def phase(self):  # noqa: ANN201
        return phase_at(self.t)


def _run(settings, engine, opts, steps: int = 12):
    day = next_krx_session(date(2026, 11, 20))
    clock = ManualClock(krx_session_bounds(day)[0] + timedelta(minutes=30))
    service = MarketService(load_listing()[:60], clock=clock, seed=3)
    service.step()
    broker = PaperBroker(service)
    rec = Recorder(settings, broker, engine, opts)
    seen: list[Tick] = []
    stop = threading.Event()
    thread = threading.Thread(target=rec.run, args=(stop,), daemon=True)
    thread.start()
    deadline = time.time() + 10
    while time.time() < deadline and not rec.feed.connections:
        time.sleep(0.05)
    assert rec.feed.connections, "the recorder never subscribed"
    universe = set(rec.universe)
    broker.subscribe(Channel.TICKS, sorted(universe), seen.append)
    for _ in range(steps):
        clock.t += timedelta(seconds=20)
        service.step()
        time.sleep(0.1)
    return rec, stop, thread, seen, universe


@pytest.mark.parametrize("mode", ["full", "embedded"])
def test_paper_market_recorded_end_to_end(mode, tmp_path, request):
    if mode == "full":
        url = request.getfixturevalue("mariadb_url")
        redis_url = request.getfixturevalue("redis_url")
        prefix = request.getfixturevalue("key_prefix")
    else:
        url, redis_url, prefix = f"sqlite:///{tmp_path / 'rec.db'}", None, "gslts:"
    upgrade(url)
    engine = make_engine(url)
    settings = load_settings(database_url=url, redis_url=redis_url, data_dir=tmp_path / "data")
    opts = RecorderOptions(
        top_n=20, key_prefix=prefix, ranking_every_s=0.5, cap_per_connection=10, max_connections=8
    )
    rec, stop, thread, seen, universe = _run(settings, engine, opts)
    try:
        assert len(universe) == 20
        assert len(rec.feed.connections) == 4  # 20 codes × (ticks + books) / 10 per connection
        assert seen, "the paper market produced no ticks"
        assert wait_rows(engine, len(seen), timeout=20) == len(seen)
        assert set(table_keys(engine)) == {(t.code, t.seq) for t in seen}
        time.sleep(1.5)  # minute flush + health publish
        with engine.connect() as conn:
            bars_volume = conn.execute(text("SELECT SUM(volume) FROM minute_bars")).scalar_one()
            snapshots = conn.execute(
                text("SELECT COUNT(DISTINCT snapshot_time) FROM trading_value_rank")
            ).scalar_one()
        assert int(bars_volume) == sum(t.volume for t in seen)
        assert snapshots >= 1
        cache = rec.cache
        assert isinstance(cache, RedisMarketCache if mode == "full" else MemoryMarketCache)
        code = seen[-1].code
        assert cache.quote(code).price == [t for t in seen if t.code == code][-1].price
        assert (
            len(cache.ranking(100)) == 60
            and len(cache.ranking(5)) == 5
            and cache.last_tick_age(code) is not None
        )
        assert cache.book(code).code == code
        health = rec.health.read()
        assert isinstance(rec.health, FallbackHealthStore if mode == "full" else FileHealthStore)
        assert health["writer"]["committed_rows"] >= len(seen) and health["feed"]["universe"] == 20
        assert "gslts_recorder_committed_rows_total" in render_metrics(health)
    finally:
        stop.set()
        thread.join(timeout=20)
        engine.dispose()
