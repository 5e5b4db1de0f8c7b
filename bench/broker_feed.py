"""Broker feed benchmark (issue 14): the KIS/Kiwoom market-data service under a 2,000 ticks/s stream.

    python bench/broker_feed.py [--ticks-per-s 2000] [--codes 40] [--seconds 60]
                                [--rate-per-api-s N] [--global-rate-per-s N]

The broker is **Kiwoom (mock)** against the fake server (tests/fakes/fake_kiwoom.py, run in this
process): its websocket takes 200 stocks (``KIWOOM_MAX_WS_ITEMS``), so all ``--codes`` stocks stream
over the websocket (ticks and books of each, as the feed subscribes them), whereas KIS's 40
registrations hold only 19 stocks. REST limits: ``KIWOOM_GLOBAL_RATE_PER_S`` = 10 for all api-ids
(``--global-rate-per-s``; the setting's default is 4) and ``KIWOOM_RATE_PER_API_S`` the setting's 2 per
api-id (``--rate-per-api-s``). The feed needs REST only for each stock's first snapshot (ka10001 +
ka10004) and minute chart (ka10080) and the ranking (ka10032, paged, every 5 s), so the ticks never wait
for it; but the account sync and the reconciler (ka10075, ka10076, kt00018, kt00001) take about 3 calls a
second, so at the default 4/s 40 stocks took more than 2 minutes to open in trial runs, instead of ~25 s.

1. A fresh SQLite database and data dir in a temporary folder (embedded mode, no Redis): migrated,
   seeded, the bench user added. The fake Kiwoom serves the whole listing and records the time of
   every HTTP request it receives (tokens included).
2. The app as ``gslts run`` serves it: gunicorn, one worker (it owns the account and runs the broker
   feed and the job schedule) × ``app.serve.THREADS`` threads, built by ``counted_app()`` below, which
   counts the ticks the feed has handled (``BrokerFeed._on_tick`` done: quote cached, listeners told)
   into a file.
3. A headless Chromium logs in and opens /trade/<the top stock>; the other ``--codes`` − 1 of the
   ranking's top stocks are viewed through the app's local RPC endpoint (a quote read, as the recorder
   or a CLI does; one dropped past its RPC deadline is asked again), so the feed subscribes all of them
   on demand. From the start the fake streams ``--ticks-per-s`` ticks/s spread round-robin over the
   stocks subscribed so far (``FakeBroker.stream_ticks``; every 20 ms each stock's due ticks in one
   frame), as a market would (a silent websocket would also trip the feed's no-data watchdog).
4. Once all of them stream and their minute charts are fetched, after ``--warmup`` s, for ``--seconds``: ``feed_ticks_per_s`` is the feed's tick count over the window (the lowest
   5-second rate is printed beside it). The trade page's stock gets prices that encode its tick number
   (base + 10 × (n mod 1000)); the fake notes the wall time of each push, a MutationObserver the time
   each price reaches ``#trade-price`` over the live stream (SSE ``/api/v1/stream/<code>``) →
   ``tick_to_screen_p95_ms`` (a shown price is matched to its latest push before it; ticks the page
   coalesced are not shown, so not counted). ``rest_calls_per_s_max`` is the most requests the fake
   received in any 1-second sliding window of the whole run (start-up, 40 snapshots and charts,
   rankings, the stream), beside ``rest_limit_per_s``, the configured all-api-id limit.

Prints a summary, the LAST lines being ``feed_ticks_per_s=``, ``tick_to_screen_p95_ms=``,
``rest_calls_per_s_max=``.
"""

from __future__ import annotations

import argparse
import bisect
import collections
import contextlib
import os
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench.web import (  # noqa: E402
    PASSWORD,
    USER,
    BenchError,
    Processes,
    free_port,
    log,
    p50,
    p95,
    run_bench,
    seed_database,
    start_browser,
    start_web,
    wait_for,
)

PRICE_STEPS = 1000  # the observed stock's prices repeat after this many ticks (20 s at 50 ticks/s)


# --- inside the gunicorn worker -------------------------------------------------------------------


