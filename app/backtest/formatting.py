"""Numbers as the /backtest page shows them: signed colour classes, won in words, periods, stats.

Red = up/positive, blue = down/negative (the ``text-up`` / ``text-down`` classes). Amounts are
integer won.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.text_backtest import tb
from trading.krx.fmt import pct, won


def signed_cls(x: float | None) -> str:
    """The colour class of a signed number ("" for none)."""
    if x is None:
        return ""
    return "text-up" if x > 0 else "text-down" if x < 0 else "text-flat"


def won_words(amount: int, lang: str) -> str:
    """Readable money: "1억 2,345만원" / "KRW 123,450,000" (Korean drops the part below 만원)."""
    if lang == "en":
        return f"KRW {amount:,}"
    sign, a = ("-" if amount < 0 else ""), abs(int(amount))
    eok, man = divmod(a // 10_000, 10_000)
    if eok and man:
        return f"{sign}{eok:,}억 {man:,}만원"
    if eok:
        return f"{sign}{eok:,}억원"
    if man:
        return f"{sign}{man:,}만원"
    return f"{sign}{a:,}원"


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
    return tb(unit, lang, n=n, s="" if n == 1 else "s")


def pct_or_dash(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else pct(x, digits)


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
