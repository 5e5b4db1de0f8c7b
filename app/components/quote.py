"""The trade page's live header and book as plain data: what the poll and the live stream both send.

``live_payload`` is the one format of the ``trade-live`` data: ``s`` (the quote's tick timestamp, which
the page puts into the price's ``title``), the tick age, and — unless only the age is wanted — the
header texts and the book levels. ``gslts.renderLive`` (assets/dashboard.js) writes it into the DOM.
"""

from __future__ import annotations

from typing import Any

from app.components.orderbook import age_class, age_text, book_data
from app.components.style import direction_class
from app.i18n import current_lang
from app.text import t
from trading.domain import OrderBook, Quote
from trading.krx import amount_kr, signed_pct


def quote_stamp(q: Quote) -> str:
    return q.time.isoformat(timespec="milliseconds")


def header_values(q: Quote) -> tuple:
    """(price, price class, stamp, change, change class, volume, value, OHLC line) of the header."""
    cls = direction_class(q.change)
    arrow = "▲" if q.change > 0 else "▼" if q.change < 0 else ""
    return (
        f"{q.price:,}",
        f"num trade-price {cls}",
        quote_stamp(q),
        f"{arrow}{signed_pct(q.change, q.change_pct)}",
        f"trade-change {cls}",
        f"{q.volume:,}",
        amount_kr(q.value) if current_lang() == "ko" else f"{q.value:,}",
        f"{t('trade.open')} {q.open:,} · {t('trade.high')} {q.high:,} · {t('trade.low')} {q.low:,}",
    )


def age_payload(q: Quote, age: float | None, stale: bool = False) -> dict[str, Any]:
    """Only the tick age (with the stamp it belongs to) and whether the data is stale (``st``: the
    badge's text, empty when live)."""
    return {
        "s": quote_stamp(q),
        "age": age_text(age),
        "agec": f"trade-tick-age small {age_class(age)}",
        "st": t("trade.stale") if stale else "",
    }


def live_payload(q: Quote, book: OrderBook, age: float | None, stale: bool = False) -> dict[str, Any]:
    """The header and the book of ``q``/``book`` plus the tick age and the stale flag."""
    price, price_cls, _stamp, change, change_cls, vol, val, ohlc = header_values(q)
    out = age_payload(q, age, stale)
    out.update(
        {
            "p": price,
            "pc": price_cls,
            "chg": change,
            "chgc": change_cls,
            "vol": vol,
            "val": val,
            "ohlc": ohlc,
        },
        **book_data(book, q),
    )
    return out