def counted_app():  # noqa: ANN201 - gunicorn factory: ``bench.broker_feed:counted_app()``
    """``app.wsgi`` (what ``gslts run`` serves) with the broker feed's handled ticks counted into
    ``$BENCH_FEED_DIR/feed-<pid>.tsv`` (wall time, count) every 0.25 s."""
    from services.broker_feed import BrokerFeed

    handled = [0]
    on_tick = BrokerFeed._on_tick

    def counting(self, tick):  # noqa: ANN001, ANN202 - the feed's websocket thread only
        on_tick(self, tick)
        handled[0] += 1

    BrokerFeed._on_tick = counting
    path = Path(os.environ["BENCH_FEED_DIR"]) / f"feed-{os.getpid()}.tsv"

    def write() -> None:
        with path.open("a", buffering=1) as fh:
            while True:
                fh.write(f"{time.time():.4f}\t{handled[0]}\n")
                time.sleep(0.25)

    threading.Thread(target=write, daemon=True, name="bench-feed-count").start()
    from app.wsgi import server

    return server


def read_counts(out_dir: Path) -> list[tuple[float, int]]:
    rows = []
    for path in out_dir.glob("feed-*.tsv"):
        for line in path.read_text().splitlines():
            at, n = line.split("\t")
            rows.append((float(at), int(n)))
    return sorted(rows)


def feed_rates(counts: list[tuple[float, int]], t_from: float, t_to: float) -> tuple[float, float, int]:
    """(ticks/s over the window, the lowest rate over 5 s inside it, ticks) from the count samples."""
    inside = [(t, n) for t, n in counts if t_from <= t <= t_to]
    if len(inside) < 2:
        return float("nan"), float("nan"), 0
    (t0, n0), (t1, n1) = inside[0], inside[-1]
    lowest = float("inf")
    j = 0
    for i, (ta, na) in enumerate(inside):
        j = max(j, i)
        while j < len(inside) and inside[j][0] - ta < 5.0:
            j += 1
        if j == len(inside):
            break
        tb, nb = inside[j]
        lowest = min(lowest, (nb - na) / (tb - ta))
    return (n1 - n0) / (t1 - t0), lowest, n1 - n0


def max_per_window(times: list[float], window: float = 1.0) -> int:
    """The most of ``times`` (sorted) inside any ``window``-second sliding window."""
    best, i = 0, 0
    for j, t in enumerate(times):
        while t - times[i] >= window:
            i += 1
        best = max(best, j - i + 1)
    return best


def shortest_span(times: list[float], n: int) -> float:
    """The shortest time (s) in which ``n`` of ``times`` (sorted) arrived (inf: fewer than ``n``)."""
    return min((times[i + n - 1] - times[i] for i in range(len(times) - n + 1)), default=float("inf"))


# --- the bench ------------------------------------------------------------------------------------

OBSERVE_JS = """
window.__shown = [];
const el = document.getElementById('trade-price');
new MutationObserver(() => window.__shown.push([el.textContent, Date.now()]))
  .observe(el, {childList: true, characterData: true, subtree: true});
"""


STALE_JS = """
const b = document.getElementById('trade-stale');
return !!b && b.offsetParent !== null;
"""


def counting_fake():  # noqa: ANN201
    """The fake Kiwoom (whole listing, any app key) recording the monotonic time of every request."""
    from fakes.fake_base import listing_universe
    from fakes.fake_kiwoom import FakeKiwoom

    class CountingKiwoom(FakeKiwoom):
        def __init__(self, *args, **kwargs):  # noqa: ANN002, ANN003
            self.requests: list[float] = []
            self.requests_lock = threading.Lock()
            super().__init__(*args, **kwargs)

        def route(self, req):  # noqa: ANN001, ANN202
            with self.requests_lock:
                self.requests.append(time.monotonic())
            return super().route(req)

    return CountingKiwoom("mock", accept_any_key=True, universe=listing_universe()).start()


