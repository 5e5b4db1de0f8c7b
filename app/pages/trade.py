"""/trade/<code> — one stock on one screen: header, chart with quarter lines, order book, order panel,
open orders (정정/취소), today's fills, the position and toasts.

Live data path: push, with polling as the fallback. A clientside callback on ``trade-code`` opens
an ``EventSource`` on ``/api/v1/stream/<code>`` (app/stream.py; assets/live.js) that pushes the quote
and book the moment the market publishes them (in-process subscription in embedded mode, the market's
Redis channels in full mode). ``trade-fast`` (dcc.Interval, ``settings.quote_refresh_ms``, 1 s) is the
fallback: it polls ``market_data()`` — memory reads in embedded mode, one Redis read in full mode —
into the ``trade-live`` store (only the tick age when the quote's timestamp has not moved) whenever
the stream is not delivering; assets/live.js disables it while pushes arrive and enables it again
when they stop (refused, closed, or silent for 3.5 s). Both end in one clientside function
(``gslts.renderLive`` in assets/dashboard.js) that writes the header and the fixed-shape book table,
so an update builds no component tree (replacing the book's children cost the Dash renderer ~100 ms
per update), and it drops data older than what is shown, so a slow poll never undoes a push.
``trade-slow`` (1 s) refreshes the chart (a Patch of the last bar and the quarter lines) and the
account (open orders, fills, position: account data, not market data — one ``account_of`` call,
a single RPC in full mode). An order's callback sends it and reads the account back: two RPCs.

Order flow: clicking an order-book price or a quarter line sets the price in the browser
(``assets/dashboard.js``), so a limit order at a clicked level is two clicks: level → 주문. Every
click of 주문 carries ``client_order_id = <page nonce>-<click number>``: a retried request is the
same order at the broker. Orders above ``order_confirm_amount`` and every LIVE order ask first.
"""

from __future__ import annotations

import time
import uuid
from datetime import date, timedelta
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import (
    ALL,
    ClientsideFunction,
    Input,
    Output,
    Patch,
    State,
    callback,
    clientside_callback,
    ctx,
    dcc,
    html,
    no_update,
)
from dash.exceptions import PreventUpdate

from app.components.chart import MA_WINDOWS, figure, ql_annotations, ql_shapes
from app.components.data import (
    StockMeta,
    account_reader,
    can_trade,
    fee_rate,
    gateway,
    market_data,
    market_reader,
    order_context,
    stock,
)
from app.components.help import term
from app.components.navbar import mode_badge
from app.components.order_panel import modify_modal, order_panel
from app.components.orderbook import age_class, age_text, book_table
from app.components.orders import fills_table, name_of, open_orders_table, side_text, type_text
from app.components.quote import age_payload, dir_class, header_values, live_payload, quote_stamp
from app.components.toasts import add_toasts, toast, toast_stack
from app.i18n import current_lang
from app.runtime import runtime
from app.text_dashboard import td
from trading.brokers.base import account_of
from trading.brokers.errors import BrokerError, OrderPending, OrderRejected, Reason
from trading.domain import Bar, Order, OrderRequest, OrderType, Quote, Side
from trading.krx import move_ticks, pct, round_to_tick, signed
from trading.order_estimate import estimate, max_buy_qty, pct_qty
from trading.orders.commands import Cancel, Modify
from trading.quarter_lines import QuarterLines, quarter_lines

dash.register_page(__name__, path_template="/trade/<code>", title="GSLTS · 주문", order=20)

QUOTE_REFRESH_MS = 1000  # settings.quote_refresh_ms: the poll behind the live stream
SLOW_REFRESH_MS = 1000
INTERVALS = ("D", "1", "5", "15", "60")
DAILY_LOOKBACK_DAYS = 200
_DAILY_TTL_S = 60.0
_daily_cache: dict[tuple[str, date], tuple[float, list[Bar]]] = {}


# --- small helpers --------------------------------------------------------------------------------


def _msg(err: BrokerError) -> str:
    return err.message_en if current_lang() == "en" else err.message_ko


def _quarter(q: Quote, meta: StockMeta) -> QuarterLines | None:
    if q.low <= 0 or q.high <= 0:
        return None
    return quarter_lines(
        q.open or q.price, q.high, q.low, on=q.time.date(), market=meta.market, etf=meta.is_etf
    )


# --- header ---------------------------------------------------------------------------------------


