"""Bars from live ticks: a builder per timeframe (fed from the feed's thread) and the closed-bar history
the runner evaluates (its own thread)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from trading.domain import Bar, Tick
from trading.timeconv import naive_kst

COLUMNS = ["Open", "High", "Low", "Close", "Volume"]


def bucket_start(t: datetime, minutes: int) -> datetime:
    """The start of the ``minutes`` bar holding ``t`` (bars are aligned to midnight, so to 09:00 too)."""
    m = (t.hour * 60 + t.minute) // minutes * minutes
    return t.replace(hour=m // 60, minute=m % 60, second=0, microsecond=0)


@dataclass(slots=True)
class _Forming:
    start: datetime
    open: int
    high: int
    low: int
    close: int
    volume: int
    value: int

    def bar(self, code: str) -> Bar:
        return Bar(code, self.start, self.open, self.high, self.low, self.close, self.volume, self.value)


class BarBuilder:
    """Ticks → bars of ``minutes``. ``close_until(now)`` hands over every bar whose end is at or before
    ``now``; a tick of a later bar closes the one before it. Thread-safe."""

    def __init__(self, minutes: int):
        self.minutes = minutes
        self.span = timedelta(minutes=minutes)
        self._forming: dict[str, _Forming] = {}
        self._closed: list[Bar] = []
        self._lock = threading.Lock()

    def add(self, tick: Tick) -> None:
        start = bucket_start(tick.time, self.minutes)
        with self._lock:
            f = self._forming.get(tick.code)
            if f is not None and start > f.start:
                self._closed.append(f.bar(tick.code))
                f = None
            if f is None:
                self._forming[tick.code] = _Forming(start, tick.price, tick.price, tick.price, tick.price,
                                                    tick.volume, tick.price * tick.volume)  # fmt: skip
            elif start == f.start:
                f.high = max(f.high, tick.price)
                f.low = min(f.low, tick.price)
                f.close = tick.price
                f.volume += tick.volume
                f.value += tick.price * tick.volume

    def close_until(self, now: datetime) -> list[Bar]:
        """Closed bars (by time) whose end is at or before ``now``."""
        with self._lock:
            done = [code for code, f in self._forming.items() if f.start + self.span <= now]
            # a bar a later tick closed waits for the time too, so a period's bars all come out together
            early = [b for b in self._closed if b.time + self.span <= now]
            self._closed = [b for b in self._closed if b.time + self.span > now]
            out = early + [self._forming.pop(code).bar(code) for code in done]
        return sorted(out, key=lambda b: b.time)

    def prime(self, bar: Bar) -> None:
        """Start from the market's own bar still forming (what happened before the ticks were watched);
        ticks already added to it keep their close."""
        with self._lock:
            f = self._forming.get(bar.code)
            if f is None:
                self._forming[bar.code] = _Forming(bar.time, bar.open, bar.high, bar.low, bar.close, bar.volume,
                                                   bar.value)  # fmt: skip
            elif f.start == bar.time:
                f.open, f.high, f.low = bar.open, max(f.high, bar.high), min(f.low, bar.low)
                f.volume, f.value = max(f.volume, bar.volume), max(f.value, bar.value)

    def forget(self, codes: set[str]) -> None:
        with self._lock:
            for code in list(self._forming):
                if code not in codes:
                    del self._forming[code]


class _Series:
    """One stock's closed bars as arrays (a buffer of twice the lookback, compacted when full)."""

    __slots__ = ("values", "times", "n", "last")

    def __init__(self, lookback: int):
        self.values = np.empty((2 * lookback, 5), dtype=float)
        self.times = np.empty(2 * lookback, dtype="datetime64[ns]")
        self.n = 0
        self.last: Bar | None = None

    def append(self, bar: Bar, lookback: int) -> None:
        if self.n == len(self.times):
            keep = lookback - 1
            self.values[:keep] = self.values[self.n - keep : self.n]
            self.times[:keep] = self.times[self.n - keep : self.n]
            self.n = keep
        self.values[self.n] = (bar.open, bar.high, bar.low, bar.close, bar.volume)
        self.times[self.n] = np.datetime64(naive_kst(bar.time), "ns")  # naive KST, as the tables
        self.n += 1
        self.last = bar


class BarHistory:
    """The last ``lookback`` closed bars per code, and the DataFrame the strategy sees (naive KST times, as
    the backtest reads them from the tables; built once per bar, shared by every bot trading the code)."""

    def __init__(self, lookback: int = 300):
        self.lookback = lookback
        self._series: dict[str, _Series] = {}
        self._frames: dict[str, tuple[datetime, pd.DataFrame]] = {}

    def seed(self, code: str, bars: list[Bar]) -> None:
        series = _Series(self.lookback)
        for b in sorted(bars, key=lambda b: b.time)[-self.lookback :]:
            series.append(b, self.lookback)
        self._series[code] = series
        self._frames.pop(code, None)

    def has(self, code: str) -> bool:
        return code in self._series

    def append(self, bar: Bar) -> None:
        series = self._series.get(bar.code)
        if series is None:
            series = self._series[bar.code] = _Series(self.lookback)
        if series.last is not None and series.last.time >= bar.time:
            return  # seeded already (history read after the bar closed)
        series.append(bar, self.lookback)

    def last(self, code: str) -> Bar | None:
        series = self._series.get(code)
        return series.last if series is not None else None

    def frame(self, code: str) -> pd.DataFrame | None:
        series = self._series.get(code)
        if series is None or series.last is None:
            return None
        cached = self._frames.get(code)
        if cached is not None and cached[0] == series.last.time:
            return cached[1]
        lo, hi = max(0, series.n - self.lookback), series.n
        v = series.values[lo:hi]
        df = pd.DataFrame(
            {c: v[:, j] for j, c in enumerate(COLUMNS)}, index=pd.DatetimeIndex(series.times[lo:hi])
        )
        df.attrs["code"] = code
        self._frames[code] = (series.last.time, df)
        return df

    def wide(self, codes: list[str]) -> tuple[pd.DataFrame, dict[str, int]]:
        """A panel strategy's frame for ``codes`` (those with bars): columns (field, code), each stock's
        last bars at the bottom (NaN above a shorter history), and how many bars each has."""
        series = [(c, s) for c in codes if (s := self._series.get(c)) is not None and s.n]
        lengths = {c: min(s.n, self.lookback) for c, s in series}
        rows = max(lengths.values(), default=0)
        cube = np.full((rows, len(COLUMNS), len(series)), np.nan)
        for j, (c, s) in enumerate(series):
            m = lengths[c]
            cube[rows - m :, :, j] = s.values[s.n - m : s.n]
        columns = pd.MultiIndex.from_product([list(COLUMNS), list(lengths)])
        return pd.DataFrame(cube.reshape(rows, -1), columns=columns, copy=False), lengths

    def drop(self, keep: set[str]) -> None:
        for code in list(self._series):
            if code not in keep:
                del self._series[code]
                self._frames.pop(code, None)