def run(args: argparse.Namespace, cleanup: contextlib.ExitStack) -> list[str]:
    from selenium.webdriver.common.by import By

    from app.serve import THREADS
    from services.embedded import api_token
    from trading.brokers.http_rpc import HttpTransport
    from trading.brokers.rpc import RpcBroker
    from trading.config import load_settings

    t_start = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="gslts-bench-feed-"))
    cleanup.callback(shutil.rmtree, work, ignore_errors=True)
    data_dir, count_dir = work / "data", work / "counts"
    data_dir.mkdir()
    count_dir.mkdir()
    db_url = f"sqlite:///{work / 'bench.db'}"
    seed_database(db_url)

    fake = counting_fake()
    cleanup.callback(fake.stop)
    defaults = load_settings()
    per_api = args.rate_per_api_s or defaults.kiwoom_rate_per_api_s
    global_limit = args.global_rate_per_s or defaults.kiwoom_global_rate_per_s
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": "",
        "DATA_DIR": str(data_dir),
        "BROKER": "kiwoom",
        "BROKER_ENV": "mock",
        "KIWOOM_APP_KEY": "bench-key",
        "KIWOOM_SECRET_KEY": "bench-secret",
        "KIWOOM_REST_URL": fake.rest_url,
        "KIWOOM_WS_URL": fake.ws_url,
        "KIWOOM_RATE_PER_API_S": str(per_api),
        "KIWOOM_GLOBAL_RATE_PER_S": str(global_limit),
        "LIVE_TRADING": "false",
        "SECRET_KEY": secrets.token_hex(32),
        "BENCH_FEED_DIR": str(count_dir),
        "PYTHONUNBUFFERED": "1",
    }
    codes = fake.ranked()[: args.codes]
    code = codes[0]  # the trade page's stock
    base_price = fake.prices[code]

    # The market streams from the start: a stock the feed subscribes gets its share of ticks at once.
    pushes: list[tuple[float, int]] = []  # (wall ms, price) of the trade page's stock

    def price_of(c: str, n: int) -> int:
        return base_price + 10 * (n % PRICE_STEPS) if c == code else fake.prices[c] + 10 * (n % 7 - 3)

    def on_sent(c: str, prices: list[int], wall: float) -> None:
        if c == code:
            pushes.extend((wall * 1000, p) for p in prices)

    stream = fake.stream_ticks(args.ticks_per_s, price_of, on_sent)
    cleanup.callback(stream.stop)

    procs = Processes(work)
    cleanup.callback(procs.stop_all)
    base = start_web(procs, "bench.broker_feed:counted_app()", env, (1, THREADS), free_port())
    rpc = RpcBroker(HttpTransport(base, api_token(load_settings(data_dir=data_dir))))
    cleanup.callback(rpc.close)
    t_app = time.monotonic() - t_start

    drv = start_browser()
    cleanup.callback(drv.quit)
    drv.set_script_timeout(15)
    drv.get(base + "/login")
    drv.find_element(By.ID, "username").send_keys(USER)
    drv.find_element(By.ID, "password").send_keys(PASSWORD)
    drv.find_element(By.ID, "login-submit").click()
    wait_for("the login redirect", lambda: "/login" not in drv.current_url, 20)
    book_css = "#trade-book td.ob-price[data-side='bid']"

    def trade_page() -> bool:  # a page opened before the feed's first snapshot may need a reload
        drv.get(base + f"/trade/{code}")
        end = time.monotonic() + 15
        while time.monotonic() < end:
            if drv.find_elements(By.CSS_SELECTOR, book_css) and drv.execute_script(
                "return GSLTS.live.code()"
            ):
                return True
            time.sleep(0.3)
        return False

    wait_for(f"/trade/{code} with its order book", trade_page, 60, procs)

    t0 = time.monotonic()

    def view(other: str) -> None:  # viewed, so the feed serves it (the read waits up to BROKER_OPEN_WAIT_S)
        with contextlib.suppress(Exception):
            rpc.quote(other)

    kind = fake.tick_frame(code, 1)[0]
    asked: dict[str, float] = {}
    pool = ThreadPoolExecutor(max_workers=8)  # a read past its RPC deadline is dropped unseen: ask again
    cleanup.callback(pool.shutdown, wait=False, cancel_futures=True)

    def all_streaming() -> bool:
        missing = set(codes) - fake.subscribers(kind)
        now = time.monotonic()
        for other in sorted(missing - {code}):
            if now - asked.get(other, -1e9) >= 15.0:
                asked[other] = now
                pool.submit(view, other)
        return not missing

    try:
        wait_for(
            f"all {len(codes)} stocks on the fake's websocket",
            all_streaming,
            args.subscribe_timeout,
            procs,
            0.5,
        )
    except BenchError as err:
        on = len(set(codes) & fake.subscribers(kind))
        log(f"REST calls so far by api-id: {dict(collections.Counter(a for _, a in fake.calls))}")
        said = [x for x in (work / "web.log").read_text(errors="replace").splitlines() if "broker feed" in x]
        raise BenchError(
            f"{err} ({on} there); the broker feed's log lines:\n" + "\n".join(said[-20:])
        ) from None
    t_subscribe = time.monotonic() - t0
    log(
        f"{len(codes)} stocks subscribed in {t_subscribe:.0f} s; the fake streams {args.ticks_per_s:.0f} ticks/s"
    )

    try:
        wait_for(
            "the trade page's live stream", lambda: drv.execute_script("return GSLTS.live.pushing()"), 60
        )
    except BenchError as err:
        stats = drv.execute_script("return [GSLTS.live.code(), GSLTS.live.stats]")
        raise BenchError(f"{err} ({stats}); the app's log ends:\n{procs.tail(work / 'web.log')}") from None
    # The feed's first REST round ends with each stock's minute chart (ka10080): start after it.
    t0 = time.monotonic()
    with contextlib.suppress(BenchError):
        wait_for("the minute charts", lambda: sum(1 for _, a in list(fake.calls) if a == "ka10080") >= len(codes), 180)  # fmt: skip
    t_charts = time.monotonic() - t0
    time.sleep(args.warmup)
    drv.execute_script(OBSERVE_JS)
    sent0, w_from = stream.sent, time.time()
    loads = [os.getloadavg()[0]]
    stale_samples: list[bool] = []
    end = time.monotonic() + args.seconds
    next_load = time.monotonic() + 5.0
    while time.monotonic() < end:
        time.sleep(1.0)
        stale_samples.append(bool(drv.execute_script(STALE_JS)))
        if time.monotonic() >= next_load:
            next_load += 5.0
            loads.append(os.getloadavg()[0])
        procs.check()
    w_to, sent1 = time.time(), stream.sent
    shown = drv.execute_script("return window.__shown")
    live = drv.execute_script("return [GSLTS.live.pushing(), GSLTS.live.stats]")
    stream.stop()
    time.sleep(0.5)  # the count file's last line
    with fake.requests_lock:
        requests_at = sorted(fake.requests)
    api_calls = sorted(t for t, _ in list(fake.calls))
    per_api_times: dict[str, list[float]] = {}
    for t, api in sorted(fake.calls):
        per_api_times.setdefault(api, []).append(t)
    per_api_max = {api: max_per_window(ts) for api, ts in per_api_times.items()}

    # tick → screen: each price shown, matched to its latest push at or before it was shown
    push_ms = [w for w, _ in pushes]
    by_price: dict[int, list[float]] = {}
    for w, p in pushes:
        by_price.setdefault(p, []).append(w)
    seen: set[tuple[int, float]] = set()
    lat: list[float] = []
    unmatched = 0
    for text, dom in shown:
        digits = re.sub(r"\D", "", text or "")
        if not digits:
            continue
        walls = by_price.get(int(digits), [])
        i = bisect.bisect_right(walls, dom) - 1
        if i < 0:
            unmatched += 1
            continue
        if (int(digits), walls[i]) in seen:
            continue
        seen.add((int(digits), walls[i]))
        lat.append(dom - walls[i])
    pushed_in_window = sum(1 for w in push_ms if w_from * 1000 <= w <= w_to * 1000)

    rate, lowest, handled = feed_rates(read_counts(count_dir), w_from, w_to)
    fake_rate = (sent1 - sent0) / (w_to - w_from)
    rest_max = max_per_window(requests_at)
    over = shortest_span(requests_at, global_limit + 1)
    stats = live[1] or {}
    lines = [
        "broker: Kiwoom (mock) fake server, in this process; app: embedded mode (gunicorn 1 worker × "
        f"{THREADS} threads, SQLite, no Redis) owning the account and running the broker feed",
        f"set-up: app {t_app:.0f} s; {len(codes)} stocks viewed and on the websocket in {t_subscribe:.0f} s "
        f"(REST at {global_limit}/s for all api-ids, {per_api}/s per api-id), their minute charts {t_charts:.0f} s later",
        f"stream: {args.ticks_per_s:.0f} ticks/s asked over {len(codes)} stocks; the fake sent {fake_rate:.0f} ticks/s "
        f"({sent1 - sent0} ticks, {stream.frames} frames in all) during the {w_to - w_from:.0f} s window",
        f"  feed handled {handled} ticks: {rate:.0f} ticks/s, lowest over 5 s {lowest:.0f} ticks/s",
        f"  trade page /trade/{code}: {pushed_in_window} ticks pushed, {len(lat)} distinct prices shown "
        f"(the live stream coalesces what arrives while a message is being written), {unmatched} unmatched; "
        f"live stream {'pushing' if live[0] else 'NOT pushing'} at the end, opened {stats.get('opened', 0)}×, "
        f"{stats.get('messages', 0)} messages, {stats.get('errors', 0)} errors; stale badge (지연 데이터) shown "
        f"in {sum(stale_samples)} of {len(stale_samples)} once-a-second looks",
        f"  tick_to_screen n={len(lat)} p50={p50(lat):.0f} ms p95={p95(lat):.0f} ms max={max(lat, default=float('nan')):.0f} ms",
        f"  REST: {len(requests_at)} requests in {time.monotonic() - t_start:.0f} s ({len(api_calls)} API calls); "
        "most in any 1 s per api-id: "
        + ", ".join(f"{a} {n}" for a, n in sorted(per_api_max.items(), key=lambda kv: -kv[1]))
        + f" (limit {per_api}; over it: "
        + (
            ", ".join(
                f"{a}: {per_api + 1} calls in {shortest_span(ts, per_api + 1) * 1000:.0f} ms"
                for a, ts in per_api_times.items()
                if per_api_max[a] > per_api
            )
            or "none"
        )
        + f"); shortest span of {global_limit + 1} successive requests "
        f"{over * 1000:.0f} ms (the app's limiter books a call when it sends it, the fake counts it when "
        "it arrives)",
        f"host: {os.cpu_count()} CPUs, 1-min load average during the window {min(loads):.1f}..{max(loads):.1f} "
        "(fake, app and browser share it)",
        f"rest_limit_per_s={global_limit}",
        f"feed_ticks_per_s={rate:.0f}",
        f"tick_to_screen_p95_ms={p95(lat):.0f}",
        f"rest_calls_per_s_max={rest_max}",
    ]
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ticks-per-s", type=float, default=2000.0, help="the fake's stream over all stocks")
    ap.add_argument("--codes", type=int, default=40, help="stocks subscribed (the ranking's top)")
    ap.add_argument("--seconds", type=float, default=60.0, help="the measured window")
    ap.add_argument("--subscribe-timeout", type=float, default=300.0, help="seconds for all stocks to stream")
    ap.add_argument("--warmup", type=float, default=5.0, help="seconds of stream before the window")
    ap.add_argument("--rate-per-api-s", type=int, default=0, help="KIWOOM_RATE_PER_API_S (0: the setting's)")
    ap.add_argument("--global-rate-per-s", type=int, default=10, help="KIWOOM_GLOBAL_RATE_PER_S (0: the setting's)")  # fmt: skip
    run_bench(run, ap.parse_args())


if __name__ == "__main__":
    main()
