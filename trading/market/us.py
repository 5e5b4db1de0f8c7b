"""The simulated US session series that drives the Korean sector factors.

One deterministic draw per NYSE session date (seeded by ``seed`` and the date), so the demo
history and the live simulator see exactly the same US returns for the same session.
"""

from __future__ import annotations

from datetime import date

import numpy as np

SECTOR_ETFS: tuple[str, ...] = (
    "XLK", "XLF", "XLE", "XLV", "XLI", "XLP", "XLY", "XLU", "XLB", "XLRE", "XLC", "SOXX", "SMH",
)  # fmt: skip
INDEXES: tuple[str, ...] = ("^GSPC", "^NDX", "^SOX")
US_SYMBOLS: tuple[str, ...] = SECTOR_ETFS + INDEXES

# (beta to the US market factor, idiosyncratic daily vol, starting price in USD)
_PARAMS: dict[str, tuple[float, float, float]] = {
    "XLK": (1.20, 0.008, 210.0),
    "XLF": (1.00, 0.008, 42.0),
    "XLE": (0.70, 0.014, 88.0),
    "XLV": (0.70, 0.007, 140.0),
    "XLI": (1.00, 0.007, 125.0),
    "XLP": (0.50, 0.006, 78.0),
    "XLY": (1.10, 0.009, 185.0),
    "XLU": (0.40, 0.009, 70.0),
    "XLB": (0.90, 0.008, 88.0),
    "XLRE": (0.80, 0.009, 41.0),
    "XLC": (1.00, 0.009, 85.0),
    "SOXX": (1.60, 0.016, 220.0),
}
_INDEX_START = {"^GSPC": 5200.0, "^NDX": 18000.0, "^SOX": 4800.0, "SMH": 240.0}
MARKET_VOL = 0.009  # daily vol of the common US factor
_US_SALT = 7_1031


def us_session_returns(seed: int, day: date) -> dict[str, float]:
    """Simple daily returns of every US symbol for the NYSE session ``day``."""
    rng = np.random.default_rng([seed, _US_SALT, day.toordinal()])
    m = rng.normal(0.0003, MARKET_VOL)
    z = rng.normal(0.0, 1.0, len(_PARAMS) + 1)
    out: dict[str, float] = {}
    for k, (sym, (beta, vol, _)) in enumerate(_PARAMS.items()):
        out[sym] = float(beta * m + vol * z[k])
    out["SMH"] = out["SOXX"] * 0.97 + 0.003 * float(z[-1])
    out["^SOX"] = out["SOXX"] * 1.02
    out["^GSPC"] = float(m)
    out["^NDX"] = 0.5 * out["XLK"] + 0.2 * out["XLC"] + 0.15 * out["SOXX"] + 0.15 * out["XLY"]
    return out


def us_start_price(symbol: str) -> float:
    return _PARAMS[symbol][2] if symbol in _PARAMS else _INDEX_START[symbol]
