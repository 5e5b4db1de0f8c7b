"""The evening backtest-vs-live comparison of each bot's day (``bot-compare`` job; ``gslts bot compare``).

For every bot evaluated on the day: the day's bars of the stocks it trades (its codes; for a dynamic
universe, the stocks it traded) go through ``run_backtest`` with its strategy, parameters and fixed
stop/target (``trading.bots.compare``), and the backtest's trades are matched with the bot's orders by
stock and signal bar. The result is stored in ``bot_comparisons`` and shown on /auto.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from db.repositories import bots as repo
from db.repositories.bars import SqlBarSource
from trading.bots.compare import backtest_trades, compare
from trading.brokers.paper.broker import aggregate
from trading.config import Settings
from trading.domain import KST, Bar
from trading.krx.calendar import krx_session_bounds
from trading.timeconv import day_range
from workers.history_jobs import market_reader
from workers.schedule import JobFailed

log = logging.getLogger(__name__)


def bars_frame(bars: list[Bar]) -> pd.DataFrame:
    """Bars as the backtest's OHLCV frame (the bars' own times)."""
    return pd.DataFrame(
        [(b.open, b.high, b.low, b.close, b.volume) for b in bars],
        columns=["Open", "High", "Low", "Close", "Volume"],
        index=pd.DatetimeIndex([b.time for b in bars]),
        dtype=float,
    )


class StoredBars:
    """The bars stored in the database (the recorder's minute bars, daily history), read as the market's
    ``minute_bars(code, day, interval)`` / ``daily_bars`` when no market is running to ask."""

    def __init__(self, engine: Engine):
        self.bars = SqlBarSource(engine)

    def minute_bars(self, code: str, day: date, interval: int = 1) -> list[Bar]:
        start = datetime.combine(day, time(), KST)
        got = self.bars.minute_bars(code, start, start + timedelta(days=1))
        return aggregate(got, interval, krx_session_bounds(day)[0]) if got else []

    def daily_bars(self, code: str, start: date, end: date) -> list[Bar]:
        return self.bars.daily_bars(code, start, end)


def bars_reader(engine: Engine, settings: Settings) -> tuple[Any, Any]:
    """(reader, container to close or None): the running market's bars, else the stored ones."""
    try:
        return market_reader(settings, engine)
    except JobFailed:
        return StoredBars(engine), None


def compare_bot(engine: Engine, reader: Any, bot_id: int, day: date) -> dict[str, Any] | None:
    """Compare bot ``bot_id``'s ``day`` with the backtest on the same bars; stored and returned (None when
    the bot was not evaluated that day). ``reader``: market reads with ``minute_bars``/``daily_bars``."""
    start, end = day_range(day)
    evals = [e for e in repo.evaluations(engine, bot_id) if start <= e[0] < end]
    if not evals:
        return None
    bot = repo.get_bot(engine, bot_id)
    cfg = repo.stored_config(bot.config)
    orders = repo.orders_between(engine, bot_id, start, end)
    codes = list(cfg.universe.codes) if cfg.universe.kind == "codes" else sorted({o.code for o in orders})
    minutes = cfg.bar_minutes
    first, last = evals[0][0], evals[-1][0]
    bars: dict[str, pd.DataFrame] = {}
    for code in codes:
        if minutes:
            got = reader.minute_bars(code, day, minutes)
        else:
            got = reader.daily_bars(code, day - timedelta(days=400), day)
        frame = bars_frame(got)
        if len(frame):
            naive = frame.index.tz_localize(None) if frame.index.tz is not None else frame.index
            bars[code] = frame[naive <= last]
    trades = backtest_trades(bars, cfg.strategy, cfg.params, cfg.exits, start=first)
    trades = [t for t in trades if t["entry_signal"] < last]  # an entry at the last bar fills tomorrow
    for t in trades:
        if t["exit_signal"] is not None and t["exit_signal"] >= last:
            t["exit_signal"] = None
    live = [o for o in orders if o.bar_time is None or o.bar_time < last]
    result = {**compare(live, trades), "version": bot.version, "codes": len(bars),
              "first_bar": first.isoformat(), "last_bar": last.isoformat()}  # fmt: skip
    repo.save_comparison(engine, bot_id, day, result)
    return result


def compare_bots(engine: Engine, settings: Settings, day: date | None = None) -> str:
    """The ``bot-compare`` job: every bot evaluated on ``day`` (default: each bot's last evaluated day)."""
    reader, container = bars_reader(engine, settings)
    done, failed = 0, 0
    try:
        for bot in repo.list_bots(engine):
            evals = repo.evaluations(engine, bot.id)
            if not evals:
                continue
            when = day or evals[-1][0].date()
            try:
                if compare_bot(engine, reader, bot.id, when) is not None:
                    done += 1
            except Exception:  # noqa: BLE001 - one bot's bad day must not stop the others
                failed += 1
                log.exception("bot %s: comparison of %s failed", bot.id, when)
    finally:
        if container is not None:
            container.close()
    if failed and not done:
        raise JobFailed(f"bot compare: {failed} failed")
    return f"bot compare: {done} bot-day(s) compared, {failed} failed at {datetime.now():%H:%M}"
