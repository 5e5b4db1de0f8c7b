"""Numbers that explain themselves: one line per backtest statistic — what it means, and a judgement
(e.g. "최악의 순간에 자산이 1/3 줄었습니다"). Thresholds are rules of thumb for beginners, stated in the glossary."""

from __future__ import annotations

import math
from typing import Any

from app.text import t
from trading.krx.fmt import pct, won_words

FEW_TRADES = 30  # below this a result may be luck


def _ok(x: Any) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)


def fraction_words(loss_pct: float, lang: str) -> str:
    """A loss as a plain fraction where one fits (33% → "1/3", 50% → "절반"), else the percentage."""
    share = abs(loss_pct) / 100
    if 0.45 <= share <= 0.55:
        return "절반" if lang == "ko" else "half"
    for k in (2, 3, 4, 5, 10):
        if abs(share - 1 / k) <= 0.015:
            return f"1/{k}"
    return f"{abs(loss_pct):.1f}%"


def explain(key: str, stats: dict[str, Any], lang: str) -> str:
    """The line under statistic ``key`` ('' when it has none or the value is missing)."""
    x = stats.get(key)
    if key == "total_return_pct" and _ok(x):
        end = won_words(int(round(1_000_000 * (1 + x / 100))), lang)
        return t(
            "backtest.why.total_return_up" if x >= 0 else "backtest.why.total_return_down", lang, end=end
        )
    if key == "cagr_pct" and _ok(x):
        level = "high" if x >= 15 else "mid" if x >= 5 else "low" if x >= 0 else "loss"
        return t("backtest.why.cagr", lang, x=pct(x, 1), judge=t(f"backtest.judge.cagr_{level}", lang))
    if key == "max_drawdown_pct" and _ok(x):
        if x > -0.05:
            return t("backtest.why.mdd_none", lang)
        level = "small" if x > -10 else "mid" if x > -25 else "large"
        return t(
            "backtest.why.mdd",
            lang,
            part=fraction_words(x, lang),
            judge=t(f"backtest.judge.mdd_{level}", lang),
        )
    if key == "benchmark_return_pct" and _ok(x) and _ok(stats.get("total_return_pct")):
        diff = stats["total_return_pct"] - x
        better = t("backtest.judge.better" if diff >= 0 else "backtest.judge.worse", lang)
        return t("backtest.why.bench", lang, x=pct(x, 1), diff=f"{abs(diff):.1f}%p", better=better)
    if key == "sharpe" and _ok(x):
        level = "neg" if x < 0 else "low" if x < 1 else "good" if x < 2 else "great"
        return t("backtest.why.sharpe", lang, judge=t(f"backtest.judge.sharpe_{level}", lang))
    if key == "win_rate_pct" and _ok(x):
        return t("backtest.why.win_rate", lang, n=int(round(x)))
    if key == "trades":
        n = int(x or 0)
        return (
            t("backtest.why.trades_few", lang, n=n) if n < FEW_TRADES else t("backtest.why.trades_ok", lang)
        )
    if key in ("final_equity", "costs", "efficiency"):
        return t(f"backtest.why.{key}", lang)
    return ""
