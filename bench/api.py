"""REST API benchmark (issue 16): order latency and quote throughput of one web worker, paper mode.

Builds a fresh embedded app (SQLite, seeded, the paper market running in this process, one trader with a
read+trade token, no rate limit in the way) and drives the WSGI app directly (one worker's handler
cost: token check, rate limit, validation, the gateway, serialization — no network):

  api_order_p99_ms   POST /api/v1/orders (limit buys resting in the book, each with its own
                     Idempotency-Key) through the gateway and the paper exchange: p99 over --orders
  api_order_p50_ms   the median of the same
  api_quote_rps      GET /api/v1/quotes/<code> over --seconds, rotating through the ranking's codes
                     (wall clock: the market simulation shares the process, and the host its cores)
  api_quote_rps_cpu  the same requests per CPU second of the requesting thread (what one worker's core
                     serves when it has the core to itself)

Prints ``name=value`` lines last (``RESULTS``: add a metric by adding an entry).

    python bench/api.py [--orders 500] [--seconds 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

RESULTS: dict[str, float | int] = {}


def build_app(tmp: Path):  # noqa: ANN201 - (Flask test client, bearer headers)
    from app.runtime import runtime
    from app.server import create_app
    from db.engine import make_engine
    from db.migrate import upgrade
    from db.repositories import api_tokens
    from db.repositories.users import add_user
    from db.seed import seed
    from trading.config import load_settings

    os.chdir(tmp)
    url = f"sqlite:///{tmp / 'app.db'}"
    settings = load_settings(database_url=url, data_dir=tmp / "data", redis_url=None,
                             api_rate_per_minute=1_000_000, order_max_per_minute=1_000_000)  # fmt: skip
    upgrade(url)
    engine = make_engine(url)
    seed(engine)
    user = add_user(engine, "bench", "bench-password-1", role="trader")
    _, secret = api_tokens.create_token(engine, user, "bench", ("read", "trade"))
    engine.dispose()
    app = create_app(settings)
    runtime().become_owner()
    return app.server.test_client(), {"Authorization": f"Bearer {secret}"}


def bench_orders(client, headers: dict[str, str], n: int) -> None:  # noqa: ANN001
    code = "005930"
    price = client.get(f"/api/v1/quotes/{code}", headers=headers).json["lower_limit"]
    body = {"code": code, "side": "buy", "type": "limit", "qty": 1, "price": price}
    times = []
    for k in range(n):
        t0 = time.perf_counter()
        resp = client.post("/api/v1/orders", json=body, headers=headers | {"Idempotency-Key": f"bench-{k}"})
        times.append((time.perf_counter() - t0) * 1000)
        if resp.status_code != 201:
            raise SystemExit(f"order {k} refused: {resp.status_code} {resp.get_data(as_text=True)[:300]}")
    times.sort()
    RESULTS["api_order_p50_ms"] = round(times[len(times) // 2], 2)
    RESULTS["api_order_p99_ms"] = round(times[min(len(times) - 1, int(len(times) * 0.99))], 2)


def bench_quotes(client, headers: dict[str, str], seconds: float) -> None:  # noqa: ANN001
    codes = [r["code"] for r in client.get("/api/v1/ranking?limit=50", headers=headers).json]
    for code in codes:  # warm: the stock master and the token are cached after the first read
        client.get(f"/api/v1/quotes/{code}", headers=headers)
    done, end = 0, time.perf_counter() + seconds
    start, cpu = time.perf_counter(), time.thread_time()
    while time.perf_counter() < end:
        for code in codes:
            if client.get(f"/api/v1/quotes/{code}", headers=headers).status_code != 200:
                raise SystemExit(f"quote {code} failed")
            done += 1
    RESULTS["api_quote_rps"] = round(done / (time.perf_counter() - start))
    RESULTS["api_quote_rps_cpu"] = round(done / max(time.thread_time() - cpu, 1e-9))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    from app.runtime import runtime

    with tempfile.TemporaryDirectory() as tmp:
        client, headers = build_app(Path(tmp))
        try:
            bench_orders(client, headers, args.orders)
            bench_quotes(client, headers, args.seconds)
        finally:
            runtime().close()
    print(f"# load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name, value in RESULTS.items():
        print(f"{name}={value}")


if __name__ == "__main__":
    main()
