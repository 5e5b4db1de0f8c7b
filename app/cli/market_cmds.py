"""Market and order commands. Orders go through the order gateway of the account owner (services/container.py)."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from dataclasses import asdict

import click
from sqlalchemy import Engine

from app.cli.common import CliError, cli_context, emit, engine, json_option, user_option
from app.runtime import runtime
from trading.brokers.errors import BrokerError, OrderPending, OrderRejected, Reason
from trading.config import Settings
from trading.domain import Order, OrderRequest, OrderType, Side
from trading.krx.fmt import pct, won
from trading.orders.commands import Cancel, Command, Modify, with_client_id


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


def _market():  # noqa: ANN202 - the Broker protocol (market reads)
    return runtime().reader(None)


def _account_reads(username: str):  # noqa: ANN202 - the Broker protocol (the user's account)
    return runtime().reader(cli_context(username).account)


class OrderStillPending(CliError):
    """The order's outcome is not known yet (exit code 3): check it later, never re-send it."""


def _call(fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
    try:
        return fn(*args, **kwargs)
    except OrderPending as err:
        raise OrderStillPending(
            f"{err.message_en}; check with `gslts order-status {err.client_order_id}`"
        ) from None
    except OrderRejected as err:
        if err.reason is Reason.CONFIRM_REQUIRED:
            raise CliError(
                f"{err.message_en}: add --confirm (a live account, or above ORDER_CONFIRM_AMOUNT)"
            ) from None
        raise CliError(err.message_en + (f" ({err.broker_message})" if err.broker_message else "")) from None
    except BrokerError as err:
        raise CliError(err.message_en + (f" ({err.broker_message})" if err.broker_message else "")) from None


def _order_dict(o: Order) -> dict:
    d = asdict(o)
    d.update(
        side=o.side.value, order_type=o.order_type.value, status=o.status.value, remaining_qty=o.remaining_qty
    )
    return d


def _run(cmd: Command, username: str, confirm: bool) -> Order:
    """Send ``cmd`` through the gateway; ``--confirm`` asks the gateway for the confirmation token first
    (what the page's confirmation dialog does), so a live or large order runs only when asked for."""
    gw = runtime().gateway()
    ctx = cli_context(username)
    if confirm:
        preview = _call(gw.prepare, cmd, ctx)
        cmd = with_client_id(cmd, preview.client_order_id)
        ctx = ctx.confirmed(preview.token)
    if isinstance(cmd, OrderRequest):
        return _call(gw.place, cmd, ctx)
    if isinstance(cmd, Modify):
        return _call(gw.modify, cmd, ctx)
    return _call(gw.cancel, cmd, ctx)


confirm_option = click.option(
    "--confirm",
    is_flag=True,
    help="Confirm a live order or one above ORDER_CONFIRM_AMOUNT (required for those).",
)


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
    q = _call(_market().quote, code.upper())
    data = asdict(q) | {"change": q.change, "change_pct": round(q.change_pct, 2)}
    emit(data, as_json, f"{q.code} {won(q.price)} {pct(q.change_pct)}  vol {q.volume:,}  value {q.value:,}")


@click.command()
@click.argument("code")
@json_option
def book(code: str, as_json: bool) -> None:
    """10-level order book of CODE."""
    b = _call(_market().order_book, code.upper())
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
@confirm_option
@user_option
@json_option
def order(
    side: str,
    code: str,
    qty: int,
    price: int | None,
    market_order: bool,
    client_id: str | None,
    confirm: bool,
    username: str,
    as_json: bool,
) -> None:
    """Place an order: SIDE CODE QTY (--price P | --market), through the order gateway."""
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
    o = _run(req, username, confirm)
    emit(_order_dict(o), as_json, f"order {o.order_id}: {o.status.value} ({o.filled_qty}/{o.qty} filled)")


@click.command("order-status")
@click.argument("client_id")
@user_option
@json_option
def order_status(client_id: str, username: str, as_json: bool) -> None:
    """Where an order (or modify/cancel) with CLIENT_ID stands in the journal, reconciled if needed."""
    st = _call(runtime().gateway().status, cli_context(username), client_id)
    if st is None:
        raise CliError(f"no order with client id {client_id!r} in this account's journal")
    data = {
        "client_order_id": st.client_order_id,
        "action": st.action,
        "state": st.state,
        "reason": st.reason,
        "message": st.message,
        "order": _order_dict(st.order) if st.order else None,
    }
    text = f"{st.client_order_id}: {st.action} {st.state}" + (
        f" → order {st.order.order_id}" if st.order else ""
    )
    emit(data, as_json, text + (f" ({st.reason}: {st.message})" if st.reason else ""))


@click.command()
@click.option("--all", "all_today", is_flag=True, help="Every order of today, not only open ones.")
@user_option
@json_option
def orders(all_today: bool, username: str, as_json: bool) -> None:
    """Open orders (or all of today's with --all)."""
    reads = _account_reads(username)
    rows = _call(reads.orders) if all_today else _call(reads.open_orders)
    text = "\n".join(
        f"{o.order_id} {o.side.value:4} {o.code} {o.qty:>6} @ {o.price or 'MKT'} {o.status.value} filled {o.filled_qty}"
        for o in rows
    )
    emit([_order_dict(o) for o in rows], as_json, text or "no orders")


@click.command()
@click.argument("order_id")
@click.option("--qty", type=int, default=None, help="Cancel only this many shares.")
@click.option("--client-id", default=None, help="Client id of this cancel (a retry with it cancels once).")
@user_option
@json_option
def cancel(order_id: str, qty: int | None, client_id: str | None, username: str, as_json: bool) -> None:
    """Cancel ORDER_ID (all, or --qty shares), through the order gateway."""
    o = _run(Cancel(order_id, qty, client_id), username, confirm=False)
    emit(_order_dict(o), as_json, f"order {o.order_id}: {o.status.value}, remaining {o.remaining_qty}")


@click.command()
@click.argument("order_id")
@click.option("--price", type=int, default=None)
@click.option("--qty", type=int, default=None, help="New total quantity.")
@click.option("--client-id", default=None, help="Client id of this modify (a retry with it modifies once).")
@confirm_option
@user_option
@json_option
def modify(
    order_id: str, price: int | None, qty: int | None, client_id: str | None, confirm: bool, username: str,
    as_json: bool,
) -> None:  # fmt: skip
    """Change the price and/or quantity of ORDER_ID, through the order gateway."""
    if price is None and qty is None:
        raise CliError("give --price and/or --qty")
    o = _run(Modify(order_id, price, qty, client_id), username, confirm)
    emit(_order_dict(o), as_json, f"order {o.order_id}: {o.qty} @ {o.price} ({o.status.value})")


@click.command()
@user_option
@json_option
def positions(username: str, as_json: bool) -> None:
    """Cash, orderable amount and positions with P&L."""
    b = _call(_account_reads(username).balance)
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
@click.option(
    "--standby",
    is_flag=True,
    help="Wait (as a standby) until the current owner's lease ends, then take over.",
)
def market(standby: bool) -> None:
    """Full mode: own the paper market or the broker account and serve the order gateway over Redis."""
    from services.ownership import OwnedElsewhere
    from services.secret import deployment_secret
    from trading.brokers.base import Channel
    from trading.brokers.redis_rpc import RedisRpcServer
    from trading.brokers.wire import encode_tick_columns

    rt = runtime()
    rt.kind = "market"  # the market process: the owner with the broker feed (a CLI command has none)
    s = rt.settings
    if not s.redis_url:
        raise CliError(
            "gslts market needs REDIS_URL (full mode); in embedded mode `gslts run` owns the market"
        )
    lost = threading.Event()
    servers: list[RedisRpcServer] = []

    def publish(owner) -> None:  # noqa: ANN001 - services.owner.Owner
        """Before the market's first step: its every tick is published (a continued session's first)."""
        server = RedisRpcServer(
            owner.endpoint(), s.redis_url, deployment_secret(s), inline_places=owner.market is not None,
            log_maxlen=s.market_log_maxlen,
        )  # fmt: skip
        servers.append(server)
        if owner.market is not None:
            # Every stock's ticks and changed books (the recorder picks its universe), and every paper
            # account's fills (each carries its account).
            service = owner.market
            if not service.continued:  # a new session: consumers starting later read it from its start
                from trading.brokers.redis_log import mark_origin

                mark_origin(server.redis, server.prefix)
            codes = [st.code for st in service.stocks]
            # A caught-up morning's ticks go to the durable log only (the recorder), as columns; pages
            # want news, not history.
            history = server.history_publisher(Channel.TICKS)
            service.subscribe(
                Channel.TICKS.value, codes, server.publisher(Channel.TICKS),
                history=lambda batch: history(encode_tick_columns(batch.columns())),
            )  # fmt: skip
            service.subscribe(Channel.BOOKS.value, codes, server.publisher(Channel.BOOKS))
            service.add_fill_listener(server.publisher(Channel.FILLS))
            service.on_step(server.wake)  # publish each step's events as soon as the step ends
        if owner.feed is not None:
            # KIS/Kiwoom: the broker feed's ticks, books and own fills go out on the same channels (the
            # web's live stream reads them); quotes, books and the ranking go into the Redis cache.
            publishers = {ch: server.publisher(ch) for ch in (Channel.TICKS, Channel.BOOKS, Channel.FILLS)}
            owner.feed.publish = lambda channel, event: publishers[channel](event)

    try:
        owner = rt.become_owner(
            wait_s=1e9 if standby else s.lease_ttl_s + 5, on_lost=lambda why: lost.set(), prepare=publish
        )
    except OwnedElsewhere as err:
        raise CliError(f"{err}; run another one with --standby to take over when it stops") from None
    server = servers[0]
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    what = "the paper market" if owner.market is not None else f"the {s.broker} account and its market data"
    click.echo(
        f"market: owning {what} (fencing token {owner.lease.token}), serving over Redis (Ctrl+C to stop)"
    )
    if owner.feed is not None:
        click.echo("market: a broker outage never stops this process: the feed reconnects with backoff "
                   "(state in the log and in /health's broker_feed)")  # fmt: skip
    with contextlib.suppress(KeyboardInterrupt):
        while not stop.wait(0.5):
            if lost.is_set():
                server.stop()
                rt.close()
                raise CliError("lost the ownership lease to another process: stopped sending orders")
    if owner.market is not None:
        owner.market.stop()  # no step after this one: everything it made is published below
    server.stop()
    rt.close()


@click.group("broker")
def broker_group() -> None:
    """Broker session commands."""


@broker_group.command("logout")
def broker_logout() -> None:
    """Revoke the cached KIS/Kiwoom token and delete it."""
    b = _market()
    if not hasattr(b, "logout"):
        raise CliError(f"broker {b.name!r} has no session to log out of")
    _call(b.logout)
    click.echo(f"{b.name}: token revoked and removed")
