"""The vectorised market simulator: every stock trades, one numpy step for all of them.

A session: an opening auction (one print per stock at the open), continuous trading along a
Brownian bridge from the open to the day's close with a U-shaped trade intensity, nothing during
the closing auction phase, then one closing print at the close. Every price is on the KRX grid
inside the day's limits. ``step(now)`` never crosses a session boundary: a step that reaches the
close finishes the day (the batch carries the closing prints) and the next step starts the next
session, so a consumer can settle the old day between the two.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from trading.domain import KST, Bar, BookLevel, Market, OrderBook, Quote, RankRow, Tick
from trading.krx import krx_session_bounds, last_us_session_before, next_krx_session
from trading.market.grid import Grid
from trading.market.model import DayPlan, MarketModel
from trading.market.stocks import StockInfo
from trading.market.us import us_session_returns

USReturns = Callable[[date], Mapping[str, float]] | Mapping[date, Mapping[str, float]] | None

CLOSING_AUCTION_S = 600.0
PRE_OPEN_S = 1800.0
OPEN_AUCTION_SHARE = 0.02  # of the day's volume, printed at the open
CLOSE_AUCTION_SHARE = 0.05  # printed at the close
U_B = 1.8  # U-shape: intensity a + b·(2s−1)², a + b/3 = 1
U_A = 1.0 - U_B / 3.0
MICRO_VOL = 0.0006  # trade-to-trade noise around the bridge (bid/ask bounce)
SIZE_SIGMA = 0.8
BOOK_DEPTH = 0.002  # shares per book level as a share of the day's expected volume
_INTRADAY_SALT = 3_5711


# What a restarted market needs to continue a session (trading/market/state.py): per-stock state
# (name → dtype) and the minute-bar arrays (int64, one column per minute of the session).
STATE_ARRAYS: dict[str, type] = {
    "x": np.float64, "last": np.int64, "last_dir": np.int8, "last_ms": np.int64, "open": np.int64,
    "high": np.int64, "low": np.int64, "cum_vol": np.int64, "cum_val": np.int64, "buy_vol": np.int64,
    "sell_vol": np.int64, "seq": np.int64,
}  # fmt: skip
MINUTE_ARRAYS = ("m_open", "m_high", "m_low", "m_close", "m_vol", "m_val")


@dataclass(slots=True)
class SimState:
    """A simulator's session at one instant (see ``MarketSimulator.state`` / ``restore``)."""

    day: date
    t: float  # simulated seconds since the open up to which trades exist (-inf before the open)
    opened: bool
    closed: bool
    rng: dict  # the bit generator's state
    prev_close: np.ndarray  # the day's plan is drawn again from it
    arrays: dict[str, np.ndarray]  # STATE_ARRAYS
    minutes: dict[str, np.ndarray]  # MINUTE_ARRAYS, shape (n, n_min)


def u_shape_cdf(s: np.ndarray | float) -> np.ndarray | float:
    """Share of the continuous session's trades before fraction ``s`` of it."""
    return U_A * s + U_B * ((2.0 * s - 1.0) ** 3 + 1.0) / 6.0


