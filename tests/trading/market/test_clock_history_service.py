import threading
import time
from datetime import date, datetime, timedelta

import numpy as np
import pytest

from trading.brokers.base import Broker, Channel
from trading.brokers.errors import OrderRejected, Reason
from trading.brokers.paper.broker import PaperBroker
from trading.domain import KST, OrderRequest, OrderStatus, OrderType, Side
from trading.krx import Phase, krx_session_bounds, next_krx_session
from trading.market.clock import DemoClock, RealClock
from trading.market.history import generate_history
from trading.market.model import MarketModel
from trading.market.service import MarketService
from trading.market.simulator import MarketSimulator
from trading.market.stocks import load_listing

DAY = date(2026, 11, 23)
OPEN, CLOSE = krx_session_bounds(DAY)


class Wall:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


@pytest.fixture(scope="module")
def stocks():
    return load_listing()


def test_demo_clock_loops_sessions():
    wall = Wall()
    c = DemoClock(speed=60, start=OPEN, wall=wall)
    assert c.now() == OPEN and c.phase() is Phase.CONTINUOUS
    wall.t += (6 * 3600 + 25 * 60) / 60
    assert c.phase() is Phase.CLOSING_AUCTION
    wall.t += 5 * 60 / 60  # 15:30 → the next session opens
    nxt = next_krx_session(DAY)
    assert c.session_date() == nxt and c.now() == krx_session_bounds(nxt)[0]


def test_real_clock_closed_outside_sessions():
    sat = RealClock(lambda: datetime(2026, 11, 21, 11, 0, tzinfo=KST))
    assert sat.phase() is Phase.CLOSED and sat.session_date() == date(2026, 11, 20)
    mon = RealClock(lambda: datetime(2026, 11, 23, 8, 45, tzinfo=KST))
    assert mon.phase() is Phase.PRE_OPEN_AUCTION and mon.session_date() == DAY


@pytest.fixture(scope="module")
def history(stocks):
    return generate_history(stocks, end=date(2026, 11, 20), years=0.25, minute_days=3, seed=9)


def test_history_shape_and_grid(history, stocks):
    d = history.daily
    assert len(d) == 2555 * d["day"].nunique()
    assert (d.low <= d[["open", "close"]].min(axis=1)).all() and (
        d.high >= d[["open", "close"]].max(axis=1)
    ).all()
    model = MarketModel(stocks, 9)
    assert history.daily["code"].iloc[0] == model.codes[0]
    assert set(history.us.symbol) >= {"XLK", "SOXX", "SMH", "^GSPC", "^NDX", "^SOX"}
    assert history.minute["code"].nunique() == 200


def test_history_minutes_aggregate_to_days(history):
    m = history.minute.assign(day=history.minute.time.dt.date)
    g = m.groupby(["code", "day"]).agg(
        o=("open", "first"), h=("high", "max"), lo=("low", "min"), c=("close", "last"),
        v=("volume", "sum"), val=("value", "sum"),
    ).reset_index()  # fmt: skip
    j = g.merge(history.daily, on=["code", "day"])
    assert len(j) == 600
    for a, b in (
        ("o", "open"),
        ("h", "high"),
        ("lo", "low"),
        ("c", "close"),
        ("v", "volume"),
        ("val", "value"),
    ):
        assert (j[a] == j[b]).all(), b
    # U shape in the minute volume
    per_min = m.groupby(m.time.dt.strftime("%H:%M"))["volume"].sum()
    assert per_min.loc["09:05":"09:30"].mean() > 2 * per_min.loc["12:00":"12:30"].mean()


def test_history_joins_the_simulator(history, stocks):
    """The simulator started from the history's last close draws the same day as the history would."""
    nxt = next_krx_session(history.last_day)
    sim = MarketSimulator(stocks, seed=9, start_day=nxt, prev_close=history.last_closes())
    longer = generate_history(stocks, end=nxt, start=history.first_day, minute_days=0, seed=9)
    row = longer.daily[longer.daily.day == nxt].set_index("code")
    assert np.array_equal(row.loc[sim.codes, "open"].to_numpy(), sim.plan.open)
    assert np.array_equal(row.loc[sim.codes, "close"].to_numpy(), sim.plan.close)


