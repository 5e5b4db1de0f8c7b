"""KIS overseas daily prices (``HHDFS76240000``, kis-api-notes §4.11): the US data fallback.

Confirmed by KIS's own samples (endpoint, parameters, ``output2`` fields ``xymd/open/high/low/clos/tvol``,
the same tr_id for real and paper). UNCONFIRMED and therefore parameters: the exchange code of NYSE
Arca ETFs (community code uses ``AMS``) and the rows per call (pages move ``BYMD`` back past the
oldest row until ``start`` is covered). Index symbols (``^GSPC``…) are not US stocks: not fetched here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from trading.brokers.common.values import to_float, to_int

PATH = "/uapi/overseas-price/v1/quotations/dailyprice"
TR_ID = "HHDFS76240000"
MAX_PAGES = 20


def parse_exchanges(text: str) -> dict[str, str]:
    """``"SOXX:NAS,SMH:NAS"`` → {"SOXX": "NAS", "SMH": "NAS"} (the ``US_KIS_EXCHANGES`` setting)."""
    out = {}
    for part in text.split(","):
        if ":" in part:
            sym, excd = part.split(":", 1)
            out[sym.strip().upper()] = excd.strip().upper()
    return out


def daily_rows(rest: Any, symbol: str, excd: str, start: date, end: date) -> list[dict[str, Any]]:
    """``output2`` rows of ``symbol`` from ``start`` to ``end`` (inclusive), oldest first, one per day."""
    rows: dict[str, dict[str, Any]] = {}
    cursor = end
    for _ in range(MAX_PAGES):
        params = {"AUTH": "", "EXCD": excd, "SYMB": symbol, "GUBN": "0",
                  "BYMD": cursor.strftime("%Y%m%d"), "MODP": "0"}  # fmt: skip
        page = [
            r
            for r in (rest.call("GET", PATH, TR_ID, params=params).body.get("output2") or [])
            if r.get("xymd")
        ]
        for r in page:
            rows.setdefault(str(r["xymd"]), r)
        if not page:
            break
        oldest = min(str(r["xymd"]) for r in page)
        nxt = date(int(oldest[:4]), int(oldest[4:6]), int(oldest[6:8])) - timedelta(days=1)
        if nxt < start or nxt >= cursor:
            break
        cursor = nxt
    lo, hi = start.strftime("%Y%m%d"), end.strftime("%Y%m%d")
    return [rows[k] for k in sorted(rows) if lo <= k <= hi and to_float(rows[k].get("clos")) > 0]


def row_ohlcv(row: Mapping[str, Any]) -> tuple[date, float, float, float, float, int]:
    """(day, open, high, low, close, volume) of an ``output2`` row."""
    d = str(row["xymd"])
    return (
        date(int(d[:4]), int(d[4:6]), int(d[6:8])),
        to_float(row.get("open")), to_float(row.get("high")), to_float(row.get("low")),
        to_float(row.get("clos")), to_int(row.get("tvol")),
    )  # fmt: skip
