"""Alert delivery benchmark (issue 16): a market order on the paper market → its fill's webhook delivery.

A real account owner (``services.owner.start_owner``: the simulated market, the order gateway, the paper
store writing the outbox row with the fill) on a fresh SQLite database (or ``--database-url``), the alerts
dispatcher (``services.alerts.dispatcher``) in the same process as in ``gslts run``, and a local webhook
receiver (``tests/fakes/fake_alerts.py``) that checks the HMAC signature and dedupes on the delivery id.
Orders go one every ``--spacing`` seconds (isolated fills: the latency, not the coalescing, is measured),
timed from the gateway call to the receiver's arrival (so the wait for the market step that fills it is
included).

Prints ``info:`` lines, then last: ``alert_delivery_p95_ms=`` (target ≤ 1000).

    python bench/alerts.py [--fills 30] [--spacing 0.6] [--database-url URL]

``measure_alert_delivery(fills, spacing_s, database_url)`` is the importable part (returns a dict).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def _p(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def measure_alert_delivery(fills: int = 30, spacing_s: float = 0.6, database_url: str | None = None) -> dict:
    """Place ``fills`` market buys ``spacing_s`` apart; return the fill → webhook latencies (ms):
    ``p50``, ``p95``, ``max``, ``delivered``, ``duplicates``, ``bad_signatures``."""
    from fakes.fake_alerts import WebhookReceiver

    from db.engine import make_engine
    from db.migrate import upgrade
    from db.repositories.accounts import ensure_paper_account
    from db.repositories.alerts import set_mode
    from db.repositories.users import add_user
    from db.seed import seed
    from services.alerts.admin import add_webhook
    from services.alerts.dispatcher import Dispatcher
    from services.owner import start_owner
    from services.ownership import FileLease
    from trading.alerts.events import EventType, Mode
    from trading.config import load_settings
    from trading.domain import OrderRequest, OrderType, Side
    from trading.orders.context import Actor, EntryPoint, OrderContext, Role
    from trading.orders.naming import owner_scope

    tmp = Path(tempfile.mkdtemp(prefix="gslts-alerts-"))
    url = database_url or f"sqlite:///{tmp / 'alerts.db'}"
    upgrade(url)
    engine = make_engine(url)
    seed(engine)
    user = add_user(engine, "bench", "bench-password-1", "admin")
    settings = load_settings(
        database_url=url,
        data_dir=tmp / "data",
        redis_url=None,
        secret_key="bench-secret",
        alert_webhook_private=True,  # the receiver listens on 127.0.0.1
    )
    account = ensure_paper_account(engine, user.id, settings.paper_initial_cash)
    set_mode(engine, user.id, EventType.ORDER_ACCEPTED, Mode.OFF)  # fills only: one message per order
    receiver = WebhookReceiver("")
    _, receiver.secret = add_webhook(engine, settings, user.id, receiver.url, "bench")
    lease = FileLease(settings.data_dir, owner_scope(settings), engine).acquire()
    owner = start_owner(settings, lease.engine, lease)
    dispatcher = Dispatcher(engine, settings).start()
    ctx = OrderContext(Actor("bench", Role.ADMIN), account, EntryPoint.API)
    placed: dict[str, float] = {}
    try:
        codes = [r.code for r in owner.reader(None).ranking(20)]
        for i in range(fills):
            t0 = time.time()
            req = OrderRequest(
                codes[i % len(codes)], Side.BUY, 1, OrderType.MARKET, client_order_id=f"ab-{i}"
            )
            placed[owner.gateway.place(req, ctx).order_id] = t0
            time.sleep(spacing_s)
        deadline = time.time() + 10
        while time.time() < deadline and not set(placed) <= _first_arrivals(receiver).keys():
            time.sleep(0.05)
    finally:
        dispatcher.stop()
        owner.close()
        receiver.stop()
    first = _first_arrivals(receiver)
    lat = [(first[oid] - t0) * 1000 for oid, t0 in placed.items() if oid in first]
    return {
        "p50": _p(lat, 50), "p95": _p(lat, 95), "max": max(lat, default=float("nan")), "delivered": len(lat),
        "orders": len(placed), "duplicates": receiver.duplicates,
        "bad_signatures": sum(not r.signed for r in receiver.requests),
    }  # fmt: skip


def _first_arrivals(receiver) -> dict[str, float]:  # noqa: ANN001 - fakes.fake_alerts.WebhookReceiver
    """order id -> when its first fill reached the receiver."""
    out: dict[str, float] = {}
    for r in list(receiver.unique.values()):
        for e in r.body.get("events") or [r.body]:
            if e.get("type") == "order.filled":
                out.setdefault(e["data"]["order_id"], r.at)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fills", type=int, default=30)
    ap.add_argument("--spacing", type=float, default=0.6)
    ap.add_argument("--database-url")
    args = ap.parse_args()
    r = measure_alert_delivery(args.fills, args.spacing, args.database_url)
    print(f"info: orders={r['orders']} delivered={r['delivered']} duplicates={r['duplicates']} "
          f"bad_signatures={r['bad_signatures']} p50={r['p50']:.0f} ms max={r['max']:.0f} ms")  # fmt: skip
    print(f"alert_delivery_p95_ms={r['p95']:.0f}")


if __name__ == "__main__":
    main()
