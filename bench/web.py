"""Web benchmark: the dashboard under 20 concurrent clients with the paper market live.

    python bench/web.py [--mode full|embedded] [--clients 20] [--seconds 30] [--orders 30]
                        [--database-url mysql+pymysql://root@127.0.0.1:3306/test]
                        [--redis-url redis://127.0.0.1:6379/14] [--market-step-ms N] [--quote-ms N]

Full mode (default), as the Procfile runs it:

1. A fresh MariaDB database (created here, dropped at exit) is migrated and seeded, the bench user is
   added and ``gslts demo-data`` (``--years``/``--minute-days``, small by default) stores the history
   the market continues from. The Redis DB of ``--redis-url`` is flushed before and after.
2. Real processes with an environment pointing at that database and Redis DB: ``gslts market``
   (owns the paper market, steps it every ``MARKET_STEP_MS`` — ``--market-step-ms``, default the
   setting's — serves RPC over Redis, publishes ticks/books/fills), ``gslts record`` (the recorder,
   which fills the Redis market-data cache the pages read) and the web app under gunicorn with the
   Procfile's workers × threads, wrapped in a WSGI middleware that times every Dash callback inside
   the server (one file per worker) → ``callback_p95_ms``.
3. ``--clients`` HTTP clients log in (form + CSRF) and do what the pages do, on the pages' own
   cadence: half on /ranking (the grid callback every 2 s), half on /trade/<code>: the live stream
   (``/api/v1/stream/<code>``, read to its end like the browser's EventSource; the quote polling
   callback every ``--quote-ms`` — default ``settings.quote_refresh_ms`` — only while the stream is not
   delivering, as assets/live.js does) and the chart and account callbacks every 1 s.
4. A real headless Chromium (selenium) opens /trade/<code>: a MutationObserver records when the
   price's ``title`` (the quote's tick timestamp, which push and poll both write) changes; the first
   time each stamp is seen counts. Simulated time is mapped to wall time by reading the market's own
   clock: an RPC order's ``created_at`` (the demo clock runs at speed 1, so simulated = wall + a
   constant) → ``tick_to_screen_p95_ms``, split into market step (tick → published on Redis) and web
   (published → DOM); the recorder's cache lag (published → quote cache), which only the polling
   fallback waits for, is shown beside it. Then it places non-marketable limit orders by clicking 주문
   and times click → the new order's row in the open-orders table → ``order_ack_p95_ms``.

``--mode embedded`` runs ``gslts run``'s set-up instead: no Redis, one gunicorn worker that owns the
market; the clock is read through the app's local RPC endpoint. Each process's log is in the bench's
temporary directory (removed at exit).

Prints a summary, the LAST lines being ``callback_p95_ms=``, ``tick_to_screen_p95_ms=``,
``order_ack_p95_ms=``.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import io
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = ROOT / ".venv" / "bin"

USER, PASSWORD = "bench", "bench-password-1"
QUOTE_KEY = "gslts:md:quote:{}"  # services.market_cache.PREFIX
BOOK_KEY = "gslts:md:book:{}"
RANKING_KEY = "gslts:md:ranking"


class BenchError(RuntimeError):
    """The set-up failed; the message says why."""


def ticks_channel(redis_url: str) -> str:
    """The market's tick channel for that Redis database."""
    from trading.brokers.redis_rpc import market_prefix

    return market_prefix(redis_url) + "ev:ticks"


def p95(xs: list[float]) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


