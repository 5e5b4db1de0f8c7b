"""Numbers as the /backtest page shows them: periods and statistics (money words, percentages and the
up/down classes come from ``trading.krx.fmt`` and ``app.components.style``). Amounts are integer won.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.text import t
from trading.krx.fmt import pct, won


def period_label(start: date, end: date, lang: str) -> str:
    """ "1년", "6개월", "45일" for the span from ``start`` to ``end``."""
    days = (end - start).days + 1
    months = round(days / 30.44)
    if months >= 12 and months % 12 in (0, 1, 11):
        unit, n = "years", round(months / 12)
    elif months >= 1:
        unit, n = "months", months
    else:
        unit, n = "days", days
    return t(f"backtest.{unit}", lang, n=n, s="" if n == 1 else "s")


def stat_text(key: str, x: Any) -> str:
    """A statistic of the results by its key: counts, won, ratios or percentages."""
    if x is None:
        return "-"
    if key == "trades":
        return f"{int(x):,}"
    if key == "final_equity":
        return won(int(round(x)))
    if key == "sharpe":
        return f"{x:.2f}"
    if key == "win_rate_pct":
        return f"{x:.1f}%"
    return pct(x)
