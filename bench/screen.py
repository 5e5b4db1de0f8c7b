"""Screen benchmark: one screen over the daily bars of all 2,555 stocks (issue 15: ≤ 1 s).

Seeds a fresh database (SQLite by default, or ``--database-url``) with the stock master and demo
daily history of every stock (``trading.market.history``, the ``gslts demo-data`` model, ~150
sessions), then times ``services.screens.run`` on a screen using every indicator (RSI, MACD cross,
MA cross; no filter narrows the stocks before the indicators):

  screen_all_stocks_s   warm: the panel is cached in the process; includes the freshness check
                        (one index range count on daily_bars) and the engine (best of --repeats)
  screen_cold_load_s    cold: the one-query panel load (130 sessions × 2,555 stocks) plus the screen
  compute_only_s        the engine alone on the loaded panel (best of --repeats)

Prints, last: screen_all_stocks_s, screen_cold_load_s, compute_only_s, hits, stocks.

    python bench/screen.py [--database-url URL] [--repeats 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.engine import make_engine  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.repositories.bars import insert_daily_bars  # noqa: E402
from db.seed import seed  # noqa: E402
from services import screens  # noqa: E402
from trading.market.history import generate_history  # noqa: E402
from trading.market.stocks import load_listing  # noqa: E402
from trading.screen.engine import run_screen  # noqa: E402
from trading.screen.spec import parse_screen  # noqa: E402

END = date(2026, 11, 27)
SPEC = {
    "rsi": {"period": 14, "max": 70},
    "macd_cross": {"direction": "golden", "within": 5},
    "ma_cross": {"direction": "golden", "fast": 5, "slow": 20, "within": 5},
    "limit": 500,
}


def _best(fn, repeats: int) -> float:  # noqa: ANN001
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", help="an empty database (default: a temporary SQLite file)")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'screen.db'}"
        upgrade(url)
        engine = make_engine(url)
        seed(engine)
        t = time.perf_counter()
        history = generate_history(load_listing(), end=END, years=0.6, minute_days=0, seed=42)
        insert_daily_bars(engine, history.daily)
        print(f"seeded {len(history.daily):,} daily bars in {time.perf_counter() - t:.1f} s", file=sys.stderr)

        spec = parse_screen(SPEC)
        screens.clear_cache()
        t = time.perf_counter()
        result = screens.run(engine, spec)
        cold = time.perf_counter() - t
        warm = _best(lambda: screens.run(engine, spec), args.repeats)
        panel = screens.panel(engine)
        compute = _best(lambda: run_screen(spec, panel), args.repeats)
        engine.dispose()
    print(f"screen_all_stocks_s={warm:.3f}")
    print(f"screen_cold_load_s={cold:.3f}")
    print(f"compute_only_s={compute:.3f}")
    print(f"hits={len(result.hits)}")
    print(f"stocks={result.stocks}")


if __name__ == "__main__":
    main()
