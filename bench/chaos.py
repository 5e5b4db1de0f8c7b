"""A chaos run you can repeat (issue 13): the full mode under the faults an operator meets, then every
invariant checked. Run: python bench/chaos.py [--speed 10] [--keep]

It starts its own redis-server (append-only) and mariadbd on spare ports (the shared services are never
touched), migrates a fresh database, and runs the full mode's processes — ``gslts record --all``,
``gslts market`` (the paper market at ``--speed`` ≥ 10), a Celery worker and beat — while an order driver
places small orders through the gateway. On a fixed schedule it applies:

1. kill -9 of the recorder (restarted after 3 s);
2. kill -9 of the market (restarted at once; it waits out the lease);
3. a backtest killed mid-run with its Celery worker (kill -9; the worker restarted);
4. Redis down for 20 s;
5. MariaDB down for 60 s with resting buy orders;
6. junk on the queues (the RPC list, the Celery queue, the recorder's stream, the durable tick log).

Then the market is stopped, the recorder drains, and the invariants are checked (``chaos_checks.py``).
Recovery of a fault = from its end (the process restarted, the service back) until orders are answered
again and ticks stamped after it are in ``tick_data`` (for the backtest: until the run has ended).
Prints last: ticks_lost, ticks_duplicated, fills_lost, order_id_collisions, minute_bar_mismatch,
stuck_runs, recovery_s_max (and a few more counters before them).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from support.private_services import PrivateMariaDB, PrivateRedis  # noqa: E402

BIN = Path(sys.executable).parent
SLOW_STRATEGY = """
from pathlib import Path
import time
import pandas as pd
from trading.strategies import strategy

MARKER = Path(__file__).with_name("hold")

@strategy("chaos_slow", params={"n": 20}, description="above SMA(n), held while the marker exists")
def chaos_slow(data: pd.DataFrame, n: int = 20) -> pd.Series:
    while MARKER.exists():
        time.sleep(0.1)
    close = data["Close"].astype(float)
    return (close > close.rolling(n).mean()).astype(float)
"""
CODES = ("005930", "000660", "035420", "005380", "051910", "006400", "035720", "068270", "105560", "055550")


def log(msg: str) -> None:
    print(f"[chaos {time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Proc:
    """One process of the full mode, restartable; output to ``<name>.log``."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], logs: Path):
        self.name, self.argv, self.env, self.logs = name, argv, env, logs
        self.p: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> Proc:
        self.starts += 1
        out = open(self.logs / f"{self.name}.log", "ab")  # noqa: SIM115 - the child keeps it
        out.write(f"\n=== start {self.starts} at {time.strftime('%H:%M:%S')}\n".encode())
        out.flush()
        self.p = subprocess.Popen(self.argv, env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        return self

    def kill9(self) -> None:
        if self.p is not None and self.p.poll() is None:
            # Celery forks children: take the whole group down like an OOM kill would.
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.p.pid, signal.SIGKILL)
            self.p.wait()

    def stop(self, timeout: float = 30) -> None:
        if self.p is not None and self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill9()

    def alive(self) -> bool:
        return self.p is not None and self.p.poll() is None


@dataclass
class Outcomes:
    """What the order driver saw, per client order id."""

    accepted: dict[str, str] = field(default_factory=dict)  # client id → order id
    rejected: dict[str, str] = field(default_factory=dict)  # client id → reason
    unknown: set[str] = field(default_factory=set)  # no answer: settled from the journal at the end
    not_placed: set[str] = field(default_factory=set)  # the journal never saw them
    lock: threading.Lock = field(default_factory=threading.Lock)


