"""The trade page's live header and order book: pushed by the stream, polled while the stream is down.

The server renders both once (``header``, ``book_card``); after that, updates arrive as plain data
(``app/components/quote.py`` ``live_payload``) — from ``/api/v1/stream/<code>`` (assets/live.js) or from
the ``trade-fast`` poll into ``trade-live`` — and ``gslts.renderLive`` (assets/dashboard.js) writes them
into the DOM by id (``app/trade/ids.py``).
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, html
from dash.exceptions import PreventUpdate

from app.components.data import StockMeta, market_data
from app.components.help import term
from app.components.navbar import mode_badge
from app.components.orderbook import age_class, age_text, book_table
from app.components.quote import age_payload, header_values, live_payload, quote_stamp
from app.i18n import current_lang
from app.text import t
from app.trade import ids
from trading.domain import OrderBook, Quote

QUOTE_REFRESH_MS = 1000  # settings.quote_refresh_ms: the poll behind the live stream

# --- layout ---------------------------------------------------------------------------------------


def stale_badge(stale: bool) -> dbc.Badge:
    """지연 데이터 / Stale data: shown while the broker feed has no live source for the code."""
    return dbc.Badge(
        t("trade.stale") if stale else "",
        id=ids.TRADE_STALE,
        color="warning",
        className="ms-2 align-middle trade-stale" + ("" if stale else " d-none"),
        title=t("trade.stale_hint"),
    )


def is_stale(md: object, code: str) -> bool:
    check = getattr(md, "is_stale", None)
    return bool(check(code)) if check is not None else False


def header(meta: StockMeta, q: Quote, age: float | None, stale: bool = False) -> html.Div:
    """Name, code, market, mode; price and change; volume, value, OHLC and the last trade's age."""
    price, price_cls, stamp, change, change_cls, vol, val, ohlc = header_values(q)
    lang = current_lang()
    return html.Div(
        [
            html.Div(
                [
                    html.H1(
                        [
                            html.Span(meta.name(lang), id=ids.TRADE_NAME),
                            html.Small(
                                f" {meta.code}", className="text-body-secondary ms-1", id=ids.TRADE_CODE_LABEL
                            ),
                            dbc.Badge(meta.market, color="secondary", className="ms-2 align-middle"),
                            mode_badge(ids.TRADE_MODE),
                            stale_badge(stale),
                        ],
                        className="h5 mb-1",
                    ),
                    html.Div(
                        [
                            html.Span(price, id=ids.TRADE_PRICE, className=price_cls, title=stamp),
                            html.Span(change, id=ids.TRADE_CHANGE, className=change_cls),
                        ],
                        className="d-flex align-items-baseline gap-2",
                    ),
                ],
                className="me-auto",
            ),
            html.Div(
                [
                    html.Div(
                        [
                            html.Span(t("trade.volume") + " "),
                            html.Span(vol, id=ids.TRADE_VOLUME, className="num"),
                        ]
                    ),
                    html.Div(
                        [
                            term(t("trade.value"), "value", "hdr"),
                            " ",
                            html.Span(val, id=ids.TRADE_VALUE, className="num"),
                        ]
                    ),
                    html.Div(ohlc, id=ids.TRADE_OHLC, className="text-body-secondary"),
                    html.Div(
                        [
                            html.Span(
                                age_text(age),
                                id=ids.TRADE_TICK_AGE,
                                className=f"trade-tick-age small {age_class(age)}",
                            ),
                            html.Span(term("", "tick_age", "hdr")),
                        ]
                    ),
                ],
                className="small trade-stats",
            ),
        ],
        className="d-flex flex-wrap gap-3 align-items-center trade-header",
    )


def book_card(book: OrderBook, q: Quote) -> dbc.Card:
    """호가 with 체결강도: the fixed 10 + 10 level table."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [
                        term(t("book.title"), "book", "book"),
                        html.Span(term(t("book.strength"), "strength", "book"), className="small ms-2"),
                    ],
                    className="fw-semibold mb-1",
                ),
                html.Div(book_table(book, q), id=ids.TRADE_BOOK),
            ],
            className="p-2",
        ),
        className="h-100",
    )


# --- the poll -------------------------------------------------------------------------------------


def live_data(code: str, shown: str | None) -> dict:
    """What ``trade-fast`` sends: the tick age always; quote and book only when the quote moved."""
    md = market_data()
    q = md.quote(code)
    age = md.last_tick_age(code)
    stale = is_stale(md, code)
    if quote_stamp(q) == shown:
        return age_payload(q, age, stale)
    return live_payload(q, md.book(code), age, stale)


@callback(
    Output(ids.TRADE_LIVE, "data"),
    Input(ids.TRADE_FAST, "n_intervals"),
    State(ids.TRADE_CODE, "data"),
    State(ids.TRADE_LIVE, "data"),
)
def _fast(_n: int | None, code: str, shown: dict | None) -> dict:
    if not code:
        raise PreventUpdate
    return live_data(code, (shown or {}).get("s"))


def register_clientside() -> None:
    """The page's clientside callbacks (assets/*.js). They have no Python function ``app/shell.py`` could
    give every app, so the page module (run again for each app) registers them."""
    # Writes trade-live into the header and the fixed book table (assets/dashboard.js), no components.
    clientside_callback(
        ClientsideFunction(namespace="gslts", function_name="renderLive"),
        Output(ids.TRADE_LIVE_APPLIED, "data"),
        Input(ids.TRADE_LIVE, "data"),
    )
    # Opens (or moves) the page's live stream for this code (assets/live.js); pushes go to renderLive.
    clientside_callback(
        ClientsideFunction(namespace="gslts", function_name="startLive"),
        Output(ids.TRADE_STREAM, "data"),
        Input(ids.TRADE_CODE, "data"),
    )