def _header(meta: StockMeta, q: Quote, age: float | None) -> html.Div:
    price, price_cls, stamp, change, change_cls, vol, val, ohlc = header_values(q)
    lang = current_lang()
    return html.Div(
        [
            html.Div(
                [
                    html.H1(
                        [
                            html.Span(meta.name(lang), id="trade-name"),
                            html.Small(
                                f" {meta.code}", className="text-body-secondary ms-1", id="trade-code-label"
                            ),
                            dbc.Badge(meta.market, color="secondary", className="ms-2 align-middle"),
                            mode_badge("trade-mode"),
                        ],
                        className="h5 mb-1",
                    ),
                    html.Div(
                        [
                            html.Span(price, id="trade-price", className=price_cls, title=stamp),
                            html.Span(change, id="trade-change", className=change_cls),
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
                            html.Span(td("trade.volume") + " "),
                            html.Span(vol, id="trade-volume", className="num"),
                        ]
                    ),
                    html.Div(
                        [
                            term(td("trade.value"), "value", "hdr"),
                            " ",
                            html.Span(val, id="trade-value", className="num"),
                        ]
                    ),
                    html.Div(ohlc, id="trade-ohlc", className="text-body-secondary"),
                    html.Div(
                        [
                            html.Span(
                                age_text(age),
                                id="trade-tick-age",
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


# --- chart data -----------------------------------------------------------------------------------


def _daily_bars(code: str, q: Quote) -> list[Bar]:
    """Stored daily bars (broker.daily_bars, cached a minute) with today's bar from the live quote."""
    today = q.time.date()
    key = (code, today)
    hit = _daily_cache.get(key)
    if hit is None or time.monotonic() - hit[0] > _DAILY_TTL_S:
        try:
            bars = market_reader().daily_bars(code, today - timedelta(days=DAILY_LOOKBACK_DAYS), today)
        except BrokerError:
            bars = []
        _daily_cache[key] = hit = (time.monotonic(), bars)
    bars = [b for b in hit[1] if b.time.date() != today]
    if q.volume > 0:
        t0 = q.time.replace(hour=0, minute=0, second=0, microsecond=0)
        bars.append(Bar(code, t0, q.open, q.high, q.low, q.price, q.volume, q.value))
    return bars


def _bars(code: str, interval: str, q: Quote) -> list[Bar]:
    if interval == "D":
        return _daily_bars(code, q)
    return list(market_data().intraday_bars(code, int(interval)))


# --- account view ---------------------------------------------------------------------------------


def _position_card(code: str, bal: Any) -> html.Div:
    pos = next((p for p in bal.positions if p.code == code), None)
    if pos is None or pos.qty == 0:
        return html.Div(td("pos.none"), className="small text-body-secondary", id="pos-none")
    cls = dir_class(pos.pnl)
    return html.Div(
        [
            html.Div([td("pos.qty"), html.Span(f"{pos.qty:,}", className="num float-end", id="pos-qty")]),
            html.Div(
                [td("pos.avg"), html.Span(f"{pos.avg_price:,.0f}", className="num float-end", id="pos-avg")]
            ),
            html.Div([td("pos.value"), html.Span(f"{pos.value:,}", className="num float-end")]),
            html.Div(
                [
                    td("pos.pnl"),
                    html.Span(
                        f"{signed(pos.pnl)} ({pct(pos.pnl_pct)})",
                        className=f"num float-end {cls}",
                        id="pos-pnl",
                    ),
                ]
            ),
        ],
        className="small",
        id="pos-card",
    )


def _account_view(code: str) -> tuple:
    """(open orders, today's fills, position, account store, fills) for the page: one broker call
    (``account_of``: a single RPC to the market owner in full mode, not three)."""
    acct = account_of(account_reader())
    open_orders, fills, bal = acct.open_orders, acct.fills, acct.balance
    held = next((p.qty for p in bal.positions if p.code == code), 0)
    selling = sum(o.remaining_qty for o in open_orders if o.code == code and o.side == Side.SELL)
    acct = {
        "orderable": bal.orderable,
        "cash": bal.cash,
        "sellable": max(0, held - selling),
        "fill_ids": [f.fill_id for f in fills],
        # What the tables show; the 1 s refresh skips re-rendering them while it is unchanged.
        "oo_sig": "|".join(f"{o.order_id}:{o.price}:{o.qty}:{o.filled_qty}:{o.status}" for o in open_orders),
        "pos_sig": next((f"{p.qty}:{p.cost}:{p.price}" for p in bal.positions if p.code == code), ""),
    }
    return open_orders_table(open_orders), fills_table(fills), _position_card(code, bal), acct, fills


# --- layout ---------------------------------------------------------------------------------------


def layout(code: str | None = None, **_query: str) -> html.Div:
    code = (code or "").strip().upper()
    meta = stock(code)
    if meta is None:
        return html.Div(
            [
                html.H1(td("trade.unknown", code=code), className="h5"),
                dcc.Link("← /ranking", href="/ranking"),
            ],
            id="trade-unknown",
        )
    q = market_data().quote(code)
    try:
        oo, fl, pos, acct, _ = _account_view(code)
    except BrokerError as err:
        oo = fl = pos = dbc.Alert(_msg(err), color="warning", className="small")
        acct = {"orderable": 0, "cash": 0, "sellable": 0, "fill_ids": []}
    book = market_data().book(code)
    settings = runtime().settings
    quote_ms = getattr(settings, "quote_refresh_ms", QUOTE_REFRESH_MS)

    chart_card = dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [
                        dbc.RadioItems(
                            id="trade-interval",
                            options=[
                                {"label": td("chart.daily") if i == "D" else td("chart.min", n=i), "value": i}
                                for i in INTERVALS
                            ],
                            value="5",
                            inline=True,
                            className="btn-group btn-group-sm",
                            inputClassName="btn-check",
                            labelClassName="btn btn-outline-secondary btn-sm",
                            labelCheckedClassName="active",
                        ),
                        dbc.Checklist(
                            id="trade-ma",
                            options=[{"label": f"MA{n}", "value": n} for n in MA_WINDOWS],
                            value=[],
                            inline=True,
                            switch=True,
                            className="small ms-2",
                        ),
                    ],
                    className="d-flex flex-wrap align-items-center gap-1 mb-1",
                ),
                dcc.Graph(
                    id="trade-chart",
                    config={"displayModeBar": False, "responsive": True},
                    className="trade-chart",
                ),
                html.Div(
                    [
                        html.Span(term(td("chart.quarter"), "quarter", "chart"), className="small me-1"),
                        html.Span(id="trade-ql"),
                    ],
                    className="d-flex flex-wrap align-items-center gap-1 mt-1",
                ),  # fmt: skip
            ],
            className="p-2",
        ),
        className="h-100",
    )
    book_card = dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [
                        term(td("book.title"), "book", "book"),
                        html.Span(term(td("book.strength"), "strength", "book"), className="small ms-2"),
                    ],
                    className="fw-semibold mb-1",
                ),
                html.Div(book_table(book, q), id="trade-book"),
            ],
            className="p-2",
        ),
        className="h-100",
    )
    return html.Div(
        [
            dcc.Store(id="trade-code", data=code),
            dcc.Store(id="trade-nonce", data=uuid.uuid4().hex[:16]),
            dcc.Store(id="trade-acct", data=acct),
            dcc.Store(id="trade-chart-meta"),
            dcc.Store(id="trade-action"),
            dcc.Store(id="trade-live", data={"s": quote_stamp(q)}),
            dcc.Store(id="trade-stream"),
            dcc.Store(id="trade-live-applied"),
            dcc.Interval(id="trade-fast", interval=quote_ms),
            dcc.Interval(id="trade-slow", interval=SLOW_REFRESH_MS),
            _header(meta, q, market_data().last_tick_age(code)),
            dbc.Row(
                [
                    dbc.Col(chart_card, xs={"size": 12, "order": 3}, lg={"size": 6, "order": 1}),
                    dbc.Col(book_card, xs={"size": 12, "order": 1}, md=6, lg={"size": 3, "order": 2}),
                    dbc.Col(
                        order_panel(q.price, can_trade()),
                        xs={"size": 12, "order": 2},
                        md=6,
                        lg={"size": 3, "order": 3},
                    ),
                ],
                className="g-2 mt-1",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Card(
                            dbc.CardBody(
                                [
                                    html.Div(td("oo.title"), className="fw-semibold small"),
                                    html.Div(oo, id="trade-open-orders"),
                                ],
                                className="p-2",
                            )
                        ),
                        xs=12,
                        lg=6,
                    ),  # fmt: skip
                    dbc.Col(
                        dbc.Card(
                            dbc.CardBody(
                                [
                                    html.Div(td("fills.title"), className="fw-semibold small"),
                                    html.Div(fl, id="trade-fills"),
                                ],
                                className="p-2",
                            )
                        ),
                        xs=12,
                        md=6,
                        lg=3,
                    ),  # fmt: skip
                    dbc.Col(
                        dbc.Card(
                            dbc.CardBody(
                                [
                                    html.Div(td("pos.title"), className="fw-semibold small"),
                                    html.Div(pos, id="trade-position"),
                                ],
                                className="p-2",
                            )
                        ),
                        xs=12,
                        md=6,
                        lg=3,
                    ),  # fmt: skip
                ],
                className="g-2 mt-1",
            ),
            modify_modal(),
            toast_stack("trade-toasts"),
        ],
        className="trade-page",
        id="trade-page",
    )


