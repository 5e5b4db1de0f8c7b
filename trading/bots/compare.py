"""Backtest vs live: replay a day's bars through ``run_backtest`` with the bot's strategy, parameters and
fixed stop/target, and compare trade by trade with what the bot did — signal time, fill price, slippage,
missed and extra trades.

The backtest fills a signal at the next bar's open; the bot's market order goes in at the signal bar's
close, so its fill should be near that open. Both sides are keyed by the bar whose close decided.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd

from trading.backtest import run_backtest
from trading.bots.config import Exits
from trading.bots.store import BotOrder
from trading.domain import Market
from trading.strategies.base import Strategy
from trading.strategies.registry import get_strategy


class WithExits(Strategy):
    """A strategy with the bot's fixed stop-loss and take-profit added to its entries (the backtest models
    those intrabar; trailing and 이익보존 are live-only and reported as such)."""

    def __init__(self, inner: Strategy, exits: Exits):
        self.inner = inner
        self.exits = exits
        self.name = inner.name  # type: ignore[misc]
        self.params = inner.params  # type: ignore[misc]
        self.fill = inner.fill  # type: ignore[misc]

    def signals(self, data: pd.DataFrame, **params: Any) -> pd.DataFrame:
        out = self.inner.signals(data, **params)
        frame = out.to_frame("target") if isinstance(out, pd.Series) else out.copy()
        if self.exits.stop_loss_pct is not None and "sl" not in frame:
            frame["sl"] = self.exits.stop_loss_pct / 100.0
        if self.exits.take_profit_pct is not None and "tp" not in frame:
            frame["tp"] = self.exits.take_profit_pct / 100.0
        return frame


def _naive(t: Any) -> datetime:
    ts = pd.Timestamp(t)
    return (ts.tz_convert("Asia/Seoul").tz_localize(None) if ts.tzinfo else ts).to_pydatetime()


def backtest_trades(bars: Mapping[str, pd.DataFrame], strategy: str, params: Mapping[str, Any], exits: Exits,
                    markets: Mapping[str, Market] | None = None, start: Any = None) -> list[dict[str, Any]]:  # fmt: skip
    """The backtest's trades on ``bars`` (code → OHLCV), one symbol at a time (the bot's sizing does not
    change when it trades): code, signal bar of the entry and of the exit, fill prices."""
    strat = WithExits(get_strategy(strategy), exits)
    first = _naive(start) if start is not None else None
    out: list[dict[str, Any]] = []
    for code, df in bars.items():
        if len(df) < 2:
            continue
        # the backtest takes a level at ``start``; a bot started mid-trend waits for the next crossing
        level = first is not None and _level_at_start(strat, params, df, first)
        continue_from = first if level else None
        res = run_backtest({code: df}, strat, params, markets={code: (markets or {}).get(code, Market.KOSPI)},
                           fill="next_open", cash=10**12, sizing="fixed:1000000", start=start, end="close")  # fmt: skip
        index = [_naive(t) for t in df.index]
        pos = {t: i for i, t in enumerate(index)}
        target = strat.run_signals(df, params)["target"].to_numpy()
        mine: list[dict[str, Any]] = []
        for row in res.trades.itertuples(index=False):
            entry, exit_ = _naive(row.entry_time), _naive(row.exit_time)
            i, j = pos.get(entry), pos.get(exit_)
            if continue_from is not None and index[i - 1 if i else 0] <= continue_from:
                continue
            mine.append({
                "code": code,
                "entry_signal": index[i - 1] if i else entry,
                "exit_signal": index[j - 1] if j else None,
                "exit_fill": j,
                # a signal exit fills at the bar's open; a stop or target intrabar at its level
                "exit_kind": "signal" if j is not None and float(row.exit_price) == float(df["Open"].iloc[j]) else "stop",
                "entry_price": float(row.entry_price),
                "exit_price": float(row.exit_price),
            })  # fmt: skip
        for t in _merge_reentries(mine):
            t["exit_signal"] = _exit_signal(index, target, t.pop("exit_fill"))
            out.append(t)
    return out


def _exit_signal(index: list[datetime], target: Any, j: int | None) -> datetime | None:
    """The bar whose close decided the exit filled at bar ``j``; None when the position was still wanted
    on the last bar (closed only because the data ended)."""
    if not j:
        return None
    if j == len(index) - 1 and int(target[j - 1]) == 1:
        return None
    return index[j - 1]


def _merge_reentries(trades: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A strategy's entry flag while already long makes the backtest close and re-open at the same bar;
    the bot keeps the position instead (same exposure, no second round of costs), so such a pair of trades
    is one trade here."""
    out: list[dict[str, Any]] = []
    for t in trades:
        prev = out[-1] if out else None
        if prev is not None and prev["code"] == t["code"] and prev["exit_signal"] == t["entry_signal"]:
            prev["exit_signal"], prev["exit_price"], prev["exit_fill"] = (
                t["exit_signal"],
                t["exit_price"],
                t["exit_fill"],
            )
        else:
            out.append(dict(t))
    return out