def p50(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --- timing middleware (runs inside the gunicorn workers) -----------------------------------------


class Timing:
    """WSGI middleware: server time of each Dash callback request, appended to a file per worker."""

    def __init__(self, app, out_dir: str):  # noqa: ANN001
        self.app = app
        self.out_dir = out_dir
        self.lock = threading.Lock()
        self.fh = None
        self.pid = 0

    def _write(self, line: str) -> None:
        with self.lock:
            if self.fh is None or self.pid != os.getpid():
                self.pid = os.getpid()
                self.fh = open(Path(self.out_dir) / f"callbacks-{self.pid}.tsv", "a", buffering=1)  # noqa: SIM115
            self.fh.write(line)

    def __call__(self, environ, start_response):  # noqa: ANN001, ANN204
        if environ.get("PATH_INFO") != "/_dash-update-component":
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            output = json.loads(body).get("output", "?")
        except ValueError:
            output = "?"
        t0 = time.perf_counter()
        result = list(self.app(environ, start_response))
        dt = (time.perf_counter() - t0) * 1000
        self._write(f"{time.time():.3f}\t{output}\t{dt:.3f}\n")
        return result


def timed_app():  # noqa: ANN201 - gunicorn factory: ``bench.web:timed_app()``
    """``app.wsgi`` (what the Procfile serves) with the callback timing middleware."""
    from app.wsgi import server

    server.wsgi_app = Timing(server.wsgi_app, os.environ["BENCH_TIMING_DIR"])
    return server


def read_timings(out_dir: Path, t_from: float, t_to: float) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = defaultdict(list)
    for path in out_dir.glob("callbacks-*.tsv"):
        for line in path.read_text().splitlines():
            at, output, ms = line.split("\t")
            if t_from <= float(at) <= t_to:
                samples[output].append(float(ms))
    return samples


# --- processes, database, Redis -------------------------------------------------------------------


def _die_with_parent() -> None:
    """preexec: own process group, and SIGTERM when the bench dies (Linux PR_SET_PDEATHSIG)."""
    os.setsid()
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


class Processes:
    """Subprocesses started by the bench; ``stop_all`` ends each one's own process group."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.procs: list[tuple[str, subprocess.Popen, Path]] = []

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        path = self.log_dir / f"{name}.log"
        fh = open(path, "wb")  # noqa: SIM115 - closed by the child's exit
        proc = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent
        )
        fh.close()
        self.procs.append((name, proc, path))
        return proc

    def check(self) -> None:
        for name, proc, path in self.procs:
            if proc.poll() is not None:
                raise BenchError(f"{name} exited with {proc.returncode}:\n{self.tail(path)}")

    @staticmethod
    def tail(path: Path, n: int = 25) -> str:
        try:
            return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop_all(self) -> None:
        for name, proc, _ in reversed(self.procs):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                log(f"{name} did not stop in 20 s: killing it")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        self.procs.clear()


def make_database(server_url: str, allow_sqlite: bool) -> tuple[str, str, callable]:
    """A fresh database: (url, label, drop). MariaDB; a SQLite file only when allowed and unreachable."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    try:
        base = make_url(server_url)
        admin = create_engine(base, pool_pre_ping=True)
        name = f"{base.database or 'bench'}_web{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
        url = base.set(database=name).render_as_string(hide_password=False)

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
            admin.dispose()

        return url, f"MariaDB ({name})", drop
    except Exception as err:  # noqa: BLE001
        if not allow_sqlite:
            raise BenchError(f"MariaDB not reachable at {server_url}: {err}") from None
        tmp = tempfile.mkdtemp(prefix="gslts-bench-")
        log(f"MariaDB not reachable ({err}); using SQLite")
        return f"sqlite:///{tmp}/bench.db", "SQLite", lambda: shutil.rmtree(tmp, ignore_errors=True)


def seed_database(db_url: str) -> None:
    """Migrate and seed ``db_url`` and add the bench user (an admin)."""
    from db.engine import make_engine
    from db.migrate import upgrade
    from db.repositories.users import add_user
    from db.seed import seed

    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        seed(engine)
        add_user(engine, USER, PASSWORD, role="admin")
    finally:
        engine.dispose()


def prepare_database(db_url: str, env: dict[str, str], years: int, minute_days: int) -> None:
    """Migrate, seed, add the bench user (in-process), then ``gslts demo-data`` as the README says."""
    seed_database(db_url)
    argv = [str(VENV_BIN / "gslts"), "demo-data", "--years", str(years), "--minute-days", str(minute_days)]
    out = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise BenchError(f"gslts demo-data failed:\n{out.stdout}\n{out.stderr}")
    log(f"demo-data: {out.stdout.strip()}")


def procfile_web() -> tuple[int, int]:
    """(workers, threads) of the Procfile's ``web`` line, which the bench serves like."""
    line = next(x for x in (ROOT / "Procfile").read_text().splitlines() if x.startswith("web:"))
    workers = re.search(r"--workers\s+(\d+)", line)
    threads = re.search(r"--threads\s+(\d+)", line)
    return int(workers.group(1)) if workers else 1, int(threads.group(1)) if threads else 1


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, pred, timeout: float, procs: Processes | None = None, every: float = 0.1):  # noqa: ANN001, ANN201
    end = time.monotonic() + timeout
    while True:
        got = pred()
        if got:
            return got
        if procs is not None:
            procs.check()
        if time.monotonic() > end:
            raise BenchError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


