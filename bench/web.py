"""Web benchmark: the dashboard under 20 concurrent clients with the paper market live.

    python bench/web.py [--clients 20] [--seconds 30] [--database-url mysql+pymysql://root@127.0.0.1:3306/test]

What it does:

1. Creates a fresh MariaDB database (``--database-url`` names the server; SQLite if MariaDB is not
   reachable), migrates, seeds and adds a user; builds the app; starts the paper market (via
   ``runtime().broker()`` / ``market_data()`` when the runtime provides them, else it wires an
   in-process MarketService itself) and serves the app on a threaded WSGI server.
2. ``--clients`` HTTP clients log in (form + CSRF) and replay the pages' callbacks on the pages'
   own cadence through ``/_dash-update-component`` with the ``X-CSRFToken`` header: half on /ranking
   (the grid refresh every 2 s), half on /trade/<code> (quote + book every 250 ms, chart and account
   every 1 s). A WSGI middleware times every callback inside the server → ``callback_p95_ms``.
3. Meanwhile a real headless Chromium (selenium) opens /trade/<code>: a MutationObserver records
   when the price's ``title`` (the quote timestamp) changes; the tick's wall time comes from the demo
   clock (simulated time = wall time + a constant at speed 1) → ``tick_to_screen_p95_ms``. Then it
   places non-marketable limit orders by clicking 주문 and times click → the order row in the open
   orders table → ``order_ack_p95_ms``.

Prints a summary, the LAST lines being ``callback_p95_ms=``, ``tick_to_screen_p95_ms=``,
``order_ack_p95_ms=``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

USER, PASSWORD = "bench", "bench-password-1"
TRADE_CODE = "005930"


def p95(xs: list[float]) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


# --- database and app -----------------------------------------------------------------------------


def make_database(server_url: str) -> tuple[str, str, callable]:
    """A fresh database: (url, label, drop). MariaDB when reachable, else a SQLite file."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    try:
        base = make_url(server_url)
        admin = create_engine(base)
        name = f"{base.database or 'bench'}_web{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
        url = base.set(database=name).render_as_string(hide_password=False)

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
            admin.dispose()

        return url, "MariaDB", drop
    except Exception as err:  # noqa: BLE001
        tmp = tempfile.mkdtemp(prefix="gslts-bench-")
        print(f"MariaDB not reachable ({err}); using SQLite", flush=True)
        return f"sqlite:///{tmp}/bench.db", "SQLite", lambda: shutil.rmtree(tmp, ignore_errors=True)


class Timing:
    """WSGI middleware: server time of each Dash callback request, by output."""

    def __init__(self, app):  # noqa: ANN001
        self.app = app
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.lock = threading.Lock()

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
        with self.lock:
            self.samples[output].append(dt)
        return result

    def all(self) -> list[float]:
        with self.lock:
            return [x for xs in self.samples.values() for x in xs]


def build_app(db_url: str, data_dir: Path):  # noqa: ANN201
    from app.server import create_app
    from db.engine import make_engine
    from db.migrate import upgrade
    from db.repositories.users import add_user
    from db.seed import seed
    from trading.config import load_settings

    upgrade(db_url)
    engine = make_engine(db_url)
    seed(engine)
    add_user(engine, USER, PASSWORD, is_admin=True)
    engine.dispose()
    settings = load_settings(database_url=db_url, data_dir=data_dir, redis_url=None, market_speed=1.0)
    return create_app(settings)


