"""The 10-level order book: asks above bids, quantity bars, totals, 체결강도, last-trade age.

The table has a fixed shape (10 ask rows, 10 bid rows, stable ids), rendered once by the server;
live updates arrive as plain data (``book_data``) and ``assets/dashboard.js`` writes them into the
cells, so a refresh costs no component tree. A price cell carries ``data-price``; a click on it
becomes the order panel's price in the browser (no round trip, never racing a refresh).
"""

from __future__ import annotations

from dash import html

from app.components.style import direction_class
from app.text import t
from app.trade import ids
from trading.domain import OrderBook, Quote

LEVELS = 10
STALE_WARN_S = 5.0
STALE_BAD_S = 30.0


def price_class(price: int, prev_close: int) -> str:
    """Red above the previous close, blue below, no class at it."""
    return direction_class(price - prev_close, flat="")


def age_class(age: float | None) -> str:
    """ "fresh", amber ("stale-warn") after 5 s, red ("stale-bad") after 30 s or with no trade at all."""
    if age is None or age > STALE_BAD_S:
        return "stale-bad"
    if age > STALE_WARN_S:
        return "stale-warn"
    return "fresh"


def age_text(age: float | None) -> str:
    if age is None:
        return t("trade.tick_age_none")
    return t("trade.tick_age", age=t("trade.sec_ago", s=age))


def book_data(book: OrderBook, q: Quote) -> dict:
    """The book as plain data for the browser: levels [price, qty, colour class], totals, strength."""
    return {
        "asks": [[lv.price, lv.qty, price_class(lv.price, q.prev_close)] for lv in book.asks[:LEVELS]],
        "bids": [[lv.price, lv.qty, price_class(lv.price, q.prev_close)] for lv in book.bids[:LEVELS]],
        "top": max([lv.qty for lv in book.asks[:LEVELS] + book.bids[:LEVELS]] or [0]),
        "ta": f"{book.total_ask_qty:,}",
        "tb": f"{book.total_bid_qty:,}",
        "str": f"{q.strength:.2f}%",
        "last": q.price,
    }


def _row(side: str, k: int, level: list | None, top: int, last: int) -> html.Tr:
    price, qty, cls = level if level else (0, 0, "")
    width = f"{min(100, qty * 100 // top) if top else 0}%"
    qty_cell = html.Td(
        [
            html.Div(className=f"ob-bar ob-bar-{side}", style={"width": width}, id=ids.ob_bar(side, k)),
            html.Span(f"{qty:,}" if level else "", id=ids.ob_qty(side, k)),
        ],
        className=f"ob-qty ob-qty-{side} num",
    )
    price_cell = html.Td(
        f"{price:,}" if level else "",
        className=f"{ids.OB_LEVEL_CLASS} ob-price {cls}" + (" ob-last" if level and price == last else ""),
        id=ids.ob_price(side, k),
        role="button",
        **{"data-price": str(price) if level else "", "data-side": side},
    )
    cells = [qty_cell, price_cell, html.Td()] if side == "ask" else [html.Td(), price_cell, qty_cell]
    return html.Tr(
        cells,
        className=f"ob-row-{side}",
        id=ids.ob_row(side, k),
        style=None if level else {"visibility": "hidden"},
    )


def book_table(book: OrderBook, q: Quote) -> html.Table:
    """The whole table: asks from the 10th down to the best, then bids from the best, then totals."""
    d = book_data(book, q)
    rows = [
        _row("ask", k, d["asks"][k] if k < len(d["asks"]) else None, d["top"], d["last"])
        for k in range(LEVELS)
    ][::-1]
    rows += [
        _row("bid", k, d["bids"][k] if k < len(d["bids"]) else None, d["top"], d["last"])
        for k in range(LEVELS)
    ]
    footer = html.Tr(
        [
            html.Td(d["ta"], className="num ob-total-ask", id=ids.OB_TOTAL_ASK),
            html.Td(
                [
                    t("book.total"),
                    html.Br(),
                    html.Small([t("book.strength"), " ", html.Span(d["str"], id=ids.OB_STRENGTH)]),
                ],
                className="text-center small",
            ),
            html.Td(d["tb"], className="num ob-total-bid", id=ids.OB_TOTAL_BID),
        ],
        className="ob-footer",
    )
    return html.Table([html.Tbody(rows + [footer])], className="table table-sm ob-table mb-0")
