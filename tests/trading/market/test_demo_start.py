"""A demo market that looks alive: a new session opens with the morning traded (DEMO_START=morning), the
open stays available, and the demo clock's speed changes while it runs (issue 17, item 4)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from trading.brokers.errors import OrderRejected
from trading.brokers.rpc import Endpoint, decode_error
from trading.brokers.wire import decode
from trading.config import load_settings
from trading.market.clock import DemoClock
from trading.market.service import MORNING, MarketService


def market(tmp_path, **overrides) -> MarketService:
    settings = load_settings(database_url="sqlite://", data_dir=tmp_path, redis_url=None, **overrides)
    return MarketService.from_settings(settings, state_dir=tmp_path / "market")


def test_a_new_morning_session_is_traded_up_to_the_clock_like_a_live_one(tmp_path):
    svc = market(tmp_path, market_speed=1.0)
    open_ = svc.sim.open_dt
    assert svc.clock.now() - open_ >= MORNING
    seen: dict[str, list[int]] = {}
    watched = ["005930", "000660"]
    svc.subscribe("ticks", watched, lambda t: seen.setdefault(t.code, []).append(t.seq))
    started = time.monotonic()
    steps = svc.catch_up()
    took = time.monotonic() - started
    assert steps >= MORNING / timedelta(seconds=10)  # stepped in 10-second slices, not one jump
    assert took < 10, f"catching up on the morning took {took:.1f} s"
    assert svc.stepped_to is not None and svc.stepped_to - open_ >= MORNING
    rows = svc.sim.ranking(100)
    assert len([r for r in rows if r.value > 0]) == 100
    bars = svc.sim.minute_bars(rows[0].code)
    assert len(bars) >= 85  # every minute of the morning traded (one bar per minute)
    for code in watched:  # every tick went to subscribers once, in order: as if it had traded live
        assert seen[code] == list(range(1, int(svc.sim.seq[svc.sim.index[code]]) + 1))
    book = svc.sim.order_book(rows[0].code)
    assert len(book.asks) == 10 and len(book.bids) == 10
    svc.close()
    again = market(tmp_path, market_speed=1.0)  # a restart continues the session: no second morning
    assert again.continued and again.catch_up() == 1
    again.close()


def test_demo_start_open_begins_at_the_open_and_catches_up_in_one_step(tmp_path):
    svc = market(tmp_path, demo_start="open")
    assert svc.clock.now() - svc.sim.open_dt < timedelta(seconds=5)
    assert svc.catch_up() == 1
    svc.close()


def test_the_demo_clock_changes_speed_without_a_jump():
    wall = [1000.0]
    clock = DemoClock(1.0, wall=lambda: wall[0])
    t0 = clock.now()
    wall[0] += 10
    assert clock.now() - t0 == timedelta(seconds=10)
    clock.set_speed(60)
    assert clock.now() - t0 == timedelta(seconds=10)  # continues from where it was
    wall[0] += 1
    assert clock.now() - t0 == timedelta(seconds=70)
    assert clock.speed == 60
    for bad in (0, -1, 1001):
        with pytest.raises(ValueError):
            clock.set_speed(bad)
    assert clock.speed == 60


def test_the_owner_answers_the_clock_and_lets_only_an_admin_change_the_speed(tmp_path):
    svc = market(tmp_path, demo_start="open", market_speed=1.0)
    endpoint = Endpoint(lambda _a: None, None, svc)  # type: ignore[arg-type, return-value]
    info = decode(endpoint.handle({"method": "market.clock", "params": {}})["result"])
    assert info["kind"] == "demo" and info["speed"] == 1.0
    refused = endpoint.handle({"method": "market.set_speed", "params": {"speed": 30, "role": "trader"}})
    assert refused["error"]["reason"] == "FORBIDDEN" and svc.clock.speed == 1.0
    done = decode(
        endpoint.handle({"method": "market.set_speed", "params": {"speed": 30, "role": "admin"}})["result"]
    )
    assert done["speed"] == 30 and svc.clock.speed == 30
    bad = endpoint.handle({"method": "market.set_speed", "params": {"speed": 5000, "role": "admin"}})
    assert "error" in bad and svc.clock.speed == 30
    no_market = Endpoint(lambda _a: None, None, None)  # type: ignore[arg-type, return-value]
    assert no_market.handle({"method": "market.clock", "params": {}})["error"]["reason"] == "NOT_OWNER"
    assert isinstance(decode_error(refused["error"]), OrderRejected)
    svc.close()


def test_a_history_subscriber_gets_the_caught_up_morning_as_columns_and_loses_no_tick(tmp_path):
    """`gslts market` writes the morning to its durable log as columns (one entry per step) and the live
    ticks after it: decoded, every tick of every stock is there once, in order."""
    import json

    from trading.brokers.wire import decode, encode_tick_columns

    svc = market(tmp_path, market_speed=1.0)
    entries: list[str] = []
    live: list[object] = []
    codes = [s.code for s in svc.stocks]
    svc.subscribe("ticks", codes, live.append,
                  history=lambda b: entries.append(json.dumps(encode_tick_columns(b.columns()))))  # fmt: skip
    svc.catch_up()
    svc.step(svc.stepped_to + timedelta(seconds=5))  # a live step after the morning
    ticks = [t for e in entries for t in decode(json.loads(e))] + live
    assert len(entries) >= 500 and live  # history as ~1 entry per step; the last steps live
    seqs: dict[str, list[int]] = {}
    for tick in ticks:
        seqs.setdefault(tick.code, []).append(tick.seq)
    for code in codes:
        assert seqs.get(code, []) == list(range(1, int(svc.sim.seq[svc.sim.index[code]]) + 1)), code
    first = decode(json.loads(entries[0]))[0]
    assert first.time == svc.sim.open_dt and first.price > 0  # the opening auction's print, as a Tick
    svc.close()