def ensure_market() -> tuple[object, str]:
    """(clock, how): the runtime's market when the lead's wiring exists, else one wired here."""
    import app.marketdata as marketdata
    from app.runtime import Runtime, runtime

    rt = runtime()
    if hasattr(Runtime, "broker") and hasattr(marketdata, "market_data"):
        rt.broker()  # starts the embedded market when the runtime does that lazily
        service = rt.services.get("market")
        clock = getattr(service, "clock", None)
        return clock, "runtime().broker() + market_data()"
    from trading.brokers.paper.broker import PaperBroker
    from trading.market.service import MarketService

    service = MarketService.from_settings(rt.settings)
    service.step()
    service.start()
    rt.services["market"] = service
    paper = PaperBroker(service)

    class _MD:
        def ranking(self, limit=100, market=None):  # noqa: ANN001, ANN202
            with service.lock:
                return service.sim.ranking(limit, market)

        def quote(self, code):  # noqa: ANN001, ANN202
            with service.lock:
                return service.sim.quote(code)

        def book(self, code):  # noqa: ANN001, ANN202
            with service.lock:
                return service.sim.order_book(code)

        def intraday_bars(self, code, interval=1):  # noqa: ANN001, ANN202
            with service.lock:
                return service.sim.minute_bars(code, interval)

        def last_tick_age(self, code):  # noqa: ANN001, ANN202
            with service.lock:
                q = service.sim.quote(code)
                now = service.clock.now()
            return max(0.0, (now - q.time).total_seconds()) if q.volume else None

    md = _MD()
    Runtime.broker = lambda self: paper  # type: ignore[attr-defined]
    marketdata.market_data = lambda: md  # type: ignore[attr-defined]
    return service.clock, "MarketService wired by the bench (runtime().broker() not present yet)"


def serve(wsgi, port: int):  # noqa: ANN001, ANN201
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    srv = make_server("127.0.0.1", port, wsgi, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True, name="bench-http").start()
    return srv


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
        r = self.s.post(
            self.base + "/_dash-update-component",
            json=payload,
            headers={"X-CSRFToken": self.csrf, "Content-Type": "application/json"},
        )
        if r.status_code not in (200, 204):
            raise RuntimeError(f"{r.status_code}: {r.text[:200]}")
        return r.json() if r.status_code == 200 else {}


def ranking_client(base: str, deps: list, stop: threading.Event, errors: list) -> None:
    try:
        c = DashClient(base, deps)
        dep = c.dep("ranking-grid.rowData")
        n = 0
        while not stop.is_set():
            n += 1
            vals = {("ranking-refresh", "n_intervals"): n, ("ranking-top", "value"): 50, ("ranking-market", "value"): "",
                    ("ranking-sectors", "value"): [], ("ranking-us-up", "value"): False,
                    ("ranking-up-codes", "data"): []}  # fmt: skip
            c.call(dep, vals, "ranking-refresh.n_intervals")
            stop.wait(2.0)
    except Exception as err:  # noqa: BLE001
        errors.append(f"ranking: {err!r}")


