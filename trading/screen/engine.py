"""Screen evaluation over the whole market at once: wide (sessions × stocks) numpy arrays.

``Panel`` holds the last sessions' closes and 거래대금 of every stock. A day without a bar (before a
listing, a suspension) carries the previous close forward with 거래대금 0, so each stock's series is
gap-free after its first bar; before it the close is NaN. Indicators follow
``trading/strategies/indicators.py`` exactly (pandas ``ewm(adjust=False)`` arithmetic, Wilder's RSI,
strict crosses) but run column-wise over all stocks: the only Python loop is over sessions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from trading.screen.spec import ScreenSpec


@dataclass(frozen=True, slots=True)
class StockMeta:
    code: str
    name: str
    name_en: str
    market: str
    sector: str  # sector code


@dataclass(frozen=True, slots=True)
class Panel:
    """Closes and 거래대금 of every stock over the last sessions (oldest first)."""

    days: tuple[date, ...]
    stocks: tuple[StockMeta, ...]
    close: np.ndarray  # float64 (days × stocks), forward-filled, NaN before the first bar
    value: np.ndarray  # float64 (days × stocks), 0 on days without a bar
    has_bar: np.ndarray  # bool (days × stocks)
    rows: int = 0  # the bars it was built from (a cache compares it with the stored count)

    @property
    def codes(self) -> list[str]:
        return [s.code for s in self.stocks]


def build_panel(
    stocks: Sequence[StockMeta],
    codes: Sequence[str],
    days: Sequence[Any],
    close: Sequence,
    value: Sequence,
    to_date: Callable[[Any], date] | None = None,
) -> Panel:
    """A ``Panel`` from long rows (``codes[i]`` traded on ``days[i]`` at ``close[i]`` for ``value[i]``).

    ``to_date`` turns a distinct raw day (e.g. a driver's ISO text) into a date. Rows of codes
    missing from ``stocks`` are dropped; the panel's sessions are the distinct days.
    """
    day_codes, raw_days = pd.factorize(pd.Series(days, dtype=object), sort=False)
    as_dates = [to_date(d) if to_date else d for d in raw_days.tolist()]
    order = sorted(range(len(as_dates)), key=as_dates.__getitem__)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    di = rank[day_codes] if len(order) else np.zeros(0, dtype=np.int64)
    ci = pd.Index([s.code for s in stocks]).get_indexer(pd.Index(codes, dtype=object))
    keep = ci >= 0
    ci, di = ci[keep], di[keep]
    shape = (len(order), len(stocks))
    c = np.full(shape, np.nan)
    v = np.zeros(shape)
    has = np.zeros(shape, dtype=bool)
    c[di, ci] = np.asarray(close, dtype=np.float64)[keep]
    v[di, ci] = np.asarray(value, dtype=np.float64)[keep]
    has[di, ci] = True
    return Panel(tuple(as_dates[k] for k in order), tuple(stocks), ffill(c), v, has, len(codes))


def ffill(x: np.ndarray) -> np.ndarray:
    """Forward-fill NaNs down each column (leading NaNs stay)."""
    rows = np.where(np.isnan(x), 0, np.arange(x.shape[0])[:, None])
    np.maximum.accumulate(rows, axis=0, out=rows)
    out = x[rows, np.arange(x.shape[1])]
    return out


# --- 2-D indicators (column-wise, the same arithmetic as trading/strategies/indicators.py) ----


def ewm(x: np.ndarray, alpha: float, min_periods: int) -> np.ndarray:
    """pandas ``ewm(alpha=alpha, adjust=False, min_periods=min_periods).mean()`` of each column
    (columns may start with NaNs; no NaN after a column's first value)."""
    out = np.full(x.shape, np.nan)
    w = np.full(x.shape[1], np.nan)
    nobs = np.zeros(x.shape[1], dtype=np.int64)
    old, new = 1.0 - alpha, alpha
    denom = old + new
    for t in range(x.shape[0]):
        cur = x[t]
        obs = ~np.isnan(cur)
        nobs += obs
        with np.errstate(invalid="ignore"):
            upd = (old * w + new * cur) / denom
        w = np.where(np.isnan(w), cur, np.where(obs & (w != cur), upd, w))
        out[t] = np.where(nobs >= min_periods, w, np.nan)
    return out


def ema(close: np.ndarray, n: int) -> np.ndarray:
    return ewm(close, 2.0 / (n + 1.0), n)


def sma(close: np.ndarray, n: int) -> np.ndarray:
    """Mean of the last ``n`` closes (NaN while any of them is missing)."""
    valid = ~np.isnan(close)
    csum = np.cumsum(np.where(valid, close, 0.0), axis=0)
    cnt = np.cumsum(valid, axis=0)
    out = np.full(close.shape, np.nan)
    if close.shape[0] < n:
        return out
    s = csum[n - 1 :].copy()
    s[1:] -= csum[:-n]
    k = cnt[n - 1 :].copy()
    k[1:] -= cnt[:-n]
    out[n - 1 :] = np.where(k == n, s / n, np.nan)
    return out


def rsi(close: np.ndarray, period: int = 14) -> np.ndarray:
    """Wilder's RSI in [0, 100] of each column."""
    delta = np.full(close.shape, np.nan)
    delta[1:] = close[1:] - close[:-1]
    gain = np.where(np.isnan(delta), np.nan, np.maximum(delta, 0.0))
    loss = np.where(np.isnan(delta), np.nan, -np.minimum(delta, 0.0))
    alpha = 1.0 / period
    g, lo = ewm(gain, alpha, period), ewm(loss, alpha, period)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 100.0 - 100.0 / (1.0 + g / lo)
    out = np.where(lo == 0, 100.0, out)
    return np.where(np.isnan(g), np.nan, out)


def macd(close: np.ndarray, fast: int = 12, slow: int = 26, signal: int = 9) -> tuple[np.ndarray, np.ndarray]:
    """(MACD line, signal line) of each column."""
    line = ema(close, fast) - ema(close, slow)
    return line, ewm(line, 2.0 / (signal + 1.0), signal)


def last_cross(a: np.ndarray, b: np.ndarray, direction: str, within: int) -> np.ndarray:
    """Per column: sessions ago (0 = the last session) of the latest strict cross of ``a`` over
    (golden) or under (dead) ``b`` in the last ``within`` sessions, or -1."""
    if direction == "golden":
        cross = (a[:-1] < b[:-1]) & (a[1:] > b[1:])
    else:
        cross = (a[:-1] > b[:-1]) & (a[1:] < b[1:])
    recent = cross[::-1][:within]  # row 0 = the last session
    hit = recent.any(axis=0)
    return np.where(hit, recent.argmax(axis=0), -1)


# --- the screen -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScreenHit:
    """One stock a screen found, with the indicator values its criteria matched."""

    code: str
    name: str
    name_en: str
    sector: str
    market: str
    close: int
    change_pct: float  # vs the previous session's close
    value: int  # 거래대금 of the last session, won
    value_rank: int  # 1 = largest 거래대금 of the market on the last session
    matched: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "name_en": self.name_en,
            "sector": self.sector,
            "market": self.market,
            "close": self.close,
            "change_pct": round(self.change_pct, 2),
            "value": self.value,
            "value_rank": self.value_rank,
            "matched": dict(self.matched),
        }


def value_ranks(value: np.ndarray, codes: Sequence[str], traded: np.ndarray) -> np.ndarray:
    """Rank by 거래대금 (1 = largest; ties by code) among ``traded`` stocks; 0 for the others."""
    order = np.lexsort((np.asarray(codes), -value))
    order = order[traded[order]]
    ranks = np.zeros(len(value), dtype=np.int64)
    ranks[order] = np.arange(1, len(order) + 1)
    return ranks


def _in_set(values: Iterable[str], allowed: Iterable[str]) -> np.ndarray:
    allowed = set(allowed)
    return np.fromiter((v in allowed for v in values), dtype=bool)


def run_screen(spec: ScreenSpec, panel: Panel, us_sectors: Iterable[str] | None = None) -> list[ScreenHit]:
    """The stocks of ``panel`` matching every criterion of ``spec`` on its last session, largest
    거래대금 first, at most ``spec.limit``. ``us_sectors``: the sector codes the latest morning report
    expects ``spec.us_linked`` (None: no report, so a ``us_linked`` screen finds nothing)."""
    n = len(panel.stocks)
    if not panel.days or n == 0:
        return []
    close, value, has = panel.close, panel.value, panel.has_bar
    last_close, last_value = close[-1], value[-1]
    ok = has[-1].copy()
    codes = panel.codes
    ranks = value_ranks(last_value, codes, ok)
    matched: dict[str, np.ndarray] = {}
    if spec.markets:
        ok &= _in_set((s.market for s in panel.stocks), spec.markets)
    if spec.sectors:
        ok &= _in_set((s.sector for s in panel.stocks), spec.sectors)
    if spec.us_linked is not None:
        ok &= _in_set((s.sector for s in panel.stocks), us_sectors or ())
    if spec.value_rank_max is not None:
        ok &= ranks <= spec.value_rank_max
    if spec.price_min is not None:
        ok &= last_close >= spec.price_min
    if spec.price_max is not None:
        ok &= last_close <= spec.price_max
    cols = np.flatnonzero(ok)  # indicators only for the stocks still in
    sub = close[:, cols]
    keep = np.ones(len(cols), dtype=bool)
    if spec.rsi is not None:
        r = rsi(sub, spec.rsi.period)[-1]
        keep &= ~np.isnan(r)
        if spec.rsi.min is not None:
            keep &= r >= spec.rsi.min
        if spec.rsi.max is not None:
            keep &= r <= spec.rsi.max
        matched["rsi"] = r
    if spec.macd_cross is not None:
        m = spec.macd_cross
        line, sig = macd(sub, m.fast, m.slow, m.signal)
        ago = last_cross(line, sig, m.direction, m.within)
        keep &= ago >= 0
        matched.update(macd=line[-1], macd_signal=sig[-1], macd_cross_ago=ago)
    if spec.ma_cross is not None:
        a = spec.ma_cross
        fast, slow = sma(sub, a.fast), sma(sub, a.slow)
        ago = last_cross(fast, slow, a.direction, a.within)
        keep &= ago >= 0
        matched.update(ma_fast=fast[-1], ma_slow=slow[-1], ma_cross_ago=ago)
    cols, idx = cols[keep], np.flatnonzero(keep)
    order = np.lexsort((np.asarray(codes)[cols], -last_value[cols]))[: spec.limit]
    prev = close[-2] if len(panel.days) > 1 else np.full(n, np.nan)
    hits = []
    for k in order:
        j, i = int(cols[k]), int(idx[k])
        s = panel.stocks[j]
        p = prev[j]
        change = float(last_close[j] / p * 100.0 - 100.0) if p == p and p > 0 else 0.0
        values = {
            name.replace("_ago", "_day"): _plain(arr[i], name, panel.days) for name, arr in matched.items()
        }
        hits.append(
            ScreenHit(
                s.code,
                s.name,
                s.name_en,
                s.sector,
                s.market,
                int(last_close[j]),
                change,
                int(last_value[j]),
                int(ranks[j]),
                values,
            )  # fmt: skip
        )
    return hits


def _plain(x: Any, name: str, days: Sequence[date]) -> Any:
    """A matched indicator value as JSON-ready data (a cross as its session's ISO date)."""
    if name.endswith("_cross_ago"):
        return days[-1 - int(x)].isoformat() if x >= 0 else None
    return None if x != x else round(float(x), 4)