class TickTap:
    """The bench's own subscription to the market's tick channel: when each tick was published."""

    def __init__(self, redis_url: str):
        import redis

        self.r = redis.Redis.from_url(redis_url)
        self.lock = threading.Lock()
        self.published: dict[tuple[str, int], float] = {}  # (code, tick epoch ms) → wall ms received
        self.count = 0
        self.bound_ms = float("-inf")  # max(tick sim ms − wall ms): a lower bound of the clock offset
        self.ps = self.r.pubsub(ignore_subscribe_messages=True)
        self.ps.subscribe(**{ticks_channel(redis_url): self._on})
        self.thread = self.ps.run_in_thread(sleep_time=0.01, daemon=True)

    def _on(self, message: dict) -> None:
        wall = time.time() * 1000
        try:
            events = json.loads(message["data"])
        except ValueError:
            return
        with self.lock:
            for ev in events:
                t = ev.get("time", {}).get("__dt") if isinstance(ev, dict) else None
                if not t:
                    continue
                ms = round(datetime.fromisoformat(t).timestamp() * 1000)
                self.published.setdefault((ev.get("code"), ms), wall)
                self.bound_ms = max(self.bound_ms, ms - wall)
                self.count += 1

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.thread.stop()
            self.thread.join(timeout=2)
            self.ps.close()
            self.r.close()


class CachePoller:
    """First wall time each quote timestamp of ``code`` is readable from the Redis quote cache."""

    def __init__(self, redis_url: str, code: str):
        import redis

        self.r = redis.Redis.from_url(redis_url)
        self.key = QUOTE_KEY.format(code)
        self.first: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="bench-cache-poller")
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            raw = self.r.get(self.key)
            if raw:
                ms = round(datetime.fromisoformat(json.loads(raw)["time"]).timestamp() * 1000)
                self.first.setdefault(ms, time.time() * 1000)
            time.sleep(0.01)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=2)
        self.r.close()


class BenchOrders:
    """The bench user's orders through the order gateway (over the same RPC transport as the reads)."""

    def __init__(self, rpc, db_url: str):  # noqa: ANN001 - trading.brokers.rpc.RpcBroker
        from db.engine import make_engine
        from db.repositories.users import get_user
        from services.accounts import account_for_user
        from trading.config import load_settings
        from trading.orders.context import Actor, EntryPoint, OrderContext, Role
        from trading.orders.remote import RemoteGateway

        engine = make_engine(db_url)
        user = get_user(engine, USER)
        account = account_for_user(engine, load_settings(database_url=db_url), user.id, user.username)
        engine.dispose()
        self.gateway = RemoteGateway(rpc.transport, rpc.timeout)
        self.ctx = OrderContext(Actor(USER, Role.ADMIN), account, EntryPoint.API)
        self.reads = rpc.for_account(account)

    def place(self, req):  # noqa: ANN001, ANN201 - OrderRequest → Order
        return self.gateway.place(req, self.ctx)

    def cancel(self, order_id: str) -> None:
        from trading.orders.commands import Cancel

        self.gateway.cancel(Cancel(order_id), self.ctx)


def clock_offset_ms(rpc, orders: BenchOrders, code: str, tries: int = 7) -> tuple[float, float]:  # noqa: ANN001
    """(simulated − wall in ms, ± uncertainty): the market's clock read through an order.

    A non-marketable 1-share limit buy at the lower limit gets ``created_at`` = the market clock's now
    while the request is being served, i.e. between send and reply; it is cancelled at once.
    """
    from trading.domain import OrderRequest, OrderType, Side

    q = rpc.quote(code)
    best: tuple[float, float] | None = None
    for _ in range(tries):
        a = time.time()
        o = orders.place(OrderRequest(code, Side.BUY, 1, OrderType.LIMIT, q.lower_limit))
        b = time.time()
        with contextlib.suppress(Exception):
            orders.cancel(o.order_id)
        off = o.created_at.timestamp() * 1000 - (a + b) / 2 * 1000
        half = (b - a) / 2 * 1000
        if best is None or half < best[1]:
            best = (off, half)
        time.sleep(0.05)
    return best  # type: ignore[return-value]


# --- HTTP clients ---------------------------------------------------------------------------------