@dataclass(frozen=True, slots=True)
class TickBatch:
    """New trades of one step, sorted by (code index, time). ``time`` is epoch milliseconds."""

    codes: Sequence[str]
    code_idx: np.ndarray
    time: np.ndarray
    seq: np.ndarray
    price: np.ndarray
    volume: np.ndarray
    cum_volume: np.ndarray
    cum_value: np.ndarray
    strength: np.ndarray
    auction: np.ndarray  # True for the opening/closing single-price prints
    day: date | None = None

    def __len__(self) -> int:
        return len(self.code_idx)

    @classmethod
    def empty(cls, codes: Sequence[str], day: date | None = None) -> TickBatch:
        i = np.empty(0, dtype=np.int64)
        return cls(codes, i, i, i, i, i, i, i, np.empty(0), np.empty(0, dtype=bool), day)

    @classmethod
    def concat(cls, codes: Sequence[str], parts: Sequence[TickBatch], day: date | None) -> TickBatch:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty(codes, day)
        if len(parts) == 1:
            return parts[0]
        order = np.argsort(np.concatenate([p.code_idx for p in parts]), kind="stable")
        cols = [
            np.concatenate([getattr(p, f) for p in parts])[order]
            for f in ("code_idx", "time", "seq", "price", "volume", "cum_volume", "cum_value")
        ]
        strength = np.concatenate([p.strength for p in parts])[order]
        auction = np.concatenate([p.auction for p in parts])[order]
        return cls(codes, *cols, strength, auction, day)

    def columns(self) -> dict[str, list]:
        """The ticks as plain columns (``trading.brokers.wire.TICK_COLUMNS``), for the durable log."""
        return {
            "code": [self.codes[i] for i in self.code_idx.tolist()], "ms": self.time.tolist(),
            "seq": self.seq.tolist(), "price": self.price.tolist(), "volume": self.volume.tolist(),
            "cum_volume": self.cum_volume.tolist(), "cum_value": self.cum_value.tolist(),
            "strength": np.round(self.strength, 2).tolist(),
        }  # fmt: skip

    def ticks(self, codes: set[str] | None = None) -> list[Tick]:
        """As domain ``Tick`` objects (optionally only for ``codes``)."""
        out = []
        for k in range(len(self)):
            code = self.codes[self.code_idx[k]]
            if codes is not None and code not in codes:
                continue
            t = datetime.fromtimestamp(int(self.time[k]) / 1000.0, KST)
            out.append(
                Tick(
                    code,
                    t,
                    int(self.seq[k]),
                    int(self.price[k]),
                    int(self.volume[k]),
                    int(self.cum_volume[k]),
                    int(self.cum_value[k]),
                    round(float(self.strength[k]), 2),
                )  # fmt: skip
            )
        return out


def _ms(dt: datetime) -> int:
    return int(round(dt.timestamp() * 1000))


def _mix(*xs: int) -> float:
    """A cheap deterministic hash of ints to [0, 1) (splitmix64 steps)."""
    h = 0x9E3779B97F4A7C15
    for x in xs:
        h = (h ^ (x & 0xFFFFFFFFFFFFFFFF)) * 0xBF58476D1CE4E5B9 & 0xFFFFFFFFFFFFFFFF
        h ^= h >> 31
    return (h >> 11) / float(1 << 53)


