"""The paper market on MariaDB under database faults: a cut database loses no published tick and no
fill (the fills wait in the journal and land once), and a commit whose acknowledgement is lost never
makes two orders share an id."""

from __future__ import annotations

import contextlib
import threading
import time
from collections import defaultdict
from pathlib import Path

import pymysql
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from support.owner import owner_settings, prepare_database, start_test_owner
from support.recorder import TcpProxy
from support.wait import wait_for

from db.engine import make_engine
from db.models import FillRow, OrderIntent, OrderRow
from db.repositories.accounts import ensure_paper_account, set_limits
from db.repositories.paper import SqlPaperStore
from trading.brokers.errors import OrderPending
from trading.domain import OrderRequest, OrderType, Side
from trading.orders.context import Actor, EntryPoint, OrderContext, Role

TRADER = OrderContext(Actor("trader", Role.ADMIN), "paper-u1", EntryPoint.API)
CASH = 10_000_000_000


def _owner(settings):
    owner = start_test_owner(settings)
    ensure_paper_account(owner.engine, 1, CASH)
    set_limits(
        owner.engine, "paper-u1", max_order_qty=10**6, max_order_amount=10**12, max_orders_per_minute=10**4
    )
    owner.directory.forget()
    owner.market.exchange_for("paper-u1")  # the account's exchange is loaded
    return owner


def _stored(engine, account: str, day) -> dict:  # noqa: ANN001
    """The account as a fresh load from the database sees it."""
    st = SqlPaperStore(engine, account).load(day)
    return {
        "cash": st.cash,
        "positions": {p.code: (p.qty, p.cost, p.realized_pnl) for p in st.positions},
        "orders": {r.order.order_id: (r.order.status, r.order.filled_qty) for r in st.orders},
        "fills": sorted(f.fill_id for f in st.fills),
    }


def _memory(ex) -> dict:  # noqa: ANN001 - a PaperExchange
    snap = ex.snapshot()
    return {
        "cash": snap["cash"],
        "positions": snap["positions"],
        "orders": {o.order_id: (o.status, o.filled_qty) for o in ex.orders()},
        "fills": sorted(f.fill_id for f in ex.fills()),
    }


def test_a_database_cut_loses_no_tick_and_no_fill(mariadb_url: str, tmp_path: Path) -> None:
    prepare_database(mariadb_url)
    url = make_url(mariadb_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 3306).start()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    settings = owner_settings(
        tmp_path,
        proxied,
        market_speed=300.0,
        market_step_ms=50,
        paper_initial_cash=CASH,
        order_confirm_amount=10**12,
    )
    owner = _owner(settings)
    market = owner.market
    try:
        codes = [r.code for r in owner.reader(None).ranking(30)]
        ticks: dict[str, list[int]] = defaultdict(list)
        market.subscribe("ticks", codes, lambda t: ticks[t.code].append(t.seq))
        # Resting buys one to three ticks under the market: the outage's trades go through some of them.
        for code in codes:
            price = market.sim.last_price(code)
            for _ in range(3):
                price = market.sim.tick_down(price)
                owner.gateway.place(OrderRequest(code, Side.BUY, 10, OrderType.LIMIT, price), TRADER)
        ex = market.exchange_for("paper-u1")
        before = {f.fill_id for f in ex.fills()}

        proxy.cut()
        made = wait_for(lambda: len({f.fill_id for f in ex.fills()} - before) >= 3, 15)
        assert made, "no fill while the database was away"
        time.sleep(1.0)  # steps go on with the database away
        assert market.pending_writes > 0
        during = {f.fill_id for f in ex.fills()} - before
        n_ticks = sum(map(len, ticks.values()))
        proxy.restore()

        assert wait_for(lambda: market.pending_writes == 0, 15), market.pending_writes
        market.stop()
        day = ex.day
        engine = make_engine(mariadb_url)
        try:
            stored = _stored(engine, "paper-u1", day)
            assert stored == _memory(ex)  # every fill once, cash and positions as matched
            assert during <= set(stored["fills"])
            with engine.connect() as conn:
                rows = conn.execute(select(func.count()).select_from(FillRow)).scalar()
            assert rows == len(stored["fills"])
        finally:
            engine.dispose()
        # Every step published its ticks: no code has a sequence gap.
        assert sum(map(len, ticks.values())) > n_ticks > 0
        for code, seqs in ticks.items():
            assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), code
    finally:
        owner.close()
        proxy.close()


def test_a_lost_commit_acknowledgement_never_reuses_an_order_id(
    mariadb_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare_database(mariadb_url)
    settings = owner_settings(tmp_path, mariadb_url, paper_initial_cash=CASH)
    owner = _owner(settings)
    price = owner.market.sim.tick_down(owner.market.sim.last_price("005930"))
    me, armed = threading.current_thread(), [True]
    commit = pymysql.connections.Connection.commit

    def commit_then_drop(conn) -> None:  # noqa: ANN001 - the server commits; its answer is lost
        commit(conn)
        if armed[0] and threading.current_thread() is me:
            armed[0] = False
            raise pymysql.err.OperationalError(2013, "Lost connection to MySQL server during query")

    monkeypatch.setattr(pymysql.connections.Connection, "commit", commit_then_drop)
    ids, first = [], None
    try:
        # Pending is an honest answer too, as long as the journal settles it and no id is reused.
        with contextlib.suppress(OrderPending):
            first = owner.gateway.place(
                OrderRequest("005930", Side.BUY, 1, price=price, client_order_id="lost-ack"), TRADER
            )
        assert not armed[0]
        for k in range(3):
            ids.append(
                owner.gateway.place(
                    OrderRequest("005930", Side.BUY, 1, price=price, client_order_id=f"after-{k}"), TRADER
                ).order_id
            )
        status = owner.gateway.status(TRADER, "lost-ack")
        assert status is not None and status.state == "accepted" and status.order is not None
        assert first is None or first.order_id == status.order.order_id
        ids.append(status.order.order_id)
        ex = owner.market.exchange_for("paper-u1")
        assert _stored(owner.engine, "paper-u1", ex.day) == _memory(ex)
    finally:
        owner.close()
    # A restart takes a new fencing token: its ids come after every earlier one.
    owner = _owner(settings)
    try:
        ids.append(
            owner.gateway.place(
                OrderRequest("005930", Side.BUY, 1, price=price, client_order_id="restarted"), TRADER
            ).order_id
        )
        with owner.engine.connect() as conn:
            stored = conn.execute(select(OrderRow.order_id).order_by(OrderRow.order_id)).scalars().all()
            intents = conn.execute(select(OrderIntent.client_order_id, OrderIntent.order_id)).all()
    finally:
        owner.close()
    assert len(set(ids)) == len(ids) == 5 and sorted(set(ids)) == stored and ids[-1] == max(ids)
    assert len(intents) == 5 and {oid for _, oid in intents} == set(ids)