# --- live quote and book --------------------------------------------------------------------------


def live_data(code: str, shown: str | None) -> dict:
    """What ``trade-fast`` sends: the tick age always; quote and book only when the quote moved."""
    md = market_data()
    q = md.quote(code)
    age = md.last_tick_age(code)
    if quote_stamp(q) == shown:
        return age_payload(q, age)
    return live_payload(q, md.book(code), age)


@callback(
    Output("trade-live", "data"),
    Input("trade-fast", "n_intervals"),
    State("trade-code", "data"),
    State("trade-live", "data"),
)
def _fast(_n: int | None, code: str, shown: dict | None) -> dict:
    if not code:
        raise PreventUpdate
    return live_data(code, (shown or {}).get("s"))


# Writes trade-live into the header and the fixed book table (assets/dashboard.js), no components.
clientside_callback(
    ClientsideFunction(namespace="gslts", function_name="renderLive"),
    Output("trade-live-applied", "data"),
    Input("trade-live", "data"),
)

# Opens (or moves) the page's live stream for this code (assets/live.js); pushes go to renderLive.
clientside_callback(
    ClientsideFunction(namespace="gslts", function_name="startLive"),
    Output("trade-stream", "data"),
    Input("trade-code", "data"),
)


# --- chart ----------------------------------------------------------------------------------------


