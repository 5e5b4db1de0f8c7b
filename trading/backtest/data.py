"""Bar data in and out of the engine: CSV loading, tick-to-bar conversion, validation."""

from __future__ import annotations

from os import PathLike

import numpy as np
import pandas as pd

COLUMNS = ("Open", "High", "Low", "Close", "Volume")


def read_csv_bars(path: str | PathLike[str]) -> pd.DataFrame:
    """Read a CSV of Date,Open,High,Low,Close,Volume (any column case; Volume optional) into a
    DataFrame indexed by a sorted DatetimeIndex named ``Date``."""
    raw = pd.read_csv(path)
    by_lower = {str(c).strip().lower(): c for c in raw.columns}
    date_col = next((by_lower[k] for k in ("date", "datetime", "time", "timestamp") if k in by_lower), None)
    if date_col is None:
        date_col = raw.columns[0]
    frame = pd.DataFrame(index=pd.DatetimeIndex(pd.to_datetime(raw[date_col]), name="Date"))
    for col in COLUMNS:
        src = by_lower.get(col.lower())
        if src is None:
            if col == "Volume":
                frame[col] = 0.0
                continue
            raise ValueError(f"{path}: missing column {col}")
        frame[col] = pd.to_numeric(raw[src], errors="raise").to_numpy(dtype=float)
    return frame.sort_index(kind="stable")


def ticks_to_bars(ticks: pd.DataFrame, price: str = "price", volume: str = "volume") -> pd.DataFrame:
    """Recorded trades (one row per tick, DatetimeIndex or a ``time`` column) as bars with
    Open = High = Low = Close = price, so the engine can replay them."""
    index = ticks.index if isinstance(ticks.index, pd.DatetimeIndex) else pd.DatetimeIndex(ticks["time"])
    px = ticks[price].to_numpy(dtype=float)
    vol = ticks[volume].to_numpy(dtype=float) if volume in ticks else np.zeros(len(ticks))
    bars = pd.DataFrame({"Open": px, "High": px, "Low": px, "Close": px, "Volume": vol}, index=index)
    return bars.sort_index(kind="stable")


def check_bars(code: str, data: pd.DataFrame, whole_won: bool) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """(validated shallow copy, float arrays Open/High/Low/Close): a sorted DatetimeIndex, no NaN
    prices, Volume present. ``whole_won`` (KRX data): prices must be whole won.
    """
    if not isinstance(data.index, pd.DatetimeIndex):
        raise ValueError(f"{code}: data needs a DatetimeIndex")
    missing = [c for c in COLUMNS[:4] if c not in data.columns]
    if missing:
        raise ValueError(f"{code}: missing columns {missing}")
    frame = data.copy(deep=False)
    if "Volume" not in frame.columns:
        frame["Volume"] = 0.0
    if not frame.index.is_monotonic_increasing:
        frame = frame.sort_index(kind="stable")
    cols = {c: frame[c].to_numpy(dtype=float) for c in COLUMNS[:4]}
    nan_rows = np.zeros(len(frame), bool)
    for arr in cols.values():
        nan_rows |= np.isnan(arr)
    if nan_rows.any():
        frame = frame[~nan_rows]
        cols = {c: a[~nan_rows] for c, a in cols.items()}
    for arr in cols.values():
        if (arr <= 0).any():
            raise ValueError(f"{code}: prices must be > 0")
        if whole_won and not np.array_equal(arr, np.round(arr)):
            raise ValueError(f"{code}: KRX prices must be whole won")
    frame.attrs = dict(data.attrs)
    return frame, cols