class Chaos:
    def __init__(self, work: Path, speed: float):
        self.work = work
        self.speed = speed
        self.redis = PrivateRedis(work / "redis")
        self.maria = PrivateMariaDB(work / "mariadb")
        self.logs = work / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.recoveries: dict[str, float] = {}
        self.outcomes = Outcomes()
        self._driver_stop = threading.Event()
        self.last_accept = 0.0
        self.driving = False
        self.procs: dict[str, Proc] = {}

    # --- set-up ---------------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "DATABASE_", "BROKER"))}
        return {
            **keep,
            "CI": "",
            "DATABASE_URL": self.maria.url("chaos"),
            "REDIS_URL": self.redis.url,
            "DATA_DIR": str(self.work / "data"),
            "SECRET_KEY": "chaos-" + "k" * 40,
            "BROKER": "paper",
            "MARKET_CLOCK": "demo",
            "MARKET_SPEED": str(self.speed),
            "LEASE_TTL_S": "5",
            "BACKTEST_HEARTBEAT_S": "1",
            "BACKTEST_STALE_S": "5",
            "BACKTEST_REAPER_S": "5",
            "CELERY_VISIBILITY_TIMEOUT_S": "60",
            "ORDER_MAX_PER_MINUTE": "5000",
            "RPC_TIMEOUT_S": "3",
            "GSLTS_STRATEGIES_DIR": str(self.work / "strategies"),
            "PYTHONUNBUFFERED": "1",
        }

    def setup(self) -> None:
        self.redis.start()
        self.maria.start()
        self.maria.create_database("chaos")
        env = self.env()
        os.environ.update(env)
        folder = self.work / "strategies"
        folder.mkdir(exist_ok=True)
        (folder / "slow.py").write_text(SLOW_STRATEGY)
        gslts = [str(BIN / "gslts")]
        for args in (["db", "upgrade"], ["db", "seed"], ["user", "add", "admin", "--admin", "--password",
                                                          "chaos-pass-1"]):  # fmt: skip
            subprocess.run(gslts + args, env=env, cwd=ROOT, check=True, capture_output=True)
        from db.engine import make_engine
        from db.repositories.bars import store_history
        from trading.market.history import generate_history
        from trading.market.stocks import load_listing

        self.engine = make_engine(env["DATABASE_URL"])
        stocks = [s for s in load_listing() if s.code == "005930"]
        store_history(self.engine, generate_history(stocks, end=date(2026, 11, 20), years=1, minute_days=1))
        py = [str(BIN / "celery"), "-A", "workers.celery_app"]
        beat_file = str(self.work / "celerybeat-schedule")
        self.procs = {
            "recorder": Proc("recorder", gslts + ["record", "--all"], env, self.logs),
            "market": Proc("market", gslts + ["market"], env, self.logs),
            "worker": Proc(
                "worker", py + ["worker", "--concurrency", "1", "--loglevel", "INFO"], env, self.logs
            ),  # fmt: skip
            "beat": Proc(
                "beat", py + ["beat", "--loglevel", "INFO", "--schedule", beat_file], env, self.logs
            ),
        }

    # --- probes ---------------------------------------------------------------------------------

    def rt(self):  # noqa: ANN201 - app.runtime.Runtime
        from app.runtime import runtime

        return runtime()

    def ctx(self):  # noqa: ANN201
        from app.cli.common import cli_context

        return cli_context("admin")

    def market_now(self):  # noqa: ANN201 - datetime (naive KST) of the market's last quote, or None
        from trading.timeconv import naive_kst

        try:
            q = self.rt().reader(None).quote("005930")
        except Exception:  # noqa: BLE001 - the market is down: no time
            return None
        return naive_kst(q.time)

    def newest_tick(self):  # noqa: ANN201
        from bench.chaos_checks import newest_tick

        try:
            return newest_tick(self.engine)
        except Exception:  # noqa: BLE001 - MariaDB down
            return None

    def healthy_after(self, started: float, label: str, timeout: float = 120) -> float:
        """Seconds from ``started`` until orders are answered and a tick stamped after now is stored."""
        mark = None
        while time.monotonic() - started < timeout:
            mark = mark or self.market_now()
            if mark is not None:
                newest = self.newest_tick()
                if newest is not None and newest > mark and self.order_answered(started):
                    took = time.monotonic() - started
                    self.recoveries[label] = took
                    log(f"{label}: recovered in {took:.1f} s")
                    return took
            time.sleep(0.25)
        self.recoveries[label] = float("inf")
        log(f"{label}: NOT recovered within {timeout:.0f} s")
        return float("inf")

    def order_answered(self, since: float) -> bool:
        """An order placed after ``since`` was accepted (the driver's, or one placed here)."""
        if self.last_accept > since:
            return True
        if not self.driving:
            self.place("005930", "buy", 1)
        return self.last_accept > since

    # --- the order driver -----------------------------------------------------------------------

    def place(self, code: str, side: str, ticks: int) -> None:
        from trading.domain import OrderRequest, OrderType, Side
        from trading.krx.ticks import move_ticks

        client_id = f"chaos-{uuid.uuid4().hex[:16]}"
        try:
            q = self.rt().reader(None).quote(code)
            price = move_ticks(q.price, ticks)
            price = min(max(price, q.lower_limit), q.upper_limit)
            req = OrderRequest(code, Side(side), 1, order_type=OrderType.LIMIT, price=price,
                               client_order_id=client_id)  # fmt: skip
        except Exception:  # noqa: BLE001 - no quote (an outage): nothing sent
            return
        try:
            o = self.rt().gateway().place(req, self.ctx())
            with self.outcomes.lock:
                self.outcomes.accepted[client_id] = o.order_id
            self.last_accept = time.monotonic()
        except Exception as err:  # noqa: BLE001 - typed rejections and unknown outcomes alike
            reason = getattr(err, "reason", None)
            with self.outcomes.lock:
                if reason is not None and type(err).__name__ == "OrderRejected":
                    self.outcomes.rejected[client_id] = getattr(reason, "value", str(reason))
                else:
                    self.outcomes.unknown.add(client_id)

    def drive(self) -> None:
        i = 0
        while not self._driver_stop.wait(0.4):
            code = CODES[i % len(CODES)]
            self.place(code, "buy" if i % 3 else "sell", 1 if i % 3 else -1)  # marketable: fills now
            i += 1

    def resting_orders(self) -> None:
        for code in CODES:
            for k in (1, 2, 3):
                self.place(code, "buy", -k)

    # --- faults ---------------------------------------------------------------------------------

    def kill_and_restart(self, name: str, pause: float) -> None:
        log(f"kill -9 {name}")
        self.procs[name].kill9()
        time.sleep(pause)
        self.procs[name].start()
        self.healthy_after(time.monotonic(), f"kill_{name}")

    def backtest_killed(self) -> None:
        from workers.backtest_runner import BacktestRunner

        marker = self.work / "strategies" / "hold"
        marker.write_text("hold")
        jobs = BacktestRunner(self.engine, self.rt().settings)
        config = {
            "universe": {"kind": "codes", "codes": ["005930"]},
            "start": "2026-01-02",
            "end": "2026-11-20",
        }
        spec = jobs.check("chaos_slow", {"n": 20}, config)
        self.run_id = jobs.submit(spec, name="chaos", user="admin")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            row = jobs.progress(self.run_id)
            if row is not None and row.status == "running":
                break
            time.sleep(0.2)
        log(f"backtest {self.run_id} running; kill -9 worker")
        self.procs["worker"].kill9()
        marker.unlink()
        self.procs["worker"].start()
        started = time.monotonic()
        while time.monotonic() - started < 120:
            row = jobs.progress(self.run_id)
            if row is not None and row.status not in ("queued", "running", "cancelling"):
                self.recoveries["backtest_killed"] = time.monotonic() - started
                log(f"backtest {self.run_id}: {row.status} after {self.recoveries['backtest_killed']:.1f} s")
                return
            time.sleep(0.5)
        self.recoveries["backtest_killed"] = float("inf")

    def redis_down(self, seconds: float) -> None:
        log(f"Redis down for {seconds:.0f} s")
        self.redis.stop()
        time.sleep(seconds)
        self.redis.start()
        self.healthy_after(time.monotonic(), "redis_down")

    def mariadb_down(self, seconds: float) -> None:
        self.resting_orders()
        log(f"MariaDB down for {seconds:.0f} s with resting orders")
        self.maria.stop()
        time.sleep(seconds)
        self.maria.start()
        self.healthy_after(time.monotonic(), "mariadb_down")

    def junk(self) -> None:
        import redis

        from trading.brokers.base import Channel
        from trading.brokers.redis_log import log_key
        from trading.brokers.redis_rpc import market_prefix

        log("junk on the queues")
        r = redis.Redis.from_url(self.redis.url)
        prefix = market_prefix(self.redis.url)
        r.lpush(prefix + "rpc", b"\x00junk", b'{"id": "x"}', b"[]")
        r.lpush("celery", b"junk", b'{"body": 1}')
        r.xadd(log_key(prefix, Channel.TICKS), {"d": b"{not json"})
        for key in r.scan_iter(match="*stream*", count=1000):
            if r.type(key) == b"stream":
                r.xadd(key, {"junk": b"\xff\xfe"})
        r.close()
        self.healthy_after(time.monotonic(), "junk")

    # --- the run ----------------------------------------------------------------------------------

    def run(self) -> dict[str, float]:
        self.setup()
        self.procs["recorder"].start()
        time.sleep(3)  # the recorder reads the durable log from its start
        for name in ("market", "worker", "beat"):
            self.procs[name].start()
        self.healthy_after(time.monotonic(), "start", timeout=180)
        driver = threading.Thread(target=self.drive, name="order-driver", daemon=True)
        driver.start()
        self.driving = True
        time.sleep(10)
        self.kill_and_restart("recorder", 3)
        time.sleep(10)
        self.kill_and_restart("market", 0.5)
        time.sleep(10)
        self.backtest_killed()
        time.sleep(5)
        self.redis_down(20)
        time.sleep(10)
        self.mariadb_down(60)
        time.sleep(10)
        self.junk()
        time.sleep(10)
        self._driver_stop.set()
        driver.join(timeout=10)
        self.driving = False
        return self.finish()

    def finish(self) -> dict[str, float]:
        from bench.chaos_checks import check_all

        log("reconciling unknown outcomes, then stopping the market")
        owner_orders = self.owner_view()
        self.procs["market"].stop()
        self.wait_drained()
        for name in ("worker", "beat", "recorder"):
            self.procs[name].stop()
        figures = check_all(self.engine, self.work / "data", self.outcomes, owner_orders, self.rt().settings)
        figures["recovery_s_max"] = round(max(self.recoveries.values()), 1)
        for label, took in self.recoveries.items():
            figures[f"recovery_s_{label}"] = round(took, 1)
        return figures

    def owner_view(self) -> list:
        """The market's own view of the bench account's orders, once unknown outcomes are settled."""
        gw = self.rt().gateway()
        for client_id in sorted(self.outcomes.unknown):
            with contextlib.suppress(Exception):
                st = gw.status(self.ctx(), client_id)
                if st is None:
                    self.outcomes.not_placed.add(client_id)
                elif st.order is not None:
                    self.outcomes.accepted[client_id] = st.order.order_id
                elif st.state in ("rejected", "failed", "lost"):
                    self.outcomes.rejected[client_id] = st.reason or st.state
        for _ in range(60):
            with contextlib.suppress(Exception):
                return list(self.rt().reader(self.ctx().account).orders())
            time.sleep(1)
        return []

    def wait_drained(self, quiet_s: float = 8.0, timeout: float = 180.0) -> None:
        from bench.chaos_checks import tick_count

        last, since, start = -1, time.monotonic(), time.monotonic()
        while time.monotonic() - start < timeout:
            n = tick_count(self.engine)
            if n != last:
                last, since = n, time.monotonic()
            elif time.monotonic() - since >= quiet_s:
                log(f"recorder drained: {n} ticks")
                return
            time.sleep(1)
        log("recorder did not drain in time")

    def close(self) -> None:
        for p in self.procs.values():
            p.kill9()
        with contextlib.suppress(Exception):
            self.redis.stop()
        with contextlib.suppress(Exception):
            self.maria.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--speed", type=float, default=10.0, help="demo clock speed (≥ 10)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (logs, databases)")
    args = ap.parse_args()
    if args.speed < 10:
        ap.error("--speed must be at least 10")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the private services on the way out
    work = Path(tempfile.mkdtemp(prefix="gslts-chaos-"))
    chaos = Chaos(work, args.speed)
    log(f"work folder {work}")
    try:
        figures = chaos.run()
    finally:
        chaos.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    last = ("ticks_lost", "ticks_duplicated", "fills_lost", "order_id_collisions", "minute_bar_mismatch",
            "stuck_runs", "recovery_s_max")  # fmt: skip
    for k, v in figures.items():
        if k not in last:
            print(f"{k}={v}")
    for k in last:
        print(f"{k}={figures[k]}")


if __name__ == "__main__":
    main()