def _ql_chips(ql: QuarterLines | None) -> list:
    if ql is None:
        return []
    return [
        html.Button(
            f"{td('ql.' + key)} {price:,}",
            id=f"ql-{key}",
            className="btn btn-outline-secondary btn-sm py-0 px-1 ql-level",
            **{"data-price": str(price)},
        )
        for key, price in ql.levels()
    ]


@callback(
    Output("trade-chart", "figure"),
    Output("trade-ql", "children"),
    Output("trade-chart-meta", "data"),
    Input("trade-slow", "n_intervals"),
    Input("trade-interval", "value"),
    Input("trade-ma", "value"),
    State("trade-code", "data"),
    State("trade-chart-meta", "data"),
)
def _chart(_n: int | None, interval: str, mas: list[int] | None, code: str, meta: dict | None) -> tuple:
    sm = stock(code)
    q = market_data().quote(code)
    bars = _bars(code, interval, q)
    ql = _quarter(q, sm) if sm else None
    mas = sorted(mas or [])
    ql_list = [p for _, p in ql.levels()] if ql else []
    new_meta = {
        "code": code,
        "interval": interval,
        "mas": mas,
        "n": len(bars),
        "ql": ql_list,
        "lang": current_lang(),
    }
    chips = _ql_chips(ql) if not meta or meta.get("ql") != ql_list else no_update
    same_shape = meta and all(meta.get(k) == new_meta[k] for k in ("code", "interval", "mas", "n", "lang"))
    if not same_shape or not bars or ctx.triggered_id != "trade-slow":
        return figure(bars, ql, mas, None if interval == "D" else int(interval)), chips, new_meta
    last, i = bars[-1], len(bars) - 1
    p = Patch()
    for field, value in (("open", last.open), ("high", last.high), ("low", last.low), ("close", last.close)):
        p["data"][0][field][i] = value
    p["data"][1]["y"][i] = last.volume
    p["data"][1]["marker"]["color"][i] = "#d7263d" if last.close >= last.open else "#1565c0"
    closes = [b.close for b in bars]
    for k, n in enumerate(mas):
        p["data"][2 + k]["y"][i] = sum(closes[-n:]) / n if len(closes) >= n else None
    if meta.get("ql") != ql_list:
        p["layout"]["shapes"] = ql_shapes(ql)
        p["layout"]["annotations"] = ql_annotations(ql)
    return p, chips, new_meta


# --- account refresh and fill toasts -------------------------------------------------------------


def _fill_toasts(fills: list, seen: set[str]) -> list:
    out = []
    for f in fills:
        if f.fill_id in seen:
            continue
        out.append(
            toast(
                td("fill.toast_title"),
                td(
                    "fill.toast",
                    name=name_of(f.code),
                    side=side_text(f.side),
                    qty=f"{f.qty:,}",
                    price=f"{f.price:,}",
                ),
                "success",
            )
        )
    return out


