"""The invariants ``bench/chaos.py`` checks after its run (bench-only queries, read-only)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from trading.market.state import MarketState
from trading.market.stocks import load_listing


def newest_tick(engine: Engine) -> datetime | None:
    with engine.connect() as conn:
        return conn.execute(text("SELECT MAX(tick_time) FROM tick_data")).scalar()


def tick_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM tick_data")).scalar() or 0)


def tick_invariants(engine: Engine, data_dir: Path) -> dict[str, Any]:
    """Ticks the market made (its saved state's per-stock sequence numbers) against ``tick_data``."""
    saved = MarketState(data_dir / "market").load()
    if saved is None:
        raise RuntimeError("the market left no saved state to compare with")
    codes = [s.code for s in load_listing()]
    made = dict(zip(codes, (int(x) for x in saved.sim.arrays["seq"]), strict=True))
    day = saved.sim.day
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT stock_code, COUNT(*), COUNT(DISTINCT seq), MAX(seq) FROM tick_data "
                "WHERE tick_time >= :a AND tick_time < :b GROUP BY stock_code"
            ),
            {
                "a": datetime(day.year, day.month, day.day),
                "b": datetime(day.year, day.month, day.day, 23, 59),
            },
        ).all()
    stored = {r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in rows}
    lost = dup = beyond = 0
    for code, n_made in made.items():
        n, distinct, top = stored.get(code, (0, 0, 0))
        lost += max(0, n_made - distinct)
        dup += n - distinct
        beyond += max(0, top - n_made)  # a tick the market says it never made (a second series)
    return {
        "ticks_made": sum(made.values()),
        "ticks_stored": sum(v[1] for v in stored.values()),
        "ticks_lost": lost,
        "ticks_duplicated": dup + beyond,
        "session_day": str(day),
    }


def order_invariants(engine: Engine, outcomes: Any, owner_orders: list[Any]) -> dict[str, int]:
    """Fills and order ids: the database against itself, against the market's own view and against what
    the order driver was told."""
    with engine.connect() as conn:
        orders = {
            r[0]: (r[1], int(r[2]), r[3])
            for r in conn.execute(
                text("SELECT order_id, client_order_id, filled_qty, account_id FROM orders")
            )
        }
        fill_qty: dict[str, int] = defaultdict(int)
        held: dict[tuple[int, str], int] = defaultdict(int)
        for order_id, account_id, code, side, qty in conn.execute(
            text("SELECT order_id, account_id, code, side, qty FROM fills")
        ):
            fill_qty[order_id] += int(qty)
            held[(account_id, code)] += int(qty) if side == "buy" else -int(qty)
        positions = {
            (r[0], r[1]): int(r[2]) for r in conn.execute(text("SELECT account_id, code, qty FROM positions"))
        }
    lost = 0
    for order_id, (_client, filled, _acct) in orders.items():
        lost += abs(filled - fill_qty.get(order_id, 0))  # an order's fills missing (or extra)
    for o in owner_orders:  # what the market had matched (fills only grow) against what the database kept
        row = orders.get(o.order_id)
        lost += o.filled_qty if row is None else max(0, o.filled_qty - row[1])
    for key in set(held) | set(positions):
        lost += abs(held.get(key, 0) - positions.get(key, 0))
    collisions = 0
    seen: dict[str, str] = {}
    for client_id, order_id in outcomes.accepted.items():
        other = seen.setdefault(order_id, client_id)
        row = orders.get(order_id)
        if other != client_id or (row is not None and row[0] not in (None, client_id)):
            collisions += 1
    missing = sum(1 for order_id in outcomes.accepted.values() if order_id not in orders)
    unresolved = len(outcomes.unknown - set(outcomes.accepted) - set(outcomes.rejected) - outcomes.not_placed)
    return {
        "orders_accepted": len(outcomes.accepted),
        "orders_rejected": len(outcomes.rejected),
        "orders_not_placed": len(outcomes.not_placed),  # refused before the gateway took them (an outage)
        "orders_unresolved": unresolved,
        "orders_missing_in_db": missing,
        "fills_stored": sum(fill_qty.values()),
        "fills_lost": lost,
        "order_id_collisions": collisions,
    }


def stuck_runs(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT COUNT(*) FROM backtest_runs WHERE status IN ('queued', 'running', 'cancelling')")
            ).scalar()
            or 0
        )


def check_all(engine: Engine, data_dir: Path, outcomes: Any, owner_orders: list[Any], settings: Any) -> dict:
    figures: dict[str, Any] = {}
    figures.update(tick_invariants(engine, data_dir))
    figures.update(order_invariants(engine, outcomes, owner_orders))
    day = datetime.fromisoformat(figures["session_day"]).date()
    try:  # TEMP until the recorder branch lands
        from db.repositories.minute_bars import minute_bar_mismatches  # type: ignore[import-not-found]

        figures["minute_bar_mismatch"] = minute_bar_mismatches(engine, day)
    except ImportError:
        figures["minute_bar_mismatch"] = "n/a"
    figures["stuck_runs"] = stuck_runs(engine)
    return figures
