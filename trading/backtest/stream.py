"""Per-symbol row arrays merged into one time-ordered stream (all symbols share the cash)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Stream:
    """The merged rows of every symbol, grouped by timestamp."""

    times: np.ndarray  # int64 ns per row
    symbol: np.ndarray  # int32 symbol index per row
    columns: dict[str, np.ndarray]  # the per-symbol columns, merged
    group_start: np.ndarray  # row offsets of timestamp groups, len G + 1
    aligned: bool = False  # every symbol has the same (unique) index: groups = the first index

    @property
    def n_groups(self) -> int:
        return len(self.group_start) - 1

    def group_times(self) -> np.ndarray:
        """int64 ns of each timestamp group."""
        return self.times[self.group_start[:-1]]

    def row_times(self, rows: np.ndarray, tz: object) -> pd.DatetimeIndex:
        """The timestamps of ``rows`` in the data's time zone (naive data stays naive)."""
        out = pd.DatetimeIndex(pd.to_datetime(self.times[rows], unit="ns", utc=tz is not None))
        return out.tz_convert(tz) if tz is not None else out


def merge(per_symbol: list[dict[str, np.ndarray]], times: list[np.ndarray]) -> Stream:
    """One stream from each symbol's columns and int64 ns times (sorted per symbol)."""
    if len(per_symbol) == 1:
        n = len(times[0])
        if n < 2 or bool(np.all(np.diff(times[0]) > 0)):
            return Stream(
                times[0], np.zeros(n, np.int32), per_symbol[0], np.arange(n + 1, dtype=np.int64), True
            )
    if _same_unique_times(times):
        return _interleave(per_symbol, times[0])
    return _sort_merge(per_symbol, times)


def _same_unique_times(times: list[np.ndarray]) -> bool:
    first = times[0]
    same = all(len(t) == len(first) and np.array_equal(t, first) for t in times[1:])
    return same and bool(np.all(np.diff(first) > 0))


def _interleave(per_symbol: list[dict[str, np.ndarray]], times: np.ndarray) -> Stream:
    """Aligned bars: time-major interleave, no sort needed."""
    n_sym, n = len(per_symbol), len(times)
    columns = {k: np.stack([d[k] for d in per_symbol], axis=1).reshape(-1) for k in per_symbol[0]}
    return Stream(
        np.repeat(times, n_sym),
        np.tile(np.arange(n_sym, dtype=np.int32), n),
        columns,
        np.arange(0, n * n_sym + 1, n_sym, dtype=np.int64),
        True,
    )


def _sort_merge(per_symbol: list[dict[str, np.ndarray]], times: list[np.ndarray]) -> Stream:
    """Any bars: a stable sort by time (symbol order within a timestamp)."""
    all_times = np.concatenate(times)
    order = np.argsort(all_times, kind="stable")
    symbol = np.concatenate([np.full(len(t), i, np.int32) for i, t in enumerate(times)])[order]
    columns = {k: np.concatenate([d[k] for d in per_symbol])[order] for k in per_symbol[0]}
    st = all_times[order]
    if len(st):
        starts = np.flatnonzero(np.diff(st)) + 1
        group_start = np.concatenate([[0], starts, [len(st)]]).astype(np.int64)
    else:
        group_start = np.zeros(1, np.int64)
    return Stream(st, symbol, columns, group_start)
