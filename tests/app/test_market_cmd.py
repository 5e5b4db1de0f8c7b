"""Full mode: `gslts market` owns the paper market under a Redis lease, serves the order gateway over
Redis and publishes ticks, books and fills; a second `gslts market` refuses (or waits with --standby)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from support.owner import prepare_database
from support.wait import wait_for

from db.engine import make_engine
from db.repositories.accounts import ensure_paper_account
from trading.brokers.base import Channel
from trading.brokers.redis_rpc import RedisTransport
from trading.brokers.rpc import RpcBroker
from trading.domain import OrderBook, OrderRequest, OrderType, Side, Tick
from trading.orders.context import Actor, EntryPoint, OrderContext, Role
from trading.orders.remote import RemoteGateway

SECRET = "market-cmd-secret"


def _market(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", "from app.cli import main; main()", "market", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def test_market_process_serves_and_publishes(tmp_path: Path, redis_url: str, redis_client) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    prepare_database(url)
    engine = make_engine(url)
    account = ensure_paper_account(engine, 1, 100_000_000)
    engine.dispose()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "DATA_DIR": str(tmp_path),
        "BROKER": "paper",
        "SECRET_KEY": SECRET,
        "LEASE_TTL_S": "3",
    }
    proc = _market(env)
    transport = RedisTransport(redis_url, SECRET.encode())
    client = RpcBroker(transport, account=account)
    ticks: list[Tick] = []
    books: list[OrderBook] = []
    fills: list[object] = []
    try:
        client.subscribe(Channel.TICKS, ["005930", "000660"], ticks.append)
        client.subscribe(Channel.BOOKS, ["005930"], books.append)
        client.subscribe(Channel.FILLS, [], fills.append)
        assert wait_for(lambda: len(ticks) >= 5 and books, 20), (
            proc.stdout.read() if proc.poll() else "no events"
        )
        assert {t.code for t in ticks} <= {"005930", "000660"}  # the subscriber's filter holds
        assert all(b.code == "005930" and len(b.asks) == 10 for b in books)
        quote = client.quote("005930")
        assert quote.price > 0 and quote.code == "005930"
        ctx = OrderContext(Actor("trader", Role.ADMIN), account, EntryPoint.JOB)
        order = RemoteGateway(transport).place(
            OrderRequest("005930", Side.BUY, 1, OrderType.MARKET, client_order_id="mkt-1"), ctx
        )
        assert order.filled_qty == 1
        assert wait_for(lambda: any(getattr(f, "order_id", None) == order.order_id for f in fills), 10)

        # A second owner refuses after the lease wait (ttl + 5 s), naming the holder.
        second = _market(env)
        out, _ = second.communicate(timeout=60)
        assert second.returncode == 1 and "owned by another process" in out and "--standby" in out
    finally:
        client.close()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    assert proc.returncode == 0


def test_a_killed_market_continues_its_session(mariadb_url: str, tmp_path: Path, redis_url: str) -> None:
    """kill -9, then a new `gslts market` on the same data dir: it continues the saved session. No tick of
    the first run is lost (the last steps are published again, identical), the per-code seq goes on
    strictly increasing, and no new tick lands at or before a time already traded."""
    prepare_database(mariadb_url)
    url = redis_url.rsplit("/", 1)[0] + "/12"  # its own channels and lease: test_market_cmd runs elsewhere
    env = {
        **os.environ, "DATABASE_URL": mariadb_url, "REDIS_URL": url, "DATA_DIR": str(tmp_path),
        "BROKER": "paper", "SECRET_KEY": SECRET, "LEASE_TTL_S": "3", "MARKET_SPEED": "300",
        "DEMO_START": "open",  # every tick of the first run live on pub/sub (a morning goes to the log)
    }  # fmt: skip
    codes = ["005930", "000660", "035420"]
    client = RpcBroker(RedisTransport(url, SECRET.encode()))
    ticks: list[Tick] = []
    client.subscribe(Channel.TICKS, codes, ticks.append)
    proc = _market(env)
    try:

        def traded() -> bool:
            return {t.code for t in ticks} == set(codes) and len(ticks) >= 100 or proc.poll() is not None

        wait_for(traded, 30)
        assert proc.poll() is None and traded(), proc.stdout.read() if proc.poll() is not None else "no ticks"
        proc.kill()  # -9: no shutdown at all
        proc.wait(timeout=10)
        time.sleep(0.5)
        first = list(ticks)
        seen = {(t.code, t.seq): t for t in first}

        def resumed() -> bool:
            new = {t.code for t in ticks[len(first) :] if (t.code, t.seq) not in seen}
            return new == set(codes) or proc.poll() is not None

        proc = _market(env)
        wait_for(resumed, 30)
        assert proc.poll() is None and resumed(), (
            proc.stdout.read() if proc.poll() is not None else "no ticks"
        )
        time.sleep(1.0)
    finally:
        client.close()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    again = [t for t in ticks[len(first) :] if (t.code, t.seq) in seen]
    assert all(t == seen[(t.code, t.seq)] for t in again)  # published again, identical
    for code in codes:
        old = [t for t in first if t.code == code]
        new = [t for t in ticks[len(first) :] if t.code == code and (t.code, t.seq) not in seen]
        assert old and new, code
        # The session goes on: the seq continues without a gap, time never goes back.
        assert [t.seq for t in new] == list(range(old[-1].seq + 1, old[-1].seq + 1 + len(new))), code
        assert new[0].time >= old[-1].time and all(
            a.time <= b.time for a, b in zip(new, new[1:], strict=False)
        ), code
        assert (new[0].time - old[-1].time).total_seconds() < 600, code  # resumed where it stopped
