"""Automatic-trading benchmark: 20 bots × 50 stocks on the paper market (issue 15).

A real account owner (``services.owner.start_owner``: the simulated KRX market, the order gateway, the
bot runner) on a fresh database (SQLite by default, or ``--database-url``), the demo clock at
``--speed`` (≥ 60: a 1-minute bar closes every second). Twenty bots (ma_cross, macd and rsi with
different parameters; a 0.4 % stop-loss, a take-profit and a trailing stop so exits fire on ticks) each
trade their own 50 stocks of the 거래대금 TOP 1000 on 1-minute bars for ``--seconds``.

  bar_close_to_order_p95_ms     the market step that closed a bar → the gateway accepted the bot's order
  stop_trigger_to_order_p95_ms  the tick that crossed an exit level reached the runner → the order accepted
  duplicate_orders              client order ids sent twice, plus entries of one bot, stock and bar twice
  evaluations_missed            closed 1-minute bars (per bot, between its first and last evaluation) with
                                no evaluation
  cpu_per_bot_ms                the runner thread's CPU per bot and bar (signals for 50 stocks)

Prints, last: those five, then orders, evaluations, bots, stocks.

    python bench/auto.py [--seconds 90] [--speed 60] [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.engine import make_engine  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.repositories import bots as repo  # noqa: E402
from db.repositories.accounts import ensure_paper_account, set_limits  # noqa: E402
from db.repositories.users import add_user  # noqa: E402
from db.seed import seed  # noqa: E402
from services import bot_admin  # noqa: E402
from services.owner import start_owner  # noqa: E402
from services.ownership import FileLease  # noqa: E402
from trading.config import load_settings  # noqa: E402
from trading.orders.naming import owner_scope  # noqa: E402

BOTS, STOCKS = 20, 50
STRATEGIES = [
    ("ma_cross", {"fast": 2, "slow": 5}), ("ma_cross", {"fast": 3, "slow": 8}), ("ma_cross", {"fast": 5, "slow": 13}),
    ("ma_cross", {"fast": 2, "slow": 10}), ("macd", {"fast": 5, "slow": 13, "signal": 4}),
    ("macd", {"fast": 6, "slow": 15, "signal": 5}), ("rsi", {"period": 6, "lower": 40, "upper": 60}),
    ("rsi", {"period": 8, "lower": 35, "upper": 65}),
]  # fmt: skip


def p95(values: list[float]) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=90.0)
    ap.add_argument("--speed", type=float, default=60.0)
    ap.add_argument("--database-url")
    ap.add_argument("--bots", type=int, default=BOTS)
    ap.add_argument("--stocks", type=int, default=STOCKS, help="stocks per bot")
    args = ap.parse_args()
    n_bots, n_stocks = args.bots, args.stocks
    tmp = Path(tempfile.mkdtemp(prefix="gslts-auto-"))
    url = args.database_url or f"sqlite:///{tmp / 'auto.db'}"
    upgrade(url)
    engine = make_engine(url)
    seed(engine)
    add_user(engine, "bench", "bench-password-1", "admin")
    settings = load_settings(database_url=url, data_dir=tmp / "data", redis_url=None, market_speed=args.speed,
                             secret_key="bench-secret", paper_initial_cash=10**11)  # fmt: skip
    account = ensure_paper_account(engine, 1, settings.paper_initial_cash)
    set_limits(engine, account, max_order_qty=10**7, max_order_amount=10**12, max_orders_per_minute=100_000)
    lease = FileLease(settings.data_dir, owner_scope(settings), engine).acquire()
    owner = start_owner(settings, lease.engine, lease)
    try:
        top = [r.code for r in owner.reader(None).ranking(n_bots * n_stocks)]
        ids = []
        for i in range(n_bots):
            name, params = STRATEGIES[i % len(STRATEGIES)]
            raw = {"name": f"bench {i}", "strategy": name, "params": params, "timeframe": "1m",
                   "universe": {"kind": "codes", "codes": top[i * n_stocks:(i + 1) * n_stocks]},
                   "sizing": {"kind": "fixed", "value": 2_000_000},
                   "exits": {"stop_loss_pct": 0.4, "take_profit_pct": 0.8, "trailing_pct": 0.5},
                   "limits": {"max_positions": 20}}  # fmt: skip
            ids.append(bot_admin.create(engine, settings, "bench", raw))
        for bot_id in ids:
            bot_admin.set_status(engine, "bench", bot_id, "start")
        print(f"{n_bots} bots × {n_stocks} stocks, speed {args.speed:g}, {args.seconds:g} s …", flush=True)
        time.sleep(args.seconds)
        for bot_id in ids:
            bot_admin.set_status(engine, "bench", bot_id, "stop")
        time.sleep(3)
        stats = owner.bots.stats
        orders = [o for b in ids for o in repo.bot_orders(engine, b, 100_000)]
        sent = Counter(o.client_order_id for o in orders)
        entries = Counter((o.bot_id, o.code, o.bar_time) for o in orders if o.side == "buy")
        broker = Counter(o.client_order_id for o in owner.reader(account).orders() if o.client_order_id)
        duplicates = sum(n - 1 for n in sent.values() if n > 1) + sum(
            n - 1 for n in entries.values() if n > 1
        )
        duplicates += sum(n - 1 for n in broker.values() if n > 1)
        missed = 0
        evaluations = 0
        for bot_id in ids:
            times = [t for t, *_ in repo.evaluations(engine, bot_id)]
            evaluations += len(times)
            if times:
                expected = int((times[-1] - times[0]) / timedelta(minutes=1)) + 1
                missed += expected - len(set(times))
        cpu = [ms for ms in stats.eval_cpu_ms.values()]
        cpu_per_bot = sum(cpu) / max(evaluations, 1)
        print(f"bars skipped in a pulse: {stats.bars_skipped}; claims lost: {stats.claims_lost}")
        print(f"bar→order n={len(stats.bar_to_order_ms)} p50={median(stats.bar_to_order_ms):.1f}; "
              f"stop→order n={len(stats.stop_to_order_ms)} p50={median(stats.stop_to_order_ms):.1f}")  # fmt: skip
        print(f"bar_close_to_order_p95_ms={p95(list(stats.bar_to_order_ms)):.1f}")
        print(f"stop_trigger_to_order_p95_ms={p95(list(stats.stop_to_order_ms)):.1f}")
        print(f"duplicate_orders={duplicates}")
        print(f"evaluations_missed={missed}")
        print(f"cpu_per_bot_ms={cpu_per_bot:.2f}")
        print(f"orders={len(orders)}")
        print(f"evaluations={evaluations}")
        print(f"bots={n_bots}")
        print(f"stocks={n_bots * n_stocks}")
    finally:
        owner.close()


def median(values) -> float:  # noqa: ANN001 - a deque of floats
    vals = list(values)
    return statistics.median(vals) if vals else float("nan")


if __name__ == "__main__":
    main()