def test_us_effect_exists_but_is_not_perfect(stocks):
    model = MarketModel(stocks, 3, strength=0.6)
    sim = MarketSimulator(stocks, seed=3, start_day=DAY, model=model)
    grid = sim.grid
    semis = model.sector == model.sector_keys.index("SOXX")
    up = model.plan_day(DAY, model.base_price, {"SOXX": 0.05}, grid)
    down = model.plan_day(DAY, model.base_price, {"SOXX": -0.05}, grid)
    r_up = np.log(up.close / up.prev_close)[semis]
    r_down = np.log(down.close / down.prev_close)[semis]
    assert r_up.mean() > 0.015 > -0.015 > r_down.mean()
    assert (r_up < 0).any()  # idiosyncratic noise: not every stock follows


@pytest.fixture
def service(stocks):
    wall = Wall()
    svc = MarketService(stocks, clock=DemoClock(speed=100, start=OPEN + timedelta(minutes=5), wall=wall))
    svc.wall = wall
    return svc


def test_broker_end_to_end(service):
    broker = PaperBroker(service)
    assert isinstance(broker, Broker) and broker.name == "paper" and not broker.is_live
    ticks, books, fills = [], [], []
    broker.subscribe(Channel.TICKS, ["005930"], ticks.append)
    broker.subscribe(Channel.BOOKS, ["005930"], books.append)
    broker.subscribe(Channel.FILLS, [], fills.append)
    service.step()
    q = broker.quote("005930")
    book = broker.order_book("005930")
    o = broker.place_order(OrderRequest("005930", Side.BUY, 10, OrderType.LIMIT, book.bids[0].price))
    m = broker.place_order(OrderRequest("005930", Side.BUY, 5, OrderType.MARKET))
    assert m.status is OrderStatus.FILLED and fills
    for _ in range(30):
        service.wall.t += 6
        service.step()
    assert ticks and all(t.code == "005930" for t in ticks) and books
    assert broker.orders()[0].order_id == o.order_id
    bal = broker.balance()
    assert bal.positions[0].qty >= 5 and bal.cash < 100_000_000
    assert broker.ranking(3)[0].value >= broker.ranking(3)[1].value
    assert (
        broker.minute_bars("005930", DAY)
        and broker.daily_bars("005930", DAY, DAY)[0].close == broker.quote("005930").price
    )
    assert q.prev_close > 0
    with pytest.raises(OrderRejected) as err:
        broker.quote("999999")
    assert err.value.reason is Reason.UNKNOWN_CODE
    broker.close()


def test_service_thread_and_day_roll(stocks):
    wall = Wall()
    svc = MarketService(
        stocks, clock=DemoClock(speed=1, start=CLOSE - timedelta(minutes=30), wall=wall), interval=0.01
    )
    o = svc.exchange.place_order(
        OrderRequest("005930", Side.BUY, 1, price=svc.sim.plan.lower[svc.sim.index["005930"]])
    )
    svc.start()
    time.sleep(0.1)
    wall.t += 1800  # to the close: the closing auction prints, then the next session starts
    deadline = time.time() + 5
    while svc.exchange.day == DAY and time.time() < deadline:
        time.sleep(0.02)
    svc.stop()
    assert not svc.running and threading.active_count() >= 1
    assert svc.sim.day == next_krx_session(DAY) == svc.exchange.day
    assert svc.exchange.get_order(o.order_id) is None or svc.exchange.open_orders() == []
    assert svc.exchange.orders(DAY)[0].status is OrderStatus.CANCELLED


def test_step_interval_is_a_setting_and_listeners_run_after_each_step(stocks):
    from trading.config import Settings, load_settings

    assert Settings.model_fields["market_step_ms"].default == 100
    svc = MarketService.from_settings(load_settings(market_step_ms=40, demo_start="open"), stocks=stocks)
    assert svc.interval == 0.04
    seen: list[tuple[int, int]] = []
    ticks: list[object] = []
    svc.subscribe("ticks", [s.code for s in stocks], ticks.append)
    handle = svc.on_step(lambda: seen.append((len(seen), len(ticks))))
    svc.start()
    time.sleep(0.5)
    svc.stop()
    # A fixed cadence of 40 ms: ~12 steps in 0.5 s (not fewer for the steps' own cost), each listener
    # call after that step's ticks went out.
    assert 8 <= len(seen) <= 15
    assert [n for _, n in seen] == sorted(n for _, n in seen) and seen[-1][1] == len(ticks)
    handle.cancel()
    n = len(seen)
    svc.step()
    assert len(seen) == n  # cancelled: no call
