"""Market and order commands. They use the same market as a running ``gslts run`` (see app/market_owner.py)."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from dataclasses import asdict

import click
from sqlalchemy import Engine

from app.cli.common import CliError, emit, engine, json_option
from app.runtime import runtime
from trading.brokers.errors import BrokerError
from trading.config import Settings
from trading.domain import Order, OrderRequest, OrderType, Side
from trading.krx.fmt import pct, won


def ensure_demo_data(db: Engine, settings: Settings, echo: bool = True) -> bool:
    """Generate demo history on first start (no daily bars stored yet); True if it did."""
    from db.repositories.bars import has_daily_bars

    if has_daily_bars(db):
        return False
    if echo:
        click.echo("First start: generating demo market history (2 years, about 30 s) ...")
    _generate(db, years=2, minute_days=20, seed=settings.market_seed, strength=settings.us_effect_strength)
    return True


def _generate(db: Engine, years: int, minute_days: int, seed: int, strength: float) -> dict[str, int]:
    from db.repositories.bars import store_history
    from trading.market.history import generate_history
    from trading.market.stocks import load_listing

    history = generate_history(
        load_listing(), years=years, minute_days=minute_days, seed=seed, strength=strength
    )
    return store_history(db, history)


def _broker():
    return runtime().broker()


def _call(fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
    try:
        return fn(*args, **kwargs)
    except BrokerError as err:
        raise CliError(err.message_en + (f" ({err.broker_message})" if err.broker_message else "")) from None


def _order_dict(o: Order) -> dict:
    d = asdict(o)
    d.update(
        side=o.side.value, order_type=o.order_type.value, status=o.status.value, remaining_qty=o.remaining_qty
    )
    return d


@click.command("demo-data")
@click.option("--years", type=click.IntRange(1, 10), default=2, show_default=True)
@click.option("--minute-days", type=click.IntRange(0, 60), default=20, show_default=True)
@click.option("--seed", type=int, default=None, help="Default: MARKET_SEED.")
@json_option
def demo_data(years: int, minute_days: int, seed: int | None, as_json: bool) -> None:
    """Generate simulated daily/minute bars for every stock and the US sector ETFs."""
    s = runtime().settings
    t0 = time.perf_counter()
    counts = _generate(
        engine(), years, minute_days, s.market_seed if seed is None else seed, s.us_effect_strength
    )
    counts["seconds"] = round(time.perf_counter() - t0, 1)
    emit(counts, as_json, ", ".join(f"{k}: {v}" for k, v in counts.items()))


@click.command()
@click.argument("code")
@json_option
def quote(code: str, as_json: bool) -> None:
    """Current price of CODE."""
    q = _call(_broker().quote, code.upper())
    data = asdict(q) | {"change": q.change, "change_pct": round(q.change_pct, 2)}
    emit(data, as_json, f"{q.code} {won(q.price)} {pct(q.change_pct)}  vol {q.volume:,}  value {q.value:,}")


@click.command()
@click.argument("code")
@json_option
def book(code: str, as_json: bool) -> None:
    """10-level order book of CODE."""
    b = _call(_broker().order_book, code.upper())
    data = {
        "code": b.code,
        "time": b.time,
        "asks": [asdict(x) for x in b.asks],
        "bids": [asdict(x) for x in b.bids],
    }
    lines = [f"ask {a.price:>10,} {a.qty:>10,}" for a in reversed(b.asks)] + [
        f"bid {x.price:>10,} {x.qty:>10,}" for x in b.bids
    ]
    emit(data, as_json, "\n".join(lines))


@click.command()
@click.argument("side", type=click.Choice(["buy", "sell"]))
@click.argument("code")
@click.argument("qty", type=int)
@click.option("--price", type=int, default=None, help="Limit price (won, on the tick grid).")
@click.option("--market", "market_order", is_flag=True, help="Market order.")
@click.option(
    "--client-id", default=None, help="Client order id: resubmitting the same id never makes a second order."
)
@json_option
def order(
    side: str,
    code: str,
    qty: int,
    price: int | None,
    market_order: bool,
    client_id: str | None,
    as_json: bool,
) -> None:
    """Place an order: SIDE CODE QTY (--price P | --market)."""
    if market_order == (price is not None):
        raise CliError("give exactly one of --price P or --market")
    req = OrderRequest(
        code=code.upper(),
        side=Side(side),
        qty=qty,
        order_type=OrderType.MARKET if market_order else OrderType.LIMIT,
        price=price,
        client_order_id=client_id,
    )
    o = _call(_broker().place_order, req)
    emit(_order_dict(o), as_json, f"order {o.order_id}: {o.status.value} ({o.filled_qty}/{o.qty} filled)")


@click.command()
@click.option("--all", "all_today", is_flag=True, help="Every order of today, not only open ones.")
@json_option
def orders(all_today: bool, as_json: bool) -> None:
    """Open orders (or all of today's with --all)."""
    rows = _call(_broker().orders) if all_today else _call(_broker().open_orders)
    text = "\n".join(
        f"{o.order_id} {o.side.value:4} {o.code} {o.qty:>6} @ {o.price or 'MKT'} {o.status.value} filled {o.filled_qty}"
        for o in rows
    )
    emit([_order_dict(o) for o in rows], as_json, text or "no orders")


@click.command()
@click.argument("order_id")
@click.option("--qty", type=int, default=None, help="Cancel only this many shares.")
@json_option
def cancel(order_id: str, qty: int | None, as_json: bool) -> None:
    """Cancel ORDER_ID (all, or --qty shares)."""
    o = _call(_broker().cancel_order, order_id, qty)
    emit(_order_dict(o), as_json, f"order {o.order_id}: {o.status.value}, remaining {o.remaining_qty}")


@click.command()
@click.argument("order_id")
@click.option("--price", type=int, default=None)
@click.option("--qty", type=int, default=None, help="New total quantity.")
@json_option
def modify(order_id: str, price: int | None, qty: int | None, as_json: bool) -> None:
    """Change the price and/or quantity of ORDER_ID."""
    if price is None and qty is None:
        raise CliError("give --price and/or --qty")
    o = _call(_broker().modify_order, order_id, price, qty)
    emit(_order_dict(o), as_json, f"order {o.order_id}: {o.qty} @ {o.price} ({o.status.value})")


@click.command()
@json_option
def positions(as_json: bool) -> None:
    """Cash, orderable amount and positions with P&L."""
    b = _call(_broker().balance)
    data = {
        "cash": b.cash,
        "orderable": b.orderable,
        "total_value": b.total_value,
        "positions": [
            asdict(p) | {"avg_price": round(p.avg_price, 2), "pnl": p.pnl, "pnl_pct": round(p.pnl_pct, 2)}
            for p in b.positions
        ],
    }
    lines = [f"cash {won(b.cash)}  orderable {won(b.orderable)}"] + [
        f"{p.code} {p.qty:>6} avg {p.avg_price:,.0f} now {p.price:,} P&L {p.pnl:+,} ({pct(p.pnl_pct)})"
        for p in b.positions
    ]
    emit(data, as_json, "\n".join(lines))


@click.command("market")
def market() -> None:
    """Full mode: own the paper market and serve it over Redis (Procfile `market`)."""
    from trading.brokers.base import Channel
    from trading.brokers.redis_rpc import RedisRpcServer

    rt = runtime()
    if not rt.settings.redis_url:
        raise CliError(
            "gslts market needs REDIS_URL (full mode); in embedded mode `gslts run` owns the market"
        )
    if rt.settings.broker != "paper":
        raise CliError("gslts market serves the paper market only (BROKER=paper)")
    rt.owns_market = True
    broker = rt.broker()
    server = RedisRpcServer(broker, rt.settings.redis_url)
    # Every stock's ticks and changed books (the recorder picks its universe), and the account's fills.
    codes = [s.code for s in broker.service.stocks]
    for channel, wanted in ((Channel.TICKS, codes), (Channel.BOOKS, codes), (Channel.FILLS, [])):
        broker.subscribe(channel, wanted, server.publisher(channel))
    broker.service.on_step(server.wake)  # publish each step's events as soon as the step ends
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo("market: serving the paper market over Redis (Ctrl+C to stop)")
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    server.stop()
    rt.close()


@click.group("broker")
def broker_group() -> None:
    """Broker session commands."""


@broker_group.command("logout")
def broker_logout() -> None:
    """Revoke the cached KIS/Kiwoom token and delete it."""
    b = _broker()
    if not hasattr(b, "logout"):
        raise CliError(f"broker {b.name!r} has no session to log out of")
    _call(b.logout)
    click.echo(f"{b.name}: token revoked and removed")