def _level_at_start(strat: Strategy, params: Mapping[str, Any], df: pd.DataFrame, first: datetime) -> bool:
    """The target was already long on the bar before ``first`` (a running trend, not a crossing)."""
    target = strat.run_signals(df, params)["target"]
    before = [i for i, t in enumerate(df.index) if _naive(t) < first]
    return bool(before) and int(target.iloc[before[-1]]) == 1


def compare(live: Sequence[BotOrder], trades: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Match the bot's filled entries and bar-decided exits with the backtest's, by (code, signal bar).

    Returns counts (matched, missed: the backtest traded and the bot did not, extra: the reverse), the
    average entry slippage in won and in basis points (bot fill − backtest fill, buys), and the rows."""
    bot_entries = {(o.code, _naive(o.bar_time)): o for o in live
                   if o.side == "buy" and o.bar_time is not None and o.filled_qty > 0}  # fmt: skip
    bt_entries = {(t["code"], t["entry_signal"]): t for t in trades}
    rows: list[dict[str, Any]] = []
    slips: list[tuple[float, float]] = []
    for key in sorted(set(bot_entries) | set(bt_entries)):
        o, t = bot_entries.get(key), bt_entries.get(key)
        fill = o.filled_amount / o.filled_qty if o is not None else None
        row = {"code": key[0], "signal": key[1].isoformat(), "bot_price": round(fill) if fill else None,
               "backtest_price": t["entry_price"] if t else None,
               "status": "matched" if o and t else "missed" if t else "extra"}  # fmt: skip
        if o is not None and t is not None and t["entry_price"]:
            slip = fill - t["entry_price"]
            slips.append((slip, slip / t["entry_price"] * 10_000))
            row["slippage"] = round(slip)
        rows.append(row)
    live_exits = {(o.code, _naive(o.bar_time)) for o in live
                  if o.side == "sell" and o.bar_time is not None and o.purpose in ("signal", "time")}  # fmt: skip
    bt_exits = {(t["code"], t["exit_signal"]) for t in trades
                if t["exit_signal"] is not None and t.get("exit_kind", "signal") == "signal"}  # fmt: skip
    stops = sum(1 for o in live if o.side == "sell" and o.purpose not in ("signal", "time"))
    return {
        "matched": sum(r["status"] == "matched" for r in rows),
        "missed": sum(r["status"] == "missed" for r in rows),
        "extra": sum(r["status"] == "extra" for r in rows),
        "exits_matched": len(live_exits & bt_exits),
        "exits_missed": len(bt_exits - live_exits),
        "exits_extra": len(live_exits - bt_exits),
        "live_stop_exits": stops,
        "backtest_stop_exits": sum(1 for t in trades if t.get("exit_kind") == "stop"),
        "avg_slippage_won": round(sum(s for s, _ in slips) / len(slips), 1) if slips else None,
        "avg_slippage_bps": round(sum(b for _, b in slips) / len(slips), 1) if slips else None,
        "trades": rows[:500],
    }
