"""Multiprocess metrics: gunicorn with 2 workers (as the Procfile runs the web) sharing
PROMETHEUS_MULTIPROC_DIR; /metrics, whichever worker answers it, sums both workers' counts."""

from __future__ import annotations

import glob
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.mmap_dict import MmapedDict
from support.private_services import free_port
from support.wait import wait_for

from trading.config import PROJECT_ROOT

TOKEN = "gunicorn-metrics-token"
ROUTE = 'route="/health"'


def _health_count(text: str) -> float:
    """Sum of gslts_http_requests_total for /health over every status."""
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("gslts_http_requests_total{") and ROUTE in line
    )


def _served_by_pid(directory: Path) -> dict[int, float]:
    """Each worker's own /health count, read from its counter file in the shared directory."""
    out: dict[int, float] = {}
    for path in glob.glob(str(directory / "counter_*.db")):
        pid = int(re.search(r"counter_(\d+)\.db$", path).group(1))
        d = MmapedDict(path, read_mode=True)
        try:
            out[pid] = sum(
                v for key, v, _ in d.read_all_values() if "gslts_http_requests" in key and "/health" in key
            )
        finally:
            d.close()
    return {pid: n for pid, n in out.items() if n}


@pytest.fixture
def gunicorn_web(app_settings, redis_url, tmp_path):
    """The full-mode web: gunicorn, 2 gthread workers, app/gunicorn_conf.py, on a free port; yields its URL,
    the shared metrics directory and the environment (for another process of the same deployment)."""
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    env = {
        **os.environ,
        "DATABASE_URL": app_settings.database_url,
        "DATA_DIR": str(app_settings.data_dir),
        "REDIS_URL": redis_url,
        "SECRET_KEY": "s" * 40,
        "METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - the child writes it
    cmd = [sys.executable, "-m", "gunicorn", "-c", str(PROJECT_ROOT / "app" / "gunicorn_conf.py"),
           "app.wsgi:server", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--worker-class", "gthread",
           "--threads", "4"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/health", timeout=30).status_code in (200, 503)  # none left in flight
        except httpx.HTTPError:
            return False

    try:
        assert wait_for(up, timeout=60), (tmp_path / "gunicorn.log").read_text()[-3000:]
        yield base, metrics_dir, env
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_two_workers_counts_are_summed(gunicorn_web):
    base, metrics_dir, _ = gunicorn_web

    def hit(_: int) -> None:
        with httpx.Client(headers={"Connection": "close"}) as c:  # a new connection: any worker may take it
            c.get(f"{base}/health", timeout=10)

    sent = 1  # the readiness probe's last request
    deadline = time.monotonic() + 40
    with ThreadPoolExecutor(8) as pool:
        while len(_served_by_pid(metrics_dir)) < 2 and time.monotonic() < deadline:
            list(pool.map(hit, range(16)))
            sent += 16
    per_worker = _served_by_pid(metrics_dir)
    assert len(per_worker) == 2, per_worker  # both workers served /health
    total = sum(per_worker.values())
    assert total == sent

    outside = httpx.get(f"{base}/metrics", timeout=10)  # a local caller: allowed
    assert outside.status_code == 200
    scraped = _health_count(outside.text)
    assert scraped == total, (scraped, per_worker)
    # Both workers answer the scrape with the same sum (a new connection each time).
    for _ in range(4):
        again = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
        assert _health_count(again.text) == total


def test_another_process_of_the_deployment_is_summed_too(gunicorn_web):
    """The market (or recorder, Celery) writes into the same directory: the web's /metrics shows it."""
    base, _, env = gunicorn_web
    before = httpx.get(f"{base}/metrics", timeout=10).text
    code = "from trading import metrics; metrics.order_outcome('paper', 'place', 'accepted', 0.01)"
    for _ in range(2):  # two market processes one after the other (a restart): both counts stay
        subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    after = httpx.get(f"{base}/metrics", timeout=10).text

    def orders(text: str) -> float:
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("gslts_orders_total{") and 'result="accepted"' in line
        )

    assert orders(after) - orders(before) == 2


def test_a_dead_processs_connection_state_leaves_the_scrape(gunicorn_web):
    """The websocket's ``connected`` is a state of its process: a live process's value shows, one that was
    killed without saying goodbye is dropped at the next scrape (its counters stay summed)."""
    base, metrics_dir, env = gunicorn_web
    code = (
        "import sys, time; from trading import metrics; metrics.WS_CONNECTED.labels(sys.argv[1]).set(1); "
        "metrics.feed_event(sys.argv[1]); print('ready', flush=True); time.sleep(60)"
    )
    procs = {b: subprocess.Popen([sys.executable, "-c", code, b], env=env, stdout=subprocess.PIPE, text=True)
             for b in ("kis", "kiwoom")}  # fmt: skip
    try:
        for p in procs.values():
            assert p.stdout.readline().strip() == "ready"
        text = httpx.get(f"{base}/metrics", timeout=10).text
        assert 'gslts_broker_ws_connected{broker="kis"} 1.0' in text
        assert 'gslts_broker_ws_connected{broker="kiwoom"} 1.0' in text
        procs["kis"].kill()  # SIGKILL: no mark_dead
        procs["kis"].wait(10)
        text = httpx.get(f"{base}/metrics", timeout=10).text
        assert 'gslts_broker_ws_connected{broker="kis"}' not in text
        assert 'gslts_broker_ws_connected{broker="kiwoom"} 1.0' in text
        assert not list(metrics_dir.glob(f"gauge_live*_{procs['kis'].pid}.db"))
    finally:
        for p in procs.values():
            p.kill()
            p.wait(10)
