"""Full mode: `gslts market` owns the paper market, answers over Redis and publishes ticks, books, fills."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from db.migrate import upgrade
from db.seed import seed
from trading.brokers.base import Channel
from trading.brokers.redis_rpc import RedisTransport
from trading.brokers.rpc import RpcBroker
from trading.domain import OrderBook, OrderRequest, OrderType, Side, Tick


def _wait(pred, timeout: float = 20.0) -> bool:  # noqa: ANN001
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


def test_market_process_serves_and_publishes(tmp_path: Path, redis_url: str, redis_client) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    upgrade(url)
    from db.engine import make_engine

    engine = make_engine(url)
    seed(engine)
    engine.dispose()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "DATA_DIR": str(tmp_path),
        "BROKER": "paper",
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", "from app.cli import main; main()", "market"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    client = RpcBroker(RedisTransport(redis_url))
    ticks: list[Tick] = []
    books: list[OrderBook] = []
    fills: list[object] = []
    try:
        client.subscribe(Channel.TICKS, ["005930", "000660"], ticks.append)
        client.subscribe(Channel.BOOKS, ["005930"], books.append)
        client.subscribe(Channel.FILLS, [], fills.append)
        assert _wait(lambda: len(ticks) >= 5 and books), proc.stdout.read() if proc.poll() else "no events"
        assert {t.code for t in ticks} <= {"005930", "000660"}  # the subscriber's filter holds
        assert all(b.code == "005930" and len(b.asks) == 10 for b in books)
        quote = client.quote("005930")
        assert quote.price > 0 and quote.code == "005930"
        order = client.place_order(
            OrderRequest("005930", Side.BUY, 1, OrderType.MARKET, client_order_id="mkt-1")
        )
        assert order.filled_qty == 1
        assert _wait(lambda: any(getattr(f, "order_id", None) == order.order_id for f in fills), 10)
    finally:
        client.close()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    assert proc.returncode == 0