class DashClient:
    """A logged-in session that fires callbacks like the browser does."""

    def __init__(self, base: str, deps: list[dict] | None = None):
        import requests

        self.base = base
        self.s = requests.Session()
        page = self.s.get(base + "/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        r = self.s.post(
            base + "/login", data={"username": USER, "password": PASSWORD, "csrf_token": token, "next": "/"}
        )
        r.raise_for_status()
        self.s.get(base + "/ranking")  # sets the gslts_csrf cookie
        self.csrf = self.s.cookies.get("gslts_csrf")
        self.deps = deps if deps is not None else self.s.get(base + "/_dash-dependencies").json()
        self.calls = 0
        self.retries = 0

    def dep(self, output_contains: str) -> dict:
        for d in self.deps:
            if output_contains in d["output"] and not d.get("clientside_function"):
                return d
        raise KeyError(output_contains)

    def call(self, dep: dict, values: dict[tuple[str, str], object], changed: str) -> dict:
        def item(x: dict) -> dict:
            return {"id": x["id"], "property": x["property"], "value": values.get((x["id"], x["property"]))}

        outs = []
        for part in dep["output"].strip(".").split("..."):
            cid, prop = part.rsplit(".", 1)
            prop = prop.split("@")[0]
            outs.append({"id": cid, "property": prop})
        payload = {
            "output": dep["output"],
            "outputs": outs if len(outs) > 1 else outs[0],
            "inputs": [item(x) for x in dep["inputs"]],
            "state": [item(x) for x in dep.get("state", [])],
            "changedPropIds": [changed],
        }
        import requests

        for attempt in (1, 2):
            try:
                r = self.s.post(
                    self.base + "/_dash-update-component",
                    json=payload,
                    headers={"X-CSRFToken": self.csrf, "Content-Type": "application/json"},
                )
                break
            except requests.ConnectionError:
                # gunicorn closes a keep-alive connection idle for 2 s (the ranking's cadence); a
                # browser resends on a fresh connection when a reused one was closed, so do the same.
                if attempt == 2:
                    raise
                self.retries += 1
        self.calls += 1
        if r.status_code not in (200, 204):
            raise RuntimeError(f"{r.status_code}: {r.text[:200]}")
        return r.json() if r.status_code == 200 else {}


def ranking_client(
    base: str, deps: list, stop: threading.Event, errors: list, every_s: float, clients: list
) -> None:
    try:
        c = DashClient(base, deps)
        clients.append(c)
        dep = c.dep("ranking-grid.rowData")
        n = 0
        while not stop.is_set():
            n += 1
            vals = {("ranking-refresh", "n_intervals"): n, ("ranking-top", "value"): 50, ("ranking-market", "value"): "",
                    ("ranking-sectors", "value"): [], ("ranking-us-up", "value"): False,
                    ("ranking-up-codes", "data"): []}  # fmt: skip
            c.call(dep, vals, "ranking-refresh.n_intervals")
            stop.wait(every_s)
    except Exception as err:  # noqa: BLE001
        errors.append(f"ranking: {err!r}")


class StreamReader:
    """A trade page's live stream as its EventSource reads it (a thread; reconnects like the browser)."""

    STALE_S = 3.5  # assets/live.js: no message for this long → the page polls again

    def __init__(self, session, url: str, stop: threading.Event):  # noqa: ANN001 - requests.Session
        self.session = session
        self.url = url
        self.stop = stop
        self.messages = 0
        self.refused = 0
        self.last = float("-inf")
        self.thread = threading.Thread(target=self._run, daemon=True, name="bench-stream")
        self.thread.start()

    @property
    def delivering(self) -> bool:
        return time.monotonic() - self.last < self.STALE_S

    def _run(self) -> None:
        import requests

        while not self.stop.is_set():
            try:
                with self.session.get(self.url, stream=True, timeout=(5, 10)) as r:
                    if r.status_code != 200:  # refused (cap): assets/live.js retries after 15 s
                        self.refused += 1
                        self.stop.wait(15)
                        continue
                    for line in r.iter_lines():
                        if line.startswith(b"data: "):
                            self.messages += 1
                            self.last = time.monotonic()
                        if self.stop.is_set():
                            return
            except requests.RequestException:
                self.stop.wait(2.0)  # the server's retry: 2000


