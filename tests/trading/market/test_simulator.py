from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trading.domain import Market
from trading.krx import is_on_tick, krx_session_bounds, price_limits, round_to_tick, tick_size
from trading.market.grid import Grid
from trading.market.simulator import MarketSimulator, TickBatch
from trading.market.stocks import load_listing

DAY = date(2026, 11, 23)
OPEN, CLOSE = krx_session_bounds(DAY)


@pytest.fixture(scope="module")
def stocks():
    return load_listing()


def run_day(stocks, seed=42, step_s=120):
    sim = MarketSimulator(stocks, seed=seed, start_day=DAY)
    batches, t = [], OPEN
    while t < CLOSE:
        t = min(t + timedelta(seconds=step_s), CLOSE)
        batches.append(sim.step(t))
    return sim, TickBatch.concat(sim.codes, batches, DAY)


@pytest.fixture(scope="module")
def day(stocks):
    return run_day(stocks)


def test_listing():
    rows = load_listing()
    assert len(rows) == 2555
    s = next(r for r in rows if r.code == "005930")
    assert (s.name_ko, s.market, s.us_etf) == ("삼성전자", Market.KOSPI, "SOXX")


@given(st.integers(1, 3_000_000))
def test_grid_matches_krx(p):
    g = Grid(DAY)
    arr = np.array([p])
    assert g.tick(arr)[0] == tick_size(p, DAY)
    assert g.round_nearest(arr.astype(float))[0] == round_to_tick(p, "nearest", DAY)
    up, lo = g.limits(arr, np.array(["KOSDAQ"], dtype=object))
    assert (up[0], lo[0]) == price_limits(p, DAY, Market.KOSDAQ)


def test_every_stock_trades_on_grid_within_limits(day):
    sim, b = day
    assert len(np.unique(b.code_idx)) == sim.n == 2555
    assert ((b.price >= sim.plan.lower[b.code_idx]) & (b.price <= sim.plan.upper[b.code_idx])).all()
    g = Grid(DAY)
    assert (b.price % g.tick(b.price) == 0).all()
    sample = np.random.default_rng(0).choice(len(b), 2_000)
    assert all(is_on_tick(int(p), DAY) for p in b.price[sample])
    # seq strictly increasing per code; cumulative volume consistent
    same = b.code_idx[1:] == b.code_idx[:-1]
    assert (np.diff(b.seq)[same] == 1).all()
    assert (b.cum_volume[1:][same] == b.cum_volume[:-1][same] + b.volume[1:][same]).all()


def test_determinism(stocks):
    _, a = run_day(stocks, seed=5, step_s=1800)
    _, b = run_day(stocks, seed=5, step_s=1800)
    _, c = run_day(stocks, seed=6, step_s=1800)
    assert np.array_equal(a.price, b.price) and np.array_equal(a.time, b.time)
    assert np.array_equal(a.volume, b.volume)
    assert len(a) != len(c) or not np.array_equal(a.price, c.price)


def test_turnover_concentration_and_samsung(day):
    sim, _ = day
    values = np.sort(sim.cum_val)[::-1]
    assert values[:10].sum() / values.sum() > 0.25
    i = sim.index["005930"]
    assert 5e11 <= sim.cum_val[i] <= 2e12
    assert 60_000 <= sim.model.base_price[i] <= 80_000
    assert 150_000 <= sim.model.base_price[sim.index["000660"]] <= 250_000
    assert sim.model.rank[i] == 1 and sim.model.rank[sim.index["000660"]] == 2
    ranks = sim.ranking(10)
    assert [r.rank for r in ranks] == list(range(1, 11))
    assert all(a.value >= b.value for a, b in zip(ranks, ranks[1:], strict=False))
    assert all(r.market == "KOSDAQ" for r in sim.ranking(5, "KOSDAQ"))
    # prices spread over the tick bands
    bands = np.unique(Grid(DAY).tick(sim.model.base_price))
    assert len(bands) == 7


def test_u_shaped_volume(day):
    sim, b = day
    cont = ~b.auction
    minute = (b.time[cont] - sim.open_ms) // 60_000
    vol = np.bincount(minute, weights=b.volume[cont], minlength=sim.n_min)
    first, middle, last = vol[:30].sum(), vol[180:210].sum(), vol[350:380].sum()
    assert first > 2 * middle and last > 2 * middle


def test_auctions_are_single_prints(day):
    sim, b = day
    auc = b.auction
    assert auc.sum() == 2 * sim.n  # one opening and one closing print per stock
    opens = b.time == sim.open_ms
    closes = b.time == sim.open_ms + int(sim.t_close * 1000)
    assert (opens == (auc & opens)).all() and np.bincount(b.code_idx[opens], minlength=sim.n).max() == 1
    assert np.array_equal(np.sort(b.code_idx[closes]), np.arange(sim.n))
    assert np.array_equal(b.price[closes & auc], sim.plan.close[b.code_idx[closes & auc]])
    assert np.array_equal(sim.open, sim.plan.open) and np.array_equal(sim.last, sim.plan.close)
    # nothing trades during the closing auction phase
    assert not ((b.time > sim.open_ms + int(sim.t_cont * 1000)) & ~auc).any()


def test_quote_book_and_minute_bars(day):
    sim, _ = day
    q = sim.quote("005930")
    book = sim.order_book("005930")
    assert len(book.asks) == len(book.bids) == 10
    assert book.asks[0].price == sim.tick_up(book.bids[0].price)
    assert q.price in (book.asks[0].price, book.bids[0].price)
    assert all(a.price < b.price for a, b in zip(book.asks, book.asks[1:], strict=False))
    assert all(lv.qty > 0 for lv in book.asks + book.bids)
    bars = sim.minute_bars("005930")
    assert bars[0].open == q.open and bars[-1].close == q.price
    assert sum(b.value for b in bars) == q.value and sum(b.volume for b in bars) == q.volume
    assert max(b.high for b in bars) == q.high and min(b.low for b in bars) == q.low
    hourly = sim.minute_bars("005930", 60)
    assert len(hourly) == 7 and sum(b.value for b in hourly) == q.value


def test_next_day_uses_last_close(stocks):
    sim = MarketSimulator(stocks, seed=1, start_day=DAY)
    sim.step(CLOSE)
    closes = sim.last.copy()
    sim.step(CLOSE + timedelta(hours=17))  # next session's pre-open: the day rolls
    assert sim.day == date(2026, 11, 24)
    assert np.array_equal(sim.plan.prev_close, closes)


def test_limit_rule_hits_books_at_limits(stocks):
    sim = MarketSimulator(stocks, seed=1, start_day=DAY)
    i = sim.index["005930"]
    sim.last[i] = sim.plan.upper[i]
    sim.last_dir[i] = 1
    sim._book_cache.clear()
    book = sim.order_book("005930")
    assert book.asks[0].price == sim.plan.upper[i] and len(book.asks) == 1


def test_throughput(stocks):
    import time

    sim = MarketSimulator(stocks, seed=3, start_day=DAY)
    a = time.perf_counter()
    n = sum(len(sim.step(OPEN + timedelta(seconds=60 * k))) for k in range(1, 120))
    assert n / (time.perf_counter() - a) > 200_000
