"""A market saved at every step continues its session after a restart: same prices, seq and minute bars,
the clock at the saved time, the last steps' ticks published again (identical)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from trading.config import load_settings
from trading.krx import krx_session_bounds, next_krx_session
from trading.market.service import MarketService
from trading.market.simulator import MINUTE_ARRAYS, STATE_ARRAYS
from trading.market.state import MarketState
from trading.market.stocks import load_listing


@pytest.fixture(scope="module")
def stocks():
    return load_listing()[:80]


def market(stocks, tmp_path: Path, **settings: object) -> MarketService:
    s = load_settings(data_dir=tmp_path, redis_url=None, **{"demo_start": "open", **settings})
    return MarketService.from_settings(s, stocks=stocks, state_dir=tmp_path / "market")


def bounds(svc: MarketService):
    """The session the fresh demo market trades (today's, or the next one)."""
    return krx_session_bounds(svc.sim.day)


def run(svc: MarketService, start, steps: int, every_s: float = 20.0):
    ticks = []
    handle = svc.subscribe("ticks", [s.code for s in svc.stocks], ticks.append)
    t = start
    for _ in range(steps):
        t += timedelta(seconds=every_s)
        svc.step(t)
    handle.cancel()
    return t, ticks


def test_a_restarted_market_continues_the_saved_session(stocks, tmp_path):
    first = market(stocks, tmp_path)
    t, before = run(first, bounds(first)[0], 60)  # 20 simulated minutes
    sim1 = first.sim
    # kill -9: nothing closes; the files hold the last step.
    again = market(stocks, tmp_path)
    assert again.sim.day == sim1.day and again.clock.now() >= t
    assert (again.clock.now() - t).total_seconds() < 60
    for k in (*STATE_ARRAYS, *MINUTE_ARRAYS):
        assert np.array_equal(getattr(again.sim, k), getattr(sim1, k)), k
    code = stocks[0].code
    assert again.sim.minute_bars(code) == sim1.minute_bars(code) and len(sim1.minute_bars(code)) > 5
    _, after = run(again, again.clock.now(), 10)
    seen = {(x.code, x.seq): x for x in before}
    replayed = [x for x in after if (x.code, x.seq) in seen]
    assert replayed and all(x == seen[(x.code, x.seq)] for x in replayed)  # the last steps, identical
    fresh = [x for x in after if (x.code, x.seq) not in seen]
    last = {x.code: x for x in before}
    for x in fresh:
        prev = last.get(x.code)
        assert prev is None or (x.seq == prev.seq + 1 and x.time >= prev.time), x
        last[x.code] = x


def test_a_changed_seed_starts_a_new_session(stocks, tmp_path):
    first = market(stocks, tmp_path)
    open_ = bounds(first)[0]
    run(first, open_, 5)
    again = market(stocks, tmp_path, market_seed=7)
    assert int(again.sim.seq.sum()) == 0 and again.clock.now() < open_ + timedelta(seconds=5)


def test_a_torn_slot_falls_back_to_the_one_before(stocks, tmp_path):
    svc = market(stocks, tmp_path)
    run(svc, bounds(svc)[0], 5)
    svc.state.close()
    state = MarketState(tmp_path / "market")
    saved = state.load()
    path = tmp_path / "market" / "state.bin"
    data = bytearray(path.read_bytes())
    slot_size = (len(data) - 16) // 2
    off = 16 + saved.slot * slot_size + 100
    data[off] ^= 0xFF  # the newest slot torn by a crash mid-write
    path.write_bytes(bytes(data))
    older = MarketState(tmp_path / "market").load()
    assert older is not None and older.step == saved.step - 1


def test_the_demo_clock_resumes_at_the_next_open_after_a_close(stocks, tmp_path):
    svc = market(stocks, tmp_path)
    day = svc.sim.day
    svc.step(bounds(svc)[1])  # the close: the day is finished
    again = market(stocks, tmp_path)
    nxt = next_krx_session(day)
    assert again.clock.session_date() == nxt and again.sim.day == day and again.sim.closed
    again.step()
    assert again.sim.day == nxt