@callback(
    Output("trade-open-orders", "children"),
    Output("trade-fills", "children"),
    Output("trade-position", "children"),
    Output("trade-acct", "data"),
    Output("trade-toasts", "children"),
    Output("order-retry", "data", allow_duplicate=True),
    Input("trade-slow", "n_intervals"),
    State("trade-code", "data"),
    State("trade-acct", "data"),
    State("order-retry", "data"),
    prevent_initial_call=True,
)
def _account(_n: int | None, code: str, acct: dict | None, retry: dict | None) -> tuple:
    resolved, retry_out = _settle(retry)
    try:
        oo, fl, pos, new_acct, fills = _account_view(code)
    except BrokerError:
        if resolved:
            return (no_update,) * 4 + (add_toasts(resolved), retry_out)
        raise PreventUpdate from None
    old = acct or {}
    seen = set(old.get("fill_ids", []))
    toasts = _fill_toasts(fills, seen) + ([resolved] if resolved else [])
    if old.get("oo_sig") == new_acct["oo_sig"]:
        oo = no_update
    if len(seen) == len(new_acct["fill_ids"]) and not toasts:
        fl = no_update
    if old.get("pos_sig") == new_acct["pos_sig"]:
        pos = no_update
    return oo, fl, pos, new_acct, add_toasts(*toasts) if toasts else no_update, retry_out


def _settle(retry: dict | None) -> tuple[Any, Any]:
    """An order whose outcome was unknown: ask the gateway; (toast when it settled, new retry store)."""
    if not retry or not retry.get("cid"):
        return None, no_update
    try:
        st = gateway().status(order_context(), retry["cid"])
    except BrokerError:
        return None, no_update
    if st is None or st.state in ("pending", "unknown"):
        return None, no_update
    if st.state == "accepted" and st.order is not None:
        o = st.order
        price = f"{o.price:,}" if o.price is not None else td("order.at_market")
        text = td("order.resolved", side=side_text(o.side), qty=f"{o.qty:,}", price=price)
        return toast(td("order.title"), text, "info", 6000), None
    if st.state == "failed":
        return None, no_update  # never sent: the next 주문 sends it with the same id
    reason = OrderRejected(
        Reason(st.reason or ("LOST" if st.state == "lost" else "BROKER")), st.message or ""
    )
    return toast(td("order.rejected"), _msg(reason), "danger", 8000), None


# --- order panel ----------------------------------------------------------------------------------


def _market_price(code: str, side: str) -> int:
    """The price a market order is estimated at: the best opposite level, else the last price."""
    md = market_data()
    book = md.book(code)
    levels = book.asks if side == "buy" else book.bids
    return levels[0].price if levels else md.quote(code).price


def _as_int(x: Any) -> int | None:
    try:
        return int(x) if x is not None and str(x) != "" and float(x) == int(float(x)) else None
    except (TypeError, ValueError):
        return None


@callback(
    Output("order-estimate", "children"),
    Output("order-orderable", "children"),
    Output("order-submit", "children"),
    Output("order-submit", "color"),
    Output("order-price", "disabled"),
    Input("order-side", "value"),
    Input("order-type", "value"),
    Input("order-price", "value"),
    Input("order-qty", "value"),
    Input("trade-acct", "data"),
    State("trade-code", "data"),
)
def _estimate(side: str, otype: str, price: Any, qty: Any, acct: dict | None, code: str) -> tuple:
    meta = stock(code)
    acct = acct or {}
    rate = fee_rate()
    is_market = otype == "market"
    px = _market_price(code, side) if is_market else _as_int(price)
    n = _as_int(qty) or 0
    if side == "buy":
        max_q = max_buy_qty(acct.get("orderable", 0), px or 0, rate)
        avail = td("order.orderable", amount=f"{acct.get('orderable', 0):,}", qty=f"{max_q:,}")
    else:
        avail = td("order.sellable", qty=f"{acct.get('sellable', 0):,}")
    submit = td("order.submit_buy") if side == "buy" else td("order.submit_sell")
    colour = "danger" if side == "buy" else "primary"
    if not px or px <= 0 or n < 0 or meta is None:
        return "", avail, submit, colour, is_market
    e = estimate(side, px, n, meta.market, rate, etf=meta.is_etf)
    rows = [
        (td("order.amount"), e.amount),
        (term(td("order.commission"), "costs", "est"), e.commission),
    ]
    if side == "sell":
        rows.append((td("order.tax"), e.tax))
    rows.append((td("order.total_buy") if side == "buy" else td("order.total_sell"), e.total))
    last = len(rows) - 1
    body = [
        html.Div(
            [html.Span(label), html.Span(f"{v:,}", className="num float-end")],
            className="clearfix fw-semibold border-top" if k == last else "clearfix",
            id="order-total" if k == last else f"order-est-{k}",
        )
        for k, (label, v) in enumerate(rows)
    ]
    if is_market:
        body.append(html.Div(td("order.market_est", price=f"{px:,}"), className="text-body-secondary"))
    return body, avail, submit, colour, is_market