def trade_client(
    base: str,
    deps: list,
    code: str,
    stop: threading.Event,
    errors: list,
    poll_s: float,
    clients: list,
    streams: list,
) -> None:
    try:
        import requests

        c = DashClient(base, deps)
        clients.append(c)
        c.s.get(f"{base}/trade/{code}").raise_for_status()
        fast = c.dep("trade-live.data")
        chart = c.dep("trade-chart.figure")
        acct = c.dep("trade-open-orders.children..")  # the 1 s refresh (not the order callback)
        ss = requests.Session()  # the EventSource's own connection
        ss.cookies.update(c.s.cookies)
        reader = StreamReader(ss, f"{base}/api/v1/stream/{code}", stop)
        streams.append(reader)
        shown = None
        meta = None
        acct_data = None
        n = 0
        last_fast = last_slow = float("-inf")
        while not stop.is_set():
            t0 = time.monotonic()
            if not reader.delivering and t0 - last_fast >= poll_s:  # the fallback polling
                last_fast = t0
                n += 1
                out = c.call(fast, {("trade-code", "data"): code, ("trade-live", "data"): shown,
                                    ("trade-fast", "n_intervals"): n}, "trade-fast.n_intervals")  # fmt: skip
                shown = out.get("response", {}).get("trade-live", {}).get("data", shown)
            if t0 - last_slow >= 1.0:
                last_slow = t0
                n += 1
                out = c.call(chart, {("trade-slow", "n_intervals"): n, ("trade-interval", "value"): "5",
                                     ("trade-ma", "value"): [], ("trade-code", "data"): code,
                                     ("trade-chart-meta", "data"): meta}, "trade-slow.n_intervals")  # fmt: skip
                meta = out.get("response", {}).get("trade-chart-meta", {}).get("data", meta)
                out = c.call(acct, {("trade-slow", "n_intervals"): n, ("trade-code", "data"): code,
                                    ("trade-acct", "data"): acct_data}, "trade-slow.n_intervals")  # fmt: skip
                acct_data = out.get("response", {}).get("trade-acct", {}).get("data", acct_data)
            stop.wait(0.05)
        reader.thread.join(timeout=5)
        ss.close()
    except Exception as err:  # noqa: BLE001
        errors.append(f"trade: {err!r}")


# --- browser --------------------------------------------------------------------------------------

OBSERVE_JS = """
window.__ticks = [];
const el = document.getElementById('trade-price');
new MutationObserver(() => window.__ticks.push([el.getAttribute('title'), Date.now()]))
  .observe(el, {attributes: true, attributeFilter: ['title']});
"""

ORDER_JS = """
const done = arguments[arguments.length - 1];
const box = document.getElementById('trade-open-orders');
const ids = () => Array.from(box.querySelectorAll('.oo-row')).map(r => r.id);
const before = new Set(ids());
const t0 = performance.now();
let finished = false;
const finish = (v) => { if (!finished) { finished = true; obs.disconnect(); done(v); } };
const obs = new MutationObserver(() => { if (ids().some(id => !before.has(id))) finish(performance.now() - t0); });
obs.observe(box, {childList: true, subtree: true});
document.getElementById('order-submit').click();
setTimeout(() => finish(-1), 5000);
"""


DEEPEST_BID_JS = """
const ps = Array.from(document.querySelectorAll("#trade-book td.ob-price[data-side='bid']"))
  .map(td => td.getAttribute('data-price')).filter(p => p);
return ps[ps.length - 1];
"""


def stamp_ms(stamp: str) -> int:
    return round(datetime.fromisoformat(stamp).timestamp() * 1000)


