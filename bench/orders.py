"""Order placement through the whole gateway: validation, risk, the journal's commit, the paper exchange,
the outcome — from client processes over the signed Redis RPC to the owner, as web workers, the CLI in
full mode and Celery tasks reach it. Run: python bench/orders.py [--seconds 8] [--db sqlite,mariadb]

Each client process is one user (its own paper account, or all on one with --one-account) with
--threads threads ordering back to back (default 4: a web worker serves many requests at once): limit
buys that rest (one share at the lower limit of a rotating code) under their own client ids; one order in
20 is sent a second time with the same id and must come back as the same order.
Needs MariaDB (BENCH_DATABASE_URL, default mysql+pymysql://root@127.0.0.1:3306/test: a throw-away database
is created next to it) and Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379/13).

Prints one ``info:`` line per database × process count, then last:
``gateway_orders_per_s=`` (MariaDB, 4 client processes), ``gateway_p99_ms=`` (same run, per order as the
client sees it) and ``duplicates=`` (orders at the exchange sharing a client id, over every run).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import numpy as np  # noqa: E402

MARIADB = os.environ.get("BENCH_DATABASE_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
SECRET = b"bench-orders-secret"
RESEND_EVERY = 20
ONE_ACCOUNT = False  # --one-account: every client process trades the same paper account


def _database(kind: str, tmp: Path) -> tuple[str, object]:
    """A fresh, migrated and seeded database with the bench users; (url, drop)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from support.owner import prepare_database

    if kind == "sqlite":
        url = f"sqlite:///{tmp / 'orders.db'}"
        prepare_database(url)
        return url, lambda: None
    base = make_url(MARIADB)
    name = f"gslts_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base)
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    url = base.set(database=name).render_as_string(hide_password=False)
    prepare_database(url)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()

    return url, drop


def _client(
    idx: int, account: str, username: str, prefix: str, codes: list, seconds: float, threads: int, out
) -> None:  # noqa: ANN001
    """One client process: ``threads`` threads placing orders back to back (a web worker serves many
    requests at once; one thread alone measures the latency of a lone order)."""
    import threading

    from trading.brokers.errors import OrderRejected
    from trading.brokers.redis_rpc import RedisTransport
    from trading.domain import OrderRequest, OrderType, Side
    from trading.orders.context import Actor, EntryPoint, OrderContext, Role
    from trading.orders.remote import RemoteGateway

    gw = RemoteGateway(RedisTransport(REDIS, SECRET, prefix=prefix), timeout_s=10)
    ctx = OrderContext(Actor(username, Role.TRADER), account, EntryPoint.API)
    lat: list[float] = []
    counts = {"mismatched": 0, "rejected": 0}
    deadline = time.perf_counter() + seconds

    def loop(t: int) -> None:
        k = 0
        while time.perf_counter() < deadline:
            code, price = codes[(idx * 37 + t * 11 + k) % len(codes)]
            req = OrderRequest(code, Side.BUY, 1, OrderType.LIMIT, price, f"b{idx}-{t}-{k}")
            t0 = time.perf_counter()
            try:
                order = gw.place(req, ctx)
            except OrderRejected:
                counts["rejected"] += 1
                k += 1
                continue
            lat.append(time.perf_counter() - t0)
            if k % RESEND_EVERY == 0 and gw.place(req, ctx).order_id != order.order_id:
                counts["mismatched"] += 1
            k += 1

    workers = [threading.Thread(target=loop, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put((idx, lat, counts["mismatched"], counts["rejected"]))


def run(kind: str, procs: int, seconds: float, threads: int) -> dict[str, float]:
    """One measurement: an owner on a fresh ``kind`` database, ``procs`` client processes for ``seconds``."""
    from sqlalchemy import func, select
    from support.owner import owner_settings, start_test_owner

    from db.models import OrderRow
    from db.repositories.accounts import ensure_paper_account, set_limits
    from db.repositories.users import add_user, get_user
    from trading.brokers.redis_rpc import RedisRpcServer

    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        url, drop = _database(kind, tmp)
        settings = owner_settings(
            tmp, url, paper_initial_cash=10**13, market_speed=1.0, secret_key=SECRET.decode()
        )
        owner = start_test_owner(settings)
        prefix = f"gslts-bench:{uuid.uuid4().hex[:8]}:"
        server = RedisRpcServer(owner.endpoint(), REDIS, SECRET, prefix=prefix, inline_places=True)
        server.start()
        try:
            accounts = []
            for i in range(procs):
                add_user(owner.engine, f"bench{i}", "bench-password-1")
                user = get_user(owner.engine, f"bench{i}")
                account = ensure_paper_account(owner.engine, user.id, settings.paper_initial_cash)
                set_limits(owner.engine, account, max_order_qty=10**6, max_order_amount=10**12,
                           max_orders_per_minute=10**7)  # fmt: skip
                accounts.append((account, user.username))
            market = owner.market
            with market.lock:
                codes = [(s.code, market.sim.limits(s.code)[1]) for s in market.stocks[:400]]
            ctx = mp.get_context("spawn")
            out = ctx.Queue()
            one_account = ONE_ACCOUNT
            workers = [
                ctx.Process(
                    target=_client,
                    args=(i, *accounts[0 if one_account else i], prefix, codes, seconds, threads, out),
                )
                for i in range(procs)
            ]
            for w in workers:
                w.start()
            results = [out.get(timeout=seconds + 120) for _ in workers]
            for w in workers:
                w.join(30)
            with owner.engine.connect() as conn:
                dups = conn.execute(
                    select(func.count()).select_from(
                        select(OrderRow.client_order_id)
                        .group_by(OrderRow.account_id, OrderRow.client_order_id)
                        .having(func.count() > 1)
                        .subquery()
                    )
                ).scalar()
        finally:
            server.stop()
            owner.close()
            owner.engine.dispose()
            drop()
    lat = np.array([x for _, ls, _, _ in results for x in ls])
    return {
        "orders_per_s": len(lat) / seconds,
        "p50_ms": float(np.percentile(lat, 50) * 1000),
        "p99_ms": float(np.percentile(lat, 99) * 1000),
        "duplicates": float(dups or 0) + sum(m for _, _, m, _ in results),
        "rejected": float(sum(r for _, _, _, r in results)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--db", default="sqlite,mariadb")
    parser.add_argument("--procs", default="1,4")
    parser.add_argument("--threads", type=int, default=4, help="concurrent orders per client process")
    parser.add_argument("--one-account", action="store_true", help="all processes on one paper account")
    args = parser.parse_args()
    global ONE_ACCOUNT
    ONE_ACCOUNT = args.one_account
    results: dict[tuple[str, int], dict[str, float]] = {}
    for kind in args.db.split(","):
        for procs in (int(p) for p in args.procs.split(",")):
            r = results[(kind, procs)] = run(kind, procs, args.seconds, args.threads)
            print(
                f"info: {kind} {procs} process(es) x {args.threads} threads: {r['orders_per_s']:.0f} orders/s, p50 {r['p50_ms']:.1f} ms, "
                f"p99 {r['p99_ms']:.1f} ms, duplicates {r['duplicates']:.0f}, rejected {r['rejected']:.0f}",
                flush=True,
            )
    head = results.get(("mariadb", 4)) or next(iter(results.values()))
    print(f"gateway_orders_per_s={head['orders_per_s']:.0f}")
    print(f"gateway_p99_ms={head['p99_ms']:.1f}")
    print(f"duplicates={sum(r['duplicates'] for r in results.values()):.0f}")


if __name__ == "__main__":
    main()