class MarketSimulator:
    """All stocks of one simulated market; not thread-safe (the MarketService holds the lock)."""

    def __init__(
        self,
        stocks: Sequence[StockInfo],
        *,
        seed: int = 42,
        strength: float = 0.6,
        start_day: date,
        prev_close: Mapping[str, int] | None = None,
        us_returns: USReturns = None,
        model: MarketModel | None = None,
    ):
        self.model = model or MarketModel(stocks, seed, strength)
        self.codes = self.model.codes
        self.index = self.model.index
        self.n = self.model.n
        self.seed = seed
        self._us = us_returns
        self._edges = []  # band edges of the day's grid, for scalar tick moves
        base = self.model.base_price.copy()
        for code, price in (prev_close or {}).items():
            i = self.index.get(code)
            if i is not None and price > 0:
                base[i] = price
        self._begin_day(start_day, base)

    # --- day lifecycle ---------------------------------------------------------------------

    def us_returns_for(self, day: date) -> Mapping[str, float]:
        """The US returns that drive ``day``: the passed dict/callable, else the simulated series."""
        if callable(self._us):
            return self._us(day)
        if self._us is not None:
            return self._us.get(day, {})
        return us_session_returns(self.seed, last_us_session_before(krx_session_bounds(day)[0]))

    def _begin_day(self, day: date, prev_close: np.ndarray) -> None:
        n = self.n
        self.day = day
        self.grid = Grid(day)
        self._edges = [int(e) for e in self.grid.edges]
        self._ticks = [int(t) for t in self.grid.ticks]
        self.open_dt, self.close_dt = krx_session_bounds(day)
        self.open_ms = _ms(self.open_dt)
        self.t_close = (self.close_dt - self.open_dt).total_seconds()
        self.t_cont = self.t_close - CLOSING_AUCTION_S
        self.plan: DayPlan = self.model.plan_day(day, prev_close, dict(self.us_returns_for(day)), self.grid)
        self.rng = np.random.default_rng([self.seed, _INTRADAY_SALT, day.toordinal()])
        self.t = -np.inf  # simulated seconds since the open, up to which trades exist
        self.opened = self.closed = False
        self.x = np.log(self.plan.open.astype(np.float64))
        self.x_target = np.log(self.plan.close.astype(np.float64))
        self.last = self.plan.prev_close.copy()
        self.last_dir = np.zeros(n, dtype=np.int8)
        self.last_ms = np.full(n, self.open_ms, dtype=np.int64)
        self.open = np.zeros(n, dtype=np.int64)
        self.high = np.zeros(n, dtype=np.int64)
        self.low = np.zeros(n, dtype=np.int64)
        self.cum_vol = np.zeros(n, dtype=np.int64)
        self.cum_val = np.zeros(n, dtype=np.int64)
        self.buy_vol = np.zeros(n, dtype=np.int64)
        self.sell_vol = np.zeros(n, dtype=np.int64)
        self.seq = np.zeros(n, dtype=np.int64)
        self.intensity = self.model.trades_per_day * self.plan.activity
        expected_shares = self.model.daily_value * self.plan.activity / self.plan.open
        self.depth = np.maximum(expected_shares * BOOK_DEPTH, 10.0)
        self.n_min = int(self.t_close // 60) + 1
        shape = (n, self.n_min)
        self.m_open = np.zeros(shape, dtype=np.int64)
        self.m_high = np.zeros(shape, dtype=np.int64)
        self.m_low = np.zeros(shape, dtype=np.int64)
        self.m_close = np.zeros(shape, dtype=np.int64)
        self.m_vol = np.zeros(shape, dtype=np.int64)
        self.m_val = np.zeros(shape, dtype=np.int64)
        self._book_cache: dict[int, tuple[int, OrderBook]] = {}

    def _roll(self, now: datetime) -> None:
        """Start the next session; whole sessions already followed by another are fast-forwarded
        without ticks (only their close is drawn)."""
        close = self.last.copy()
        day = next_krx_session(self.day)
        while True:
            nxt = next_krx_session(day)
            if now < krx_session_bounds(nxt)[0] - timedelta(seconds=PRE_OPEN_S):
                break
            close = self.model.plan_day(day, close, dict(self.us_returns_for(day)), Grid(day)).close
            day = nxt
        self._begin_day(day, close)

    # --- persistence -------------------------------------------------------------------------

    def open_minute(self) -> int:
        """The minute still receiving trades; earlier minutes of the session are final."""
        if not self.opened:
            return 0
        return min(int(self.t // 60), self.n_min - 1)

    def state(self) -> SimState:
        """The session as it is now (arrays shared, not copied: read it under the market's lock)."""
        return SimState(
            self.day, self.t, self.opened, self.closed, self.rng.bit_generator.state, self.plan.prev_close,
            {k: getattr(self, k) for k in STATE_ARRAYS}, {k: getattr(self, k) for k in MINUTE_ARRAYS},
        )  # fmt: skip

    def restore(self, st: SimState) -> None:
        """Continue the session ``st`` (the day's plan is drawn again from its previous close)."""
        self._begin_day(st.day, np.asarray(st.prev_close, dtype=np.int64))
        self.t, self.opened, self.closed = st.t, st.opened, st.closed
        for k, dtype in STATE_ARRAYS.items():
            setattr(self, k, np.array(st.arrays[k], dtype=dtype))
        for k in MINUTE_ARRAYS:
            getattr(self, k)[:] = st.minutes[k]
        self.rng.bit_generator.state = st.rng

    # --- stepping ----------------------------------------------------------------------------

    def step(self, now: datetime) -> TickBatch:
        """Advance every stock to ``now`` (KST-aware) and return the new trades."""
        if self.closed and now >= self.close_dt:
            nxt_open = krx_session_bounds(next_krx_session(self.day))[0]
            if now < nxt_open - timedelta(seconds=PRE_OPEN_S):
                return TickBatch.empty(self.codes, self.day)
            self._roll(now)
        t1 = min((now - self.open_dt).total_seconds(), self.t_close)
        parts = []
        if not self.opened and t1 >= 0:
            parts.append(self._auction(self.plan.open, OPEN_AUCTION_SHARE, 0.0))
            self.opened, self.t = True, 0.0
        if self.opened and self.t < self.t_cont and t1 > self.t:
            parts.append(self._continuous(self.t, min(t1, self.t_cont)))
            self.t = min(t1, self.t_cont)
        if self.opened and not self.closed and t1 >= self.t_close:
            parts.append(self._auction(self.plan.close, CLOSE_AUCTION_SHARE, self.t_close))
            self.closed, self.t = True, self.t_close
        return TickBatch.concat(self.codes, parts, self.day)

    def _auction(self, price: np.ndarray, share: float, t: float) -> TickBatch:
        idx = np.arange(self.n, dtype=np.int64)
        shares = self.model.daily_value * self.plan.activity / price * share
        vol = np.maximum(1, (shares * self.rng.lognormal(-0.08, 0.4, self.n)).astype(np.int64))
        return self._record(idx, np.full(self.n, t), price.astype(np.int64), vol, True)

    def _continuous(self, t0: float, t1: float) -> TickBatch:
        T = self.t_cont
        dt = t1 - t0
        left = T - t0
        z = self.rng.standard_normal(self.n)
        var = dt * max(T - t1, 0.0) / (left * T) if left > 0 else 0.0
        x1 = self.x + (self.x_target - self.x) * (dt / left) + self.plan.intraday_vol * np.sqrt(var) * z
        share = u_shape_cdf(t1 / T) - u_shape_cdf(t0 / T)
        k = self.rng.poisson(self.intensity * share)
        x0, self.x = self.x, x1
        total = int(k.sum())
        if total == 0:
            return TickBatch.empty(self.codes, self.day)
        idx = np.repeat(np.arange(self.n, dtype=np.int64), k)
        key = np.sort(idx + self.rng.random(total))
        u = key - idx
        fair = x0[idx] + (x1 - x0)[idx] * u + MICRO_VOL * self.rng.standard_normal(total)
        price = np.clip(self.grid.round_nearest(np.exp(fair)), self.plan.lower[idx], self.plan.upper[idx])
        mean = self.model.trade_value[idx] / price
        vol = np.maximum(
            1, (mean * self.rng.lognormal(-0.5 * SIZE_SIGMA**2, SIZE_SIGMA, total)).astype(np.int64)
        )
        return self._record(idx, t0 + u * dt, price, vol, False, k)

    def _record(
        self,
        idx: np.ndarray,
        tt: np.ndarray,
        price: np.ndarray,
        vol: np.ndarray,
        auction: bool,
        counts: np.ndarray | None = None,
    ) -> TickBatch:
        """Book-keep trades sorted by (idx, time): cumulative sums, seq, OHLC, minute bars."""
        n_tr = len(idx)
        k = counts if counts is not None else np.bincount(idx, minlength=self.n)
        ends = np.cumsum(k)
        starts = ends - k
        has = k > 0
        g_start, g_end = starts[has], ends[has]
        pos = np.arange(n_tr) - np.repeat(starts, k)
        seq = self.seq[idx] + pos + 1
        self.seq += k

        prev = np.empty(n_tr, dtype=np.int64)
        prev[1:] = price[:-1]
        prev[g_start] = self.last[has]
        diff = price - prev
        buy = (diff > 0) | ((diff == 0) & (self.rng.random(n_tr) < 0.5))
        pv = price * vol

        def grouped_cumsum(a: np.ndarray, carry: np.ndarray) -> np.ndarray:
            cs = np.cumsum(a)
            before = cs[g_start] - a[g_start]
            return cs - np.repeat(before, k[has]) + carry[idx]

        cum_vol = grouped_cumsum(vol, self.cum_vol)
        cum_val = grouped_cumsum(pv, self.cum_val)
        cum_buy = grouped_cumsum(np.where(buy, vol, 0), self.buy_vol)
        cum_sell = grouped_cumsum(np.where(buy, 0, vol), self.sell_vol)
        strength = cum_buy * 100.0 / np.maximum(cum_sell, 1)
        ms = self.open_ms + (tt * 1000.0).astype(np.int64)

        last_i = g_end - 1
        first_trade = self.open[has] == 0
        self.open[has] = np.where(first_trade, price[g_start], self.open[has])
        hi = np.maximum.reduceat(price, g_start)
        lo = np.minimum.reduceat(price, g_start)
        self.high[has] = np.where(first_trade, hi, np.maximum(self.high[has], hi))
        self.low[has] = np.where(first_trade, lo, np.minimum(self.low[has], lo))
        self.last_dir[has] = np.where(diff[last_i] > 0, 1, np.where(diff[last_i] < 0, -1, self.last_dir[has]))
        self.last[has] = price[last_i]
        self.last_ms[has] = ms[last_i]
        self.cum_vol[has] = cum_vol[last_i]
        self.cum_val[has] = cum_val[last_i]
        self.buy_vol[has] = cum_buy[last_i]
        self.sell_vol[has] = cum_sell[last_i]
        self._minutes(idx, tt, price, vol, pv)
        self._book_cache.clear()
        return TickBatch(
            self.codes, idx, ms, seq, price, vol, cum_vol, cum_val, strength,
            np.full(n_tr, auction, dtype=bool), self.day,
        )  # fmt: skip

    def _minutes(self, idx: np.ndarray, tt: np.ndarray, price: np.ndarray, vol: np.ndarray, pv: np.ndarray):
        m = np.minimum((tt // 60).astype(np.int64), self.n_min - 1)
        flat = idx * self.n_min + m
        cut = np.flatnonzero(np.diff(flat)) + 1
        s = np.concatenate(([0], cut))
        e = np.concatenate((cut, [len(flat)]))
        fi = flat[s]
        mo, mh, ml = self.m_open.ravel(), self.m_high.ravel(), self.m_low.ravel()
        mc, mv, mval = self.m_close.ravel(), self.m_vol.ravel(), self.m_val.ravel()
        seen = mv[fi] > 0
        hi = np.maximum.reduceat(price, s)
        lo = np.minimum.reduceat(price, s)
        mo[fi] = np.where(seen, mo[fi], price[s])
        mh[fi] = np.where(seen, np.maximum(mh[fi], hi), hi)
        ml[fi] = np.where(seen, np.minimum(ml[fi], lo), lo)
        mc[fi] = price[e - 1]
        mv[fi] += np.add.reduceat(vol, s)
        mval[fi] += np.add.reduceat(pv, s)

    # --- reads -------------------------------------------------------------------------------

    def _i(self, code: str) -> int:
        try:
            return self.index[code]
        except KeyError:
            raise KeyError(f"unknown code {code!r}") from None

    def has(self, code: str) -> bool:
        return code in self.index

    def market(self, code: str) -> Market:
        return self.model.stocks[self._i(code)].market

    def limits(self, code: str) -> tuple[int, int]:
        """(upper, lower) daily limits of ``code`` today."""
        i = self._i(code)
        return int(self.plan.upper[i]), int(self.plan.lower[i])

    def prev_close(self, code: str) -> int:
        return int(self.plan.prev_close[self._i(code)])

    def last_price(self, code: str) -> int:
        return int(self.last[self._i(code)])

    def tick_up(self, p: int) -> int:
        return p + self._ticks[bisect.bisect_right(self._edges, p)]

    def tick_down(self, p: int) -> int:
        return p - self._ticks[bisect.bisect_right(self._edges, p - 1)]

    def quote(self, code: str) -> Quote:
        i = self._i(code)
        price, traded = int(self.last[i]), self.open[i] > 0
        upper, lower = int(self.plan.upper[i]), int(self.plan.lower[i])
        return Quote(
            code=code,
            price=price,
            prev_close=int(self.plan.prev_close[i]),
            open=int(self.open[i]) if traded else price,
            high=int(self.high[i]) if traded else price,
            low=int(self.low[i]) if traded else price,
            volume=int(self.cum_vol[i]),
            value=int(self.cum_val[i]),
            upper_limit=upper,
            lower_limit=lower,
            time=datetime.fromtimestamp(int(self.last_ms[i]) / 1000.0, KST),
            strength=round(float(self.buy_vol[i] * 100.0 / max(int(self.sell_vol[i]), 1)), 2),
        )

    def order_book(self, code: str) -> OrderBook:
        """Ten levels a side around the last trade: best ask = best bid + one tick, inside the limits.

        Depth per level scales with the stock's expected volume; it is a deterministic function of
        (seed, stock, trade sequence), so it stays the same until the stock trades again.
        """
        i = self._i(code)
        seq = int(self.seq[i])
        hit = self._book_cache.get(i)
        if hit is not None and hit[0] == seq:
            return hit[1]
        upper, lower = int(self.plan.upper[i]), int(self.plan.lower[i])
        p = int(self.last[i])
        if self.last_dir[i] > 0:  # the last trade lifted the ask
            ask, bid = p, self.tick_down(p) if p > 1 else p
        else:
            bid, ask = p, self.tick_up(p)
        if ask > upper:
            ask, bid = upper, self.tick_down(upper)
        if bid < lower:
            bid, ask = lower, self.tick_up(lower)
        depth = float(self.depth[i])
        asks, bids = [], []
        for k in range(10):
            if ask <= upper:
                asks.append(BookLevel(ask, self._level_qty(depth, i, seq, 1, k)))
                ask = self.tick_up(ask)
            if bid >= lower and bid > 0:
                bids.append(BookLevel(bid, self._level_qty(depth, i, seq, 2, k)))
                bid = self.tick_down(bid) if bid > 1 else 0
        t = datetime.fromtimestamp(int(self.last_ms[i]) / 1000.0, KST)
        book = OrderBook(code, tuple(asks), tuple(bids), t)
        self._book_cache[i] = (seq, book)
        return book

    def _level_qty(self, depth: float, i: int, seq: int, side: int, k: int) -> int:
        return max(1, int(depth * (0.6 + 0.12 * k) * (0.4 + 1.2 * _mix(self.seed, i, seq, side, k))))

    def ranking(self, limit: int = 100, market: str | None = None) -> list[RankRow]:
        """Today's top ``limit`` by 거래대금 (ties by code order). ``sector`` is the US ETF key."""
        order = np.argsort(-self.cum_val, kind="stable")
        if market is not None:
            order = order[self.model.markets[order] == str(market)]
        rows = []
        for r, i in enumerate(order[:limit], start=1):
            s = self.model.stocks[i]
            rows.append(
                RankRow(
                    r,
                    s.code,
                    s.name_ko,
                    s.market.value,
                    s.us_etf,
                    int(self.last[i]),
                    int(self.plan.prev_close[i]),
                    int(self.cum_vol[i]),
                    int(self.cum_val[i]),
                )  # fmt: skip
            )
        return rows

    def minute_bars(self, code: str, interval: int = 1) -> list[Bar]:
        """Today's bars so far (only minutes with trades), ``interval`` minutes each."""
        i = self._i(code)
        vol = self.m_vol[i]
        bars: list[Bar] = []
        for m in np.flatnonzero(vol > 0):
            m = int(m)
            start = self.open_dt + timedelta(minutes=m - m % interval)
            o, h, lo, c = (int(a[i, m]) for a in (self.m_open, self.m_high, self.m_low, self.m_close))
            v, val = int(vol[m]), int(self.m_val[i, m])
            if bars and bars[-1].time == start:
                b = bars[-1]
                bars[-1] = Bar(
                    code, start, b.open, max(b.high, h), min(b.low, lo), c, b.volume + v, b.value + val
                )
            else:
                bars.append(Bar(code, start, o, h, lo, c, v, val))
        return bars

    def daily_bar(self, code: str) -> Bar | None:
        """Today's bar so far (None before the first trade)."""
        i = self._i(code)
        if self.open[i] == 0:
            return None
        day0 = datetime(self.day.year, self.day.month, self.day.day, tzinfo=KST)
        return Bar(
            code, day0, int(self.open[i]), int(self.high[i]), int(self.low[i]), int(self.last[i]),
            int(self.cum_vol[i]), int(self.cum_val[i]),
        )  # fmt: skip

    def closes(self) -> dict[str, int]:
        """Last price of every stock (the close once the session has ended)."""
        return dict(zip(self.codes, self.last.tolist(), strict=True))