def start_browser():  # noqa: ANN201 - a selenium WebDriver
    """Headless Chromium (Debian's) through chromedriver, 1400×1000."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000"):  # fmt: skip
        opts.add_argument(a)
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary:
        opts.binary_location = binary
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    try:
        return webdriver.Chrome(service=service, options=opts)
    except BaseException:
        service.stop()  # a chromedriver started before the failure (or a SIGTERM) must not outlive us
        raise


def browser(
    base: str, code: str, seconds: float, n_orders: int, rpc, screenshot: str | None, orders: BenchOrders
):  # noqa: ANN001, ANN201
    """Headless Chromium on /trade/<code>: (DOM changes [(tick ms, dom ms)], order acks ms, note)."""
    from selenium.webdriver.common.by import By

    drv = start_browser()
    try:
        drv.set_script_timeout(15)
        drv.get(base + "/login")
        drv.find_element(By.ID, "username").send_keys(USER)
        drv.find_element(By.ID, "password").send_keys(PASSWORD)
        drv.find_element(By.ID, "login-submit").click()
        wait_for("the login redirect", lambda: "/login" not in drv.current_url, 20)
        drv.get(base + f"/trade/{code}")
        wait_for(
            "the trade page's order book",
            lambda: drv.find_elements(By.CSS_SELECTOR, "#trade-book td.ob-price[data-side='bid']"),
            30,
        )
        time.sleep(1.0)  # let the first refreshes settle
        drv.execute_script(OBSERVE_JS)
        log(f"browser: observing /trade/{code} for {seconds:.0f} s")
        time.sleep(seconds)
        seen = drv.execute_script("return window.__ticks")
        if screenshot:
            drv.save_screenshot(screenshot)
        live = drv.execute_script("return [GSLTS.live.pushing(), GSLTS.live.stats]")
        first: dict[int, float] = {}  # the first time each tick stamp reached the DOM
        for s, dom in seen:
            if s:
                first.setdefault(stamp_ms(s), float(dom))
        changes = sorted(first.items())
        # Order acknowledgement: non-marketable limit buys at the deepest shown bid, one share each.
        log(f"browser: {n_orders} orders")
        ack = []
        for _ in range(n_orders):
            bid = int(drv.execute_script(DEEPEST_BID_JS))
            drv.execute_script(
                "window.dash_clientside.set_props('order-type', {value: 'limit'});"
                "window.dash_clientside.set_props('order-side', {value: 'buy'});"
                "window.dash_clientside.set_props('order-price', {value: arguments[0]});"
                "window.dash_clientside.set_props('order-qty', {value: 1});",
                bid,
            )
            time.sleep(0.2)
            ms = drv.execute_async_script(ORDER_JS)
            if ms >= 0:
                ack.append(ms)
            for o in orders.reads.open_orders():  # keep the open-orders table short, as a user would
                with contextlib.suppress(Exception):
                    orders.cancel(o.order_id)
            time.sleep(0.3)
        feedback = drv.find_elements(By.ID, "order-feedback")
        stats = live[1] or {}
        note = (
            f"{len(changes)} quote changes observed; live stream "
            f"{'pushing' if live[0] else 'NOT pushing (the page polled)'} at the end of the observation: "
            f"opened {stats.get('opened', 0)}×, {stats.get('messages', 0)} messages, {stats.get('errors', 0)} errors"
        )
        if len(ack) < n_orders and feedback:
            note += f"; last order feedback: {feedback[0].text!r}"
        return changes, ack, note
    finally:
        drv.quit()


# --- main -----------------------------------------------------------------------------------------


def run(args: argparse.Namespace, cleanup: contextlib.ExitStack) -> list[str]:
    """Set up, measure; returns the summary lines (the figures last)."""
    import redis

    from trading.brokers.rpc import RpcBroker

    full = args.mode == "full"
    t_start = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="gslts-bench-web-"))
    cleanup.callback(shutil.rmtree, work, ignore_errors=True)
    data_dir, timing_dir = work / "data", work / "timing"
    data_dir.mkdir()
    timing_dir.mkdir()

    db_url, db_label, drop = make_database(args.database_url, allow_sqlite=not full)
    cleanup.callback(drop)
    log(f"database {db_label}")

    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": args.redis_url if full else "",
        "DATA_DIR": str(data_dir),
        "BROKER": "paper",
        "LIVE_TRADING": "false",
        "MARKET_CLOCK": "demo",
        "MARKET_SPEED": "1",
        "SECRET_KEY": secrets.token_hex(32),  # both gunicorn workers must share one key
        "BENCH_TIMING_DIR": str(timing_dir),
        "PYTHONUNBUFFERED": "1",
    }
    if args.quote_ms:
        env["QUOTE_REFRESH_MS"] = str(args.quote_ms)
    if args.market_step_ms:
        env["MARKET_STEP_MS"] = str(args.market_step_ms)
    from trading.config import load_settings

    app_settings = load_settings(
        **{k.lower(): v for k, v in env.items() if k in ("QUOTE_REFRESH_MS", "MARKET_STEP_MS")}
    )
    r = None
    if full:
        r = redis.Redis.from_url(args.redis_url)
        r.ping()
        r.flushdb()
        cleanup.callback(r.close)
        cleanup.callback(r.flushdb)
        # Pub/sub channels are per server, not per DB: another market on this server would mix in.
        tap = TickTap(args.redis_url)
        cleanup.callback(tap.close)
        time.sleep(1.0)
        if tap.count:
            raise BenchError(
                f"another `gslts market` publishes on {ticks_channel(args.redis_url)} on this Redis server (pub/sub "
                "channels are server-wide, not per Redis DB); stop it or use another Redis server"
            )

    t0 = time.monotonic()
    prepare_database(db_url, env, args.years, args.minute_days)
    t_prepare = time.monotonic() - t0

    procs = Processes(work)
    cleanup.callback(procs.stop_all)
    code = args.code
    if full:
        t0 = time.monotonic()
        procs.start("market", [str(VENV_BIN / "gslts"), "market"], env)
        wait_for("the market to publish ticks", lambda: tap.count > 0, 30, procs)
        procs.start("recorder", [str(VENV_BIN / "gslts"), "record"], env)
        wait_for("the recorder's ranking in Redis", lambda: r.exists(RANKING_KEY), 60, procs)
        if code == "auto":
            code = json.loads(r.get(RANKING_KEY))["rows"][0]["code"]
        wait_for(
            f"the recorder's quote and book of {code} in Redis",
            lambda: r.exists(QUOTE_KEY.format(code)) and r.exists(BOOK_KEY.format(code)),
            60,
            procs,
        )
        t_backend = time.monotonic() - t0
    else:
        code = "005930" if code == "auto" else code
        t_backend = 0.0

    t0 = time.monotonic()
    from app.serve import THREADS as SERVE_THREADS  # `gslts run`: one worker

    workers, threads = procfile_web() if full else (1, SERVE_THREADS)
    base = start_web(procs, "bench.web:timed_app()", env, (workers, threads), args.port or free_port())
    if full:
        from trading.brokers.redis_rpc import RedisTransport

        rpc = RpcBroker(RedisTransport(args.redis_url, env["SECRET_KEY"].encode()))  # the signing key
    else:
        from services.embedded import api_token
        from trading.brokers.http_rpc import HttpTransport
        from trading.config import load_settings

        rpc = RpcBroker(HttpTransport(base, api_token(load_settings(data_dir=data_dir))))
    cleanup.callback(rpc.close)
    deps = DashClient(base).deps  # also makes the workers build the pages once
    t_web = time.monotonic() - t0

    orders = BenchOrders(rpc, db_url)
    offset_ms, offset_err = clock_offset_ms(rpc, orders, code)
    stop, errors, clients = threading.Event(), [], []
    threads_ = []
    poll_s = app_settings.quote_refresh_ms / 1000
    streams: list[StreamReader] = []
    for i in range(args.clients):
        if i % 2 == 0:
            t = threading.Thread(
                target=ranking_client,
                args=(base, deps, stop, errors, args.ranking_ms / 1000, clients),
                daemon=True,
            )
        else:
            t = threading.Thread(target=trade_client, args=(base, deps, code, stop, errors, poll_s, clients, streams), daemon=True)  # fmt: skip
        t.start()
        threads_.append(t)
    cleanup.callback(stop.set)
    log(
        f"{args.clients} clients running; market clock offset {offset_ms / 1000:+.3f} s (±{offset_err:.1f} ms)"
    )
    time.sleep(2.0)
    poller = CachePoller(args.redis_url, code) if full else None
    if poller:
        cleanup.callback(poller.close)
    load_from = time.time()
    loads = [os.getloadavg()[0]]
    sampler_stop = threading.Event()

    def sample_load() -> None:
        while not sampler_stop.wait(5.0):
            loads.append(os.getloadavg()[0])

    threading.Thread(target=sample_load, daemon=True).start()
    changes, ack_ms, note = browser(base, code, args.seconds, args.orders, rpc, args.screenshot, orders)
    sampler_stop.set()
    load_to = time.time()
    procs.check()
    stop.set()
    for t in threads_:
        t.join(timeout=10)
    if poller:
        poller.close()
    if full:
        offset_bound = tap.bound_ms
        tap.close()
    time.sleep(0.5)  # the workers' last lines
    samples = read_timings(timing_dir, load_from, load_to)
    every = [x for xs in samples.values() for x in xs]

    tick_ms = [dom - (tick - offset_ms) for tick, dom in changes]
    lines = []
    server = f"gunicorn {workers} worker(s) × {threads} threads (app.wsgi + timing middleware)"
    if full:
        market = f"`gslts market` stepping every {app_settings.market_step_ms} ms"
        lines.append(f"mode: full — {market} + `gslts record` + {server}; {db_label}, Redis {args.redis_url}")
    else:
        lines.append(f"mode: embedded — {server}, market in the web worker; {db_label}")
    lines.append(
        f"set-up: database + demo-data {t_prepare:.0f} s, market + recorder {t_backend:.0f} s, web {t_web:.0f} s; "
        f"trade page {code}: live stream, quote polling {app_settings.quote_refresh_ms} ms while it is down; "
        f"ranking {args.ranking_ms} ms"
    )
    lines.append(
        f"clients: {args.clients} ({(args.clients + 1) // 2} ranking, {args.clients // 2} trade) during the "
        f"{load_to - load_from:.0f} s browser run; callbacks timed: {len(every)}; browser: {note}; "
        f"client errors: {len(errors)}, resent after a closed keep-alive: {sum(c.retries for c in clients)}"
    )
    lines.append(
        f"host: {os.cpu_count()} CPUs, 1-min load average during the run {min(loads):.1f}..{max(loads):.1f} "
        "(everything above runs on this host, so the figures include its contention)"
    )
    lines += [f"  error: {e}" for e in errors[:5]]
    for out, xs in sorted(samples.items(), key=lambda kv: -len(kv[1])):
        label = out.strip(".").split("...")[0]
        lines.append(
            f"  {label:<44} n={len(xs):>5}  p50={p50(xs):6.1f} ms  p95={p95(xs):6.1f} ms  max={max(xs):6.1f} ms"
        )
    lines.append(
        f"  clock: simulated − wall = {offset_ms / 1000:+.3f} s ±{offset_err:.1f} ms (RPC order)"
        + (f"; tick-channel bound {offset_bound / 1000:+.3f} s" if full else "")
    )
    lines.append(f"  tick_to_screen n={len(tick_ms)} p50={p50(tick_ms):.0f} ms p95={p95(tick_ms):.0f} ms")
    if full:
        step, web, rec = [], [], []
        for tick, dom in changes:
            pub = tap.published.get((code, tick))
            if pub is None:
                continue
            step.append(pub - (tick - offset_ms))
            web.append(dom - pub)
            cached = poller.first.get(tick)
            if cached is not None:
                rec.append(cached - pub)
        lines.append(
            f"    of which (n={len(step)}): market step (tick → published) p50={p50(step):.0f} p95={p95(step):.0f} ms; "
            f"web (published → DOM) p50={p50(web):.0f} p95={p95(web):.0f} ms; beside it, the recorder's cache "
            f"(published → quote cache, what the polling fallback reads) p50={p50(rec):.0f} p95={p95(rec):.0f} ms"
        )
    lines.append(
        f"  live streams of the {len(streams)} trade clients: {sum(x.messages for x in streams)} messages, "
        f"{sum(x.refused for x in streams)} refused, {sum(1 for x in streams if x.delivering)} delivering at the end"
    )
    lines.append(
        f"  order_ack n={len(ack_ms)}/{args.orders} p50={p50(ack_ms):.0f} ms p95={p95(ack_ms):.0f} ms"
    )
    lines.append(f"  total bench time {time.monotonic() - t_start:.0f} s (before teardown)")
    lines.append(f"callback_p95_ms={p95(every):.1f}")
    lines.append(f"tick_to_screen_p95_ms={p95(tick_ms):.0f}")
    lines.append(f"order_ack_p95_ms={p95(ack_ms):.0f}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", choices=("full", "embedded"), default="full")
    ap.add_argument(
        "--market-step-ms",
        type=int,
        default=None,
        help="MARKET_STEP_MS for the market (default: the setting's)",
    )
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30.0, help="browser observation of the quote")
    ap.add_argument("--orders", type=int, default=30)
    ap.add_argument("--code", default="auto", help="trade page stock (auto: the top of the ranking)")
    ap.add_argument("--port", type=int, default=0, help="web port (0: a free one)")
    ap.add_argument(
        "--quote-ms",
        type=int,
        default=None,
        help="QUOTE_REFRESH_MS: the polling fallback (default: the setting's)",
    )
    ap.add_argument("--ranking-ms", type=int, default=2000, help="the ranking page's refresh")
    ap.add_argument("--years", type=int, default=1, help="gslts demo-data --years")
    ap.add_argument("--minute-days", type=int, default=1, help="gslts demo-data --minute-days")
    ap.add_argument(
        "--database-url",
        default=os.environ.get("TEST_DATABASE_URL", "mysql+pymysql://root@127.0.0.1:3306/test"),
        help="the MariaDB server (a fresh database is created on it and dropped)",
    )
    ap.add_argument("--screenshot", default=None, help="save a PNG of the trade page after the observation")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/14", help="flushed before and after")
    run_bench(run, ap.parse_args())


def start_web(procs: Processes, app: str, env: dict[str, str], size: tuple[int, int], port: int) -> str:
    """gunicorn serving the app factory ``app`` with ``size`` = (workers, threads) on ``port``; its base URL
    once ``/health`` answers."""
    workers, threads = size
    procs.start(
        "web",
        [str(VENV_BIN / "gunicorn"), app, "--pythonpath", str(ROOT),
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "gthread",
         "--threads", str(threads), "--timeout", "120", "--graceful-timeout", "5", "--log-level", "warning"],
        env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        import requests

        try:
            return requests.get(base + "/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    wait_for("the web app's /health", healthy, 120, procs, every=0.3)
    return base


def run_bench(
    run_fn: Callable[[argparse.Namespace, contextlib.ExitStack], list[str]], args: argparse.Namespace
) -> None:
    """Run ``run_fn`` with everything it starts torn down on the way out (also on SIGTERM/SIGHUP); print its
    ``name=value`` lines, or the failure and exit 1."""

    def _term(signum, _frame):  # noqa: ANN001, ANN202
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _term)
    signal.signal(signal.SIGHUP, _term)
    with contextlib.ExitStack() as cleanup:
        try:
            lines = run_fn(args, cleanup)
        except BenchError as err:
            print(f"bench failed: {err}", file=sys.stderr, flush=True)
            lines = None
        log("teardown")
    if lines is None:
        sys.exit(1)
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