@callback(
    Output("order-price", "value"),
    Output("order-qty", "value"),
    Input("order-price-up", "n_clicks"),
    Input("order-price-down", "n_clicks"),
    Input("order-qty-minus", "n_clicks"),
    Input("order-qty-plus", "n_clicks"),
    Input({"type": "order-pct", "pct": ALL}, "n_clicks"),
    State("order-price", "value"),
    State("order-qty", "value"),
    State("order-side", "value"),
    State("order-type", "value"),
    State("trade-acct", "data"),
    State("trade-code", "data"),
    prevent_initial_call=True,
)
def _adjust(_u, _d, _m, _p, _pcts, price: Any, qty: Any, side: str, otype: str, acct: dict | None, code: str):  # noqa: ANN001, ANN202
    trig = ctx.triggered_id
    if not ctx.triggered or not ctx.triggered[0].get("value"):
        raise PreventUpdate
    meta = stock(code)
    q = market_data().quote(code)
    px = _as_int(price) or q.price
    n = _as_int(qty) or 0
    if trig in ("order-price-up", "order-price-down"):
        px = round_to_tick(px, "nearest", market=meta.market, etf=meta.is_etf)
        px = move_ticks(px, 1 if trig == "order-price-up" else -1, market=meta.market, etf=meta.is_etf)
        return min(max(px, q.lower_limit), q.upper_limit), no_update
    if trig == "order-qty-minus":
        return no_update, max(0, n - 1)
    if trig == "order-qty-plus":
        return no_update, n + 1
    if isinstance(trig, dict) and trig.get("type") == "order-pct":
        acct = acct or {}
        if side == "buy":
            base_px = _market_price(code, side) if otype == "market" else px
            base = max_buy_qty(acct.get("orderable", 0), base_px, fee_rate())
        else:
            base = acct.get("sellable", 0)
        return no_update, pct_qty(base, int(trig["pct"]))
    raise PreventUpdate


def _request(side: str, otype: str, price: Any, qty: Any, code: str, cid: str) -> OrderRequest:
    """The order as typed; quantity and price problems are refused here with the broker's reasons."""
    n = _as_int(qty)
    if n is None or n < 1:
        raise OrderRejected(Reason.BAD_QTY)
    px = None
    if otype == "limit":
        px = _as_int(price)
        if px is None or px <= 0:
            raise OrderRejected(Reason.BAD_PRICE)
    return OrderRequest(code, Side(side), n, OrderType(otype), px, cid)


def _req_dict(r: OrderRequest) -> dict:
    return {"code": r.code, "side": r.side.value, "qty": r.qty, "type": r.order_type.value, "price": r.price,
            "cid": r.client_order_id}  # fmt: skip


def _describe(r: OrderRequest, amount: int) -> str:
    price = f"{r.price:,}" if r.price is not None else td("order.at_market")
    return td(
        "order.confirm_body",
        name=name_of(r.code),
        side=side_text(r.side),
        type=type_text(r.order_type),
        price=price,
        qty=f"{r.qty:,}",
        amount=f"{amount:,}",
    )


def _place(r: OrderRequest, token: str | None = None) -> tuple[Order | None, str, str, Any, Any]:
    """Send ``r`` through the gateway: (order, feedback text, feedback class, toast, retry store).

    An unknown outcome ("결과 확인 중") keeps the client id in the retry store: the slow refresh asks the
    gateway about it, and pressing 주문 again with the same order reuses the id, so it cannot become a
    second order."""
    try:
        order = gateway().place(r, order_context(token))
    except OrderPending:
        text = td("order.pending")
        retry = {"cid": r.client_order_id, "req": _req_dict(r)}
        return (
            None,
            text,
            "small mt-2 text-warning",
            toast(td("order.pending_title"), text, "warning", 8000),
            retry,
        )
    except OrderRejected as err:
        msg = _msg(err)
        return None, msg, "small mt-2 text-danger", toast(td("order.rejected"), msg, "danger", 8000), None
    except BrokerError as err:  # never sent (or not known): the same id is reused for the next attempt
        msg = _msg(err)
        retry = {"cid": r.client_order_id, "req": _req_dict(r)}
        return None, msg, "small mt-2 text-danger", toast(td("order.failed"), msg, "danger", 8000), retry
    price = f"{order.price:,}" if order.price is not None else td("order.at_market")
    text = td("order.placed", side=side_text(order.side), qty=f"{order.qty:,}", price=price)
    return order, text, "small mt-2 text-success", toast(td("order.title"), text, "info", 4000), None


