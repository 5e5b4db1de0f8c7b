"""Moving averages over a panel (rows = bars, one column per stock) in compiled loops.

The same arithmetic, step for step, as pandas' ``rolling(n).mean()`` and ``ewm(..., adjust=False).mean()``
on each column alone (a Kahan-compensated sliding sum; the normalised exponential weights), so a panel
strategy decides bit for bit as on one stock's frame (``tests/trading/bots/test_decide_panel.py``), in one
call instead of one pandas call per column. Compiled once and cached on disk (numba ``cache=True``).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def rolling_mean(values: np.ndarray, window: int) -> np.ndarray:  # pragma: no cover - compiled
    """``pd.DataFrame(values).rolling(window).mean()`` (min_periods = window)."""
    rows, cols = values.shape
    out = np.empty((rows, cols))
    for c in range(cols):
        nobs, neg_ct, same, prev = 0, 0, 0, np.nan
        sum_x, comp_add, comp_remove = 0.0, 0.0, 0.0
        for i in range(rows):
            if i >= window:  # the bar leaving the window
                val = values[i - window, c]
                if not np.isnan(val):
                    nobs -= 1
                    y = -val - comp_remove
                    t = sum_x + y
                    comp_remove = t - sum_x - y
                    sum_x = t
                    if val < 0:
                        neg_ct -= 1
            val = values[i, c]
            if i == 0:
                prev = val
            if not np.isnan(val):
                nobs += 1
                y = val - comp_add
                t = sum_x + y
                comp_add = t - sum_x - y
                sum_x = t
                if val < 0:
                    neg_ct += 1
                same = same + 1 if val == prev else 1
                prev = val
            if nobs >= window and nobs > 0:
                result = sum_x / nobs
                if same >= nobs:
                    result = prev
                elif neg_ct == 0 and result < 0 or neg_ct == nobs and result > 0:
                    result = 0.0
            else:
                result = np.nan
            out[i, c] = result
    return out


@numba.njit(cache=True, nogil=True)
def ewm_mean(values: np.ndarray, com: float, min_periods: int) -> np.ndarray:  # pragma: no cover - compiled
    """``pd.DataFrame(values).ewm(com=com, adjust=False, min_periods=min_periods).mean()``."""
    rows, cols = values.shape
    out = np.empty((rows, cols))
    alpha = 1.0 / (1.0 + com)
    old_wt_factor = 1.0 - alpha
    new_wt = alpha
    for c in range(cols):
        weighted = values[0, c]
        nobs = 0 if np.isnan(weighted) else 1
        out[0, c] = weighted if nobs >= min_periods else np.nan
        old_wt = 1.0
        for j in range(1, rows):
            cur = values[j, c]
            is_obs = not np.isnan(cur)
            if is_obs:
                nobs += 1
            if not np.isnan(weighted):
                old_wt *= old_wt_factor
                if is_obs:
                    if weighted != cur:
                        weighted = old_wt * weighted + new_wt * cur
                        weighted = weighted / (old_wt + new_wt)
                    old_wt = 1.0
            elif is_obs:
                weighted = cur
            out[j, c] = weighted if nobs >= min_periods else np.nan
    return out
