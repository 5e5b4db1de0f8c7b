"""What the instrumentation costs (trading/metrics.py): a labelled counter increment, a gauge set, one gateway
outcome (counter + histogram), in-process and in multiprocess mode (files in PROMETHEUS_MULTIPROC_DIR), and
one /metrics exposition over the files of 12 processes. Prints ``name=value`` lines last.

    .venv/bin/python bench/metrics.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import timeit

N = 100_000
PROCESSES = 12


def costs(prefix: str) -> None:
    from trading import metrics

    child = metrics.DENIALS.labels("BAD_QTY")
    runs = {
        "counter_inc_us": lambda: metrics.DENIALS.labels("BAD_QTY").inc(),
        "bound_counter_inc_us": child.inc,
        "gauge_set_us": lambda: metrics.MARKET_LAST_TICK.set(1.0),
        "order_outcome_us": lambda: metrics.order_outcome("paper", "place", "accepted", 0.004),
    }
    for name, fn in runs.items():
        best = min(timeit.repeat(fn, number=N, repeat=3)) / N * 1e6
        print(f"{prefix}{name}={best:.2f}", flush=True)


def fill(directory: str) -> None:
    """Child: write a realistic set of series into the shared directory."""
    from trading import metrics

    for broker in ("paper", "kis"):
        for result in ("accepted", "rejected", "unknown"):
            metrics.order_outcome(broker, "place", result, 0.01)
    for reason in ("BAD_QTY", "MAX_AMOUNT", "HALTED"):
        metrics.DENIALS.labels(reason).inc()
    for route in ("/health", "/_dash-update-component", "/metrics"):
        metrics.HTTP_REQUESTS.labels(route, "200").inc()
        metrics.HTTP_SECONDS.labels(route).observe(0.01)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        costs("mp_") if sys.argv[2] == "costs" else fill(os.environ["PROMETHEUS_MULTIPROC_DIR"])
        return
    costs("")
    with tempfile.TemporaryDirectory() as directory:
        env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": directory}
        subprocess.run([sys.executable, __file__, "--child", "costs"], env=env, check=True)
        for _ in range(PROCESSES):
            subprocess.run([sys.executable, __file__, "--child", "fill"], env=env, check=True)
        from prometheus_client import CollectorRegistry, generate_latest, multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)
        scrape = min(timeit.repeat(lambda: generate_latest(registry), number=20, repeat=3)) / 20 * 1000
        print(f"scrape_{PROCESSES}_processes_ms={scrape:.1f}")


if __name__ == "__main__":
    main()