def _client_id(r: OrderRequest, nonce: str, n: int, retry: dict | None) -> str:
    """The id of this press of 주문: the unsettled previous attempt's when it is the same order."""
    if retry and retry.get("cid") and retry.get("req", {}) | {"cid": None} == _req_dict(r) | {"cid": None}:
        return str(retry["cid"])
    return f"{nonce}-{n}"


@callback(
    Output("order-confirm", "is_open"),
    Output("order-confirm-body", "children"),
    Output("order-pending", "data"),
    Output("order-feedback", "children"),
    Output("order-feedback", "className"),
    Output("trade-toasts", "children", allow_duplicate=True),
    Output("trade-open-orders", "children", allow_duplicate=True),
    Output("trade-fills", "children", allow_duplicate=True),
    Output("trade-position", "children", allow_duplicate=True),
    Output("trade-acct", "data", allow_duplicate=True),
    Output("order-retry", "data"),
    Input("order-submit", "n_clicks"),
    Input("order-confirm-ok", "n_clicks"),
    Input("order-confirm-cancel", "n_clicks"),
    State("order-side", "value"),
    State("order-type", "value"),
    State("order-price", "value"),
    State("order-qty", "value"),
    State("trade-code", "data"),
    State("trade-nonce", "data"),
    State("order-pending", "data"),
    State("trade-acct", "data"),
    State("order-retry", "data"),
    running=[(Output("order-submit", "disabled"), True, False)],
    prevent_initial_call=True,
)
def _order(n_submit, _ok, _cancel, side, otype, price, qty, code, nonce, pending, acct, retry):  # noqa: ANN001, ANN202
    trig = ctx.triggered_id
    keep = (no_update,) * 5
    if trig == "order-confirm-cancel":
        return (False, no_update, None, "", "small mt-2") + keep + (no_update,)
    token = None
    if trig == "order-confirm-ok":
        if not pending:
            raise PreventUpdate
        r = OrderRequest(pending["code"], Side(pending["side"]), pending["qty"], OrderType(pending["type"]),
                         pending["price"], pending["cid"])  # fmt: skip
        token = pending.get("token")
    else:
        if not n_submit:
            raise PreventUpdate
        try:
            r = _request(side, otype, price, qty, code, "x")
            r = _request(side, otype, price, qty, code, _client_id(r, nonce, n_submit, retry))
            preview = gateway().prepare(r, order_context())
        except OrderRejected as err:
            msg = _msg(err)
            return (False, no_update, None, msg, "small mt-2 text-danger",
                    add_toasts(toast(td("order.rejected"), msg, "danger", 8000))) + (no_update,) * 5  # fmt: skip
        except BrokerError as err:
            msg = _msg(err)
            return (False, no_update, None, msg, "small mt-2 text-danger",
                    add_toasts(toast(td("order.failed"), msg, "danger", 8000))) + (no_update,) * 5  # fmt: skip
        if preview.confirm:
            notes = []
            if "live" in preview.confirm:
                notes.append(html.Div(td("order.confirm_live"), className="text-danger fw-bold"))
            if "large" in preview.confirm:
                limit = runtime().settings.order_confirm_amount
                notes.append(html.Div(td("order.confirm_big", limit=f"{limit:,}")))
            body = [
                *notes,
                html.Div(_describe(r, preview.amount), className="mt-2 fw-semibold", id="order-confirm-text"),
            ]
            return (
                (True, body, _req_dict(r) | {"token": preview.token}, "", "small mt-2") + keep + (no_update,)
            )
    order, text, cls, tst, new_retry = _place(r, token)
    try:
        oo, fl, pos, new_acct, _ = _account_view(code)
    except BrokerError:
        oo = fl = pos = new_acct = no_update
    else:
        # Only what changed goes back (a smaller response to apply); fills of this order are toasted
        # by the 1 s refresh, which compares against the old ids.
        old = acct or {}
        if old.get("oo_sig") == new_acct["oo_sig"]:
            oo = no_update
        if len(old.get("fill_ids", [])) == len(new_acct["fill_ids"]):
            fl = no_update
        if old.get("pos_sig") == new_acct["pos_sig"]:
            pos = no_update
        new_acct["fill_ids"] = old.get("fill_ids", [])
    return (False, no_update, None, text, cls, add_toasts(tst), oo, fl, pos, new_acct, new_retry)


# --- 정정 / 취소 -----------------------------------------------------------------------------------