def trade_client(
    base: str, deps: list, code: str, stop: threading.Event, errors: list, poll_s: float
) -> None:
    try:
        c = DashClient(base, deps)
        fast = c.dep("trade-live.data")
        chart = c.dep("trade-chart.figure")
        acct = c.dep("trade-open-orders.children..")  # the 1 s refresh (not the order callback)
        shown = None
        meta = None
        acct_data = None
        n = 0
        last_slow = 0.0
        while not stop.is_set():
            n += 1
            t0 = time.monotonic()
            out = c.call(fast, {("trade-code", "data"): code, ("trade-live", "data"): shown,
                                ("trade-fast", "n_intervals"): n}, "trade-fast.n_intervals")  # fmt: skip
            shown = out.get("response", {}).get("trade-live", {}).get("data", shown)
            if t0 - last_slow >= 1.0:
                last_slow = t0
                out = c.call(chart, {("trade-slow", "n_intervals"): n, ("trade-interval", "value"): "5",
                                     ("trade-ma", "value"): [], ("trade-code", "data"): code,
                                     ("trade-chart-meta", "data"): meta}, "trade-slow.n_intervals")  # fmt: skip
                meta = out.get("response", {}).get("trade-chart-meta", {}).get("data", meta)
                out = c.call(acct, {("trade-slow", "n_intervals"): n, ("trade-code", "data"): code,
                                    ("trade-acct", "data"): acct_data}, "trade-slow.n_intervals")  # fmt: skip
                acct_data = out.get("response", {}).get("trade-acct", {}).get("data", acct_data)
            stop.wait(max(0.0, poll_s - (time.monotonic() - t0)))
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
const before = box.querySelectorAll('.oo-row').length;
const t0 = performance.now();
const obs = new MutationObserver(() => {
  if (box.querySelectorAll('.oo-row').length > before) { obs.disconnect(); done(performance.now() - t0); }
});
obs.observe(box, {childList: true, subtree: true});
document.getElementById('order-submit').click();
setTimeout(() => { obs.disconnect(); done(-1); }, 5000);
"""


class Publication:
    """First wall time (ms) each quote timestamp of ``code`` is readable from market_data()."""

    def __init__(self, code: str):
        self.code, self.first = code, {}
        self.stop = threading.Event()
        threading.Thread(target=self._run, daemon=True, name="bench-publication").start()

    def _run(self) -> None:
        from app.marketdata import market_data

        md = market_data()
        while not self.stop.is_set():
            stamp = md.quote(self.code).time.isoformat(timespec="milliseconds")
            self.first.setdefault(stamp, time.time() * 1000)
            time.sleep(0.002)


def browser(base: str, code: str, seconds: float, clock, n_orders: int, pub: Publication):  # noqa: ANN001, ANN201
    from selenium import webdriver
    from selenium.webdriver.common.by import By

    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        opts.add_argument(a)
    if shutil.which("chromium"):
        opts.binary_location = shutil.which("chromium")
    drv = webdriver.Chrome(options=opts)
    try:
        drv.set_script_timeout(10)
        drv.get(base + "/login")
        drv.find_element(By.ID, "username").send_keys(USER)
        drv.find_element(By.ID, "password").send_keys(PASSWORD)
        drv.find_element(By.ID, "login-submit").click()
        time.sleep(1)
        drv.get(base + f"/trade/{code}")
        end = time.time() + 20
        while time.time() < end and not drv.find_elements(By.CSS_SELECTOR, "#trade-book .ob-level"):
            time.sleep(0.1)
        drv.execute_script(OBSERVE_JS)
        # Wall clock of simulated time: at speed 1 the demo clock is wall time + a constant.
        offsets = []
        for _ in range(5):
            a = time.time()
            sim = clock.now().timestamp()
            b = time.time()
            offsets.append(sim - (a + b) / 2)
        offset = statistics.median(offsets)
        time.sleep(seconds)
        seen = drv.execute_script("return window.__ticks")
        tick_ms, pub_ms = [], []
        for stamp, dom_ms in seen:
            if not stamp:
                continue
            tick_wall = datetime.fromisoformat(stamp).timestamp() - offset
            tick_ms.append(dom_ms - tick_wall * 1000)
            if stamp in pub.first:
                pub_ms.append(dom_ms - pub.first[stamp])
        # Order acknowledgement: non-marketable limit buys at the deepest bid, one share each.
        ack = []
        for _ in range(n_orders):
            bids = drv.find_elements(By.CSS_SELECTOR, "#trade-book td.ob-price[data-side='bid']")
            bid = [b.get_attribute("data-price") for b in bids if b.get_attribute("data-price")][-1]
            drv.execute_script(
                "window.dash_clientside.set_props('order-price', {value: parseInt(arguments[0])});"
                "window.dash_clientside.set_props('order-qty', {value: 1});"
                "window.dash_clientside.set_props('order-side', {value: 'buy'});"
                "window.dash_clientside.set_props('order-type', {value: 'limit'});",
                bid,
            )
            time.sleep(0.3)
            ms = drv.execute_async_script(ORDER_JS)
            if ms >= 0:
                ack.append(ms)
            from app.runtime import runtime  # keep the open-orders table short, as a user would

            for o in runtime().broker().open_orders():
                runtime().broker().cancel_order(o.order_id)
            time.sleep(0.2)
        note = f"{len(seen)} quote changes observed"
        return tick_ms, pub_ms, ack, note
    finally:
        drv.quit()


# --- main -----------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--orders", type=int, default=30)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--quote-ms", type=int, default=None, help="override the trade page's quote polling")
    ap.add_argument(
        "--database-url",
        default=os.environ.get("TEST_DATABASE_URL", "mysql+pymysql://root@127.0.0.1:3306/test"),
    )
    args = ap.parse_args()

    db_url, db_label, drop = make_database(args.database_url)
    data_dir = Path(tempfile.mkdtemp(prefix="gslts-bench-data-"))
    try:
        app = build_app(db_url, data_dir)
        # Dash Pages imported the page module; reach the same module object.
        trade_page = next(m for n, m in list(sys.modules.items()) if n.endswith("pages.trade"))

        if args.quote_ms:
            trade_page.QUOTE_REFRESH_MS = args.quote_ms
        poll_s = trade_page.QUOTE_REFRESH_MS / 1000
        clock, how = ensure_market()
        timing = Timing(app.server.wsgi_app)
        app.server.wsgi_app = timing
        srv = serve(app.server, args.port)
        base = f"http://127.0.0.1:{args.port}"
        deps = DashClient(base).deps
        stop, errors = threading.Event(), []
        threads = []
        for i in range(args.clients):
            if i % 2 == 0:
                t = threading.Thread(target=ranking_client, args=(base, deps, stop, errors), daemon=True)
            else:
                t = threading.Thread(
                    target=trade_client, args=(base, deps, TRADE_CODE, stop, errors, poll_s), daemon=True
                )
            t.start()
            threads.append(t)
        time.sleep(2.0)
        pub = Publication(TRADE_CODE)
        tick_ms, pub_ms, ack_ms, note = browser(base, TRADE_CODE, args.seconds, clock, args.orders, pub)
        pub.stop.set()
        stop.set()
        for t in threads:
            t.join(timeout=5)
        srv.shutdown()
        samples = timing.all()
        print(
            f"mode: embedded app (full mode with a Redis market owner is not wired), database {db_label}; {how}"
        )
        print(
            "server: werkzeug threaded WSGI in-process; browser: headless Chromium via selenium; "
            f"trade quote polling {trade_page.QUOTE_REFRESH_MS} ms"
        )
        print(f"clients: {args.clients} ({(args.clients + 1) // 2} ranking, {args.clients // 2} trade), "
              f"{args.seconds:.0f} s; callbacks timed: {len(samples)}; browser: {note}; errors: {len(errors)}")  # fmt: skip
        for err in errors[:5]:
            print("  error:", err)
        for out, xs in sorted(timing.samples.items(), key=lambda kv: -len(kv[1])):
            label = out.strip(".").split("...")[0]
            print(f"  {label:<40} n={len(xs):>5}  p50={statistics.median(xs):6.1f} ms  p95={p95(xs):6.1f} ms")
        print(
            f"  tick_to_screen n={len(tick_ms)} p50={statistics.median(tick_ms) if tick_ms else float('nan'):.0f} ms"
        )
        print(
            f"  of which market publication → screen (the page's share): p50="
            f"{statistics.median(pub_ms) if pub_ms else float('nan'):.0f} ms p95={p95(pub_ms):.0f} ms; the rest is "
            "the market step (ticks are published when the service steps)"
        )
        print(
            f"  order_ack n={len(ack_ms)} p50={statistics.median(ack_ms) if ack_ms else float('nan'):.0f} ms"
        )
        print(f"callback_p95_ms={p95(samples):.1f}")
        print(f"tick_to_screen_p95_ms={p95(tick_ms):.0f}")
        print(f"order_ack_p95_ms={p95(ack_ms):.0f}")
    finally:
        from app.runtime import runtime

        svc = runtime().services.get("market")
        if svc is not None and hasattr(svc, "stop"):
            svc.stop()
        runtime().engine.dispose()
        drop()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
