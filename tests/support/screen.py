"""Stock-screen test helpers: random daily bars and a slow per-stock pandas reference screen."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from trading.screen.engine import StockMeta
from trading.screen.spec import ScreenSpec
from trading.sectors import SECTORS
from trading.strategies import indicators as ind


def random_stocks(n: int, seed: int = 0) -> list[StockMeta]:
    rng = np.random.default_rng(seed)
    return [
        StockMeta(
            f"{100000 + i:06d}",
            f"종목{i}",
            f"Stock {i}",
            "KOSPI" if rng.random() < 0.5 else "KOSDAQ",
            SECTORS[int(rng.integers(len(SECTORS)))].code,
        )  # fmt: skip
        for i in range(n)
    ]


def random_bars(
    stocks: list[StockMeta], sessions: int, seed: int = 0, end: date = date(2026, 11, 27)
) -> pd.DataFrame:
    """Long daily bars (code, day, close, value): random walks on whole won, some stocks listed late,
    some days missing (suspensions), a few stocks without a bar on the last day."""
    rng = np.random.default_rng(seed)
    days = [end - timedelta(days=sessions - 1 - k) for k in range(sessions)]
    n = len(stocks)
    close = np.round(
        rng.uniform(500, 300_000, n) * np.exp(np.cumsum(rng.normal(0, 0.025, (sessions, n)), axis=0))
    )
    value = rng.integers(1, 10**12, (sessions, n))
    present = rng.random((sessions, n)) > 0.03
    for j in range(n):
        if rng.random() < 0.2:
            present[: int(rng.integers(1, sessions)), j] = False  # listed late
    frame = pd.DataFrame(
        {
            "code": np.tile([s.code for s in stocks], sessions),
            "day": np.repeat(np.array(days, dtype=object), n),
            "close": close.ravel().astype(np.int64),
            "value": value.ravel(),
        }
    )
    return frame[present.ravel()].reset_index(drop=True)


def _cross_day(a: pd.Series, b: pd.Series, direction: str, within: int) -> date | None:
    cross = ind.crossed_above(a, b) if direction == "golden" else ind.crossed_above(b, a)
    recent = cross.iloc[-within:]
    return recent[recent].index[-1] if recent.any() else None


def reference_screen(
    spec: ScreenSpec, stocks: list[StockMeta], bars: pd.DataFrame, us_sectors: set[str] | None = None
) -> list[tuple[str, dict]]:
    """(code, matched values) of the hits, one stock at a time with the pandas indicators."""
    days = sorted(set(bars["day"]))
    last = days[-1]
    by_code = {c: g.set_index("day").sort_index() for c, g in bars.groupby("code")}
    on_last = bars[bars["day"] == last]
    order = on_last.sort_values(["value", "code"], ascending=[False, True], kind="stable")["code"].tolist()
    rank = {c: i + 1 for i, c in enumerate(order)}
    found = []
    for s in stocks:
        g = by_code.get(s.code)
        if g is None or last not in g.index:
            continue
        series = g.reindex(days)
        close = series["close"].astype(float).ffill().dropna()
        price = close.iloc[-1]
        if spec.markets and s.market not in spec.markets:
            continue
        if spec.sectors and s.sector not in spec.sectors:
            continue
        if spec.us_linked and s.sector not in (us_sectors or set()):
            continue
        if spec.value_rank_max is not None and rank[s.code] > spec.value_rank_max:
            continue
        if spec.price_min is not None and price < spec.price_min:
            continue
        if spec.price_max is not None and price > spec.price_max:
            continue
        matched: dict = {}
        if spec.rsi is not None:
            r = ind.rsi(close, spec.rsi.period).iloc[-1]
            if r != r or (spec.rsi.min is not None and r < spec.rsi.min):
                continue
            if spec.rsi.max is not None and r > spec.rsi.max:
                continue
            matched["rsi"] = r
        if spec.macd_cross is not None:
            m = spec.macd_cross
            line, sig = ind.macd(close, m.fast, m.slow, m.signal)
            day = _cross_day(line, sig, m.direction, m.within)
            if day is None:
                continue
            matched.update(macd=line.iloc[-1], macd_signal=sig.iloc[-1], macd_cross_day=day.isoformat())
        if spec.ma_cross is not None:
            a = spec.ma_cross
            fast, slow = ind.sma(close, a.fast), ind.sma(close, a.slow)
            day = _cross_day(fast, slow, a.direction, a.within)
            if day is None:
                continue
            matched.update(ma_fast=fast.iloc[-1], ma_slow=slow.iloc[-1], ma_cross_day=day.isoformat())
        found.append((int(g.loc[last, "value"]), s.code, matched))
    found.sort(key=lambda x: (-x[0], x[1]))
    return [(code, m) for _, code, m in found[: spec.limit]]