@callback(
    Output("oo-modal", "is_open"),
    Output("oo-modal-order", "data"),
    Output("oo-modal-desc", "children"),
    Output("oo-modal-price", "value"),
    Output("oo-modal-qty", "value"),
    Output("oo-modal-feedback", "children"),
    Output("trade-toasts", "children", allow_duplicate=True),
    Output("trade-open-orders", "children", allow_duplicate=True),
    Output("trade-acct", "data", allow_duplicate=True),
    Output("oo-modal-token", "data"),
    Input("trade-action", "data"),
    Input("oo-modal-ok", "n_clicks"),
    Input("oo-modal-cancel", "n_clicks"),
    State("oo-modal-order", "data"),
    State("oo-modal-price", "value"),
    State("oo-modal-qty", "value"),
    State("trade-code", "data"),
    State("trade-acct", "data"),
    State("oo-modal-token", "data"),
    prevent_initial_call=True,
)
def _order_action(action, _ok, _cancel, modal_order, m_price, m_qty, code, acct, token):  # noqa: ANN001, ANN202
    trig = ctx.triggered_id
    nothing = (no_update,) * 3
    if trig == "oo-modal-cancel":
        return (False, None, no_update, no_update, no_update, "") + nothing + (None,)

    def refreshed(toast_: Any) -> tuple:
        try:
            oo, _fl, _pos, new_acct, _ = _account_view(code)
            new_acct["fill_ids"] = (acct or {}).get("fill_ids", [])
        except BrokerError:
            oo = new_acct = no_update
        return add_toasts(toast_), oo, new_acct

    if trig == "oo-modal-ok":
        if not modal_order:
            raise PreventUpdate
        new_price = _as_int(m_price)
        new_qty = _as_int(m_qty)
        cmd = Modify(
            modal_order["order_id"],
            new_price if new_price != modal_order.get("price") else None,
            new_qty if new_qty != modal_order.get("qty") else None,
            modal_order.get("cid"),
        )
        try:
            if token is None or token.get("for") != [cmd.price, cmd.qty]:
                preview = gateway().prepare(cmd, order_context())
                if preview.confirm:  # a live modify: one more press, with the token for exactly this
                    held = {"token": preview.token, "for": [cmd.price, cmd.qty]}
                    return (
                        (True, no_update, no_update, no_update, no_update, td("oo.confirm_live"))
                        + nothing
                        + (held,)
                    )
                token = None
            o = gateway().modify(cmd, order_context(token["token"] if token else None))
        except OrderPending:
            return (
                (False, None, no_update, no_update, no_update, "")
                + refreshed(toast(td("order.pending_title"), td("order.pending"), "warning", 8000))
                + (None,)
            )
        except BrokerError as err:  # refused: a changed retry in this dialog is a new modify (new id)
            fresh = modal_order | {"cid": uuid.uuid4().hex}
            return (True, fresh, no_update, no_update, no_update, _msg(err)) + nothing + (None,)
        return (
            (False, None, no_update, no_update, no_update, "")
            + refreshed(toast(td("oo.modify_title"), td("oo.modified", id=o.order_id), "info", 4000))
            + (None,)
        )
    if not action or not action.get("order_id"):
        raise PreventUpdate
    oid = str(action["order_id"])
    if action.get("action") == "cancel":
        try:
            o = gateway().cancel(Cancel(oid), order_context())
        except OrderPending:
            return (
                (no_update,) * 6
                + refreshed(toast(td("order.pending_title"), td("order.pending"), "warning", 8000))
                + (no_update,)
            )
        except BrokerError as err:
            return (
                (no_update,) * 6
                + refreshed(toast(td("order.rejected"), _msg(err), "danger", 8000))
                + (no_update,)
            )
        return (
            (no_update,) * 6
            + refreshed(toast(td("oo.cancel"), td("oo.cancelled", id=o.order_id), "info", 4000))
            + (no_update,)
        )
    if action.get("action") == "modify":
        try:
            o = next((x for x in account_reader().open_orders() if x.order_id == oid), None)
        except BrokerError as err:
            return (
                (no_update,) * 6
                + refreshed(toast(td("order.rejected"), _msg(err), "danger", 8000))
                + (no_update,)
            )
        if o is None:
            return (
                (no_update,) * 6
                + refreshed(
                    toast(
                        td("order.rejected"), _msg(OrderRejected(Reason.ORDER_NOT_FOUND, oid)), "danger", 8000
                    )
                )
                + (no_update,)
            )
        desc = f"{name_of(o.code)} · {side_text(o.side)} · {o.order_id}"
        # One client id per opened dialog: a retried 정정 of the same values is the same modify.
        data = {"order_id": o.order_id, "price": o.price, "qty": o.qty, "cid": uuid.uuid4().hex}
        return (True, data, desc, o.price, o.qty, "") + nothing + (None,)
    raise PreventUpdate
