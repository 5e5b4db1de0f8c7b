"""The trade page for one code: the stores and intervals, the header, chart | book | order panel, open
orders | fills | position, the 정정 dialog and the toasts."""

from __future__ import annotations

import uuid

import dash_bootstrap_components as dbc
from dash import dcc, html

from app.components.data import can_trade, market_data, stock
from app.components.quote import quote_stamp
from app.components.toasts import toast_stack
from app.i18n import message
from app.runtime import runtime
from app.text import t
from app.trade import ids
from app.trade.account_view import account_row, account_view, modify_modal
from app.trade.chart import chart_card
from app.trade.live import QUOTE_REFRESH_MS, book_card, header, is_stale
from app.trade.order_entry import order_panel
from app.trade.price_alert import price_alert_card
from trading.brokers.errors import BrokerError

SLOW_REFRESH_MS = 1000  # the chart and the account


def unknown(code: str) -> html.Div:
    return html.Div(
        [html.H1(t("trade.unknown", code=code), className="h5"), dcc.Link("← /ranking", href="/ranking")],
        id=ids.UNKNOWN,
    )


def loading(code: str) -> html.Div:
    return html.Div(
        [html.H1(t("trade.loading", code=code), className="h5"),
         dcc.Link(t("trade.retry"), href=f"/trade/{code}", refresh=True)],
        id=ids.UNKNOWN,
    )  # fmt: skip


def layout(code: str | None = None) -> html.Div:
    code = (code or "").strip().upper()
    meta = stock(code)
    if meta is None:
        return unknown(code)
    md = market_data()
    try:
        q = md.quote(code)
        book = md.book(code)
    except LookupError:  # a broker feed has no snapshot yet (its rate limit is busy): try again shortly
        return loading(code)
    try:
        view = account_view(code)
        oo, fl, pos, acct = view.open_orders, view.fills, view.position, view.acct
    except BrokerError as err:
        oo = fl = pos = dbc.Alert(message(err), color="warning", className="small")
        acct = {"orderable": 0, "cash": 0, "sellable": 0, "fill_ids": []}
    quote_ms = getattr(runtime().settings, "quote_refresh_ms", QUOTE_REFRESH_MS)
    return html.Div(
        [
            dcc.Store(id=ids.TRADE_CODE, data=code),
            dcc.Store(id=ids.TRADE_NONCE, data=uuid.uuid4().hex[:16]),
            dcc.Store(id=ids.TRADE_ACCT, data=acct),
            dcc.Store(id=ids.TRADE_CHART_META),
            dcc.Store(id=ids.TRADE_ACTION),
            dcc.Store(id=ids.TRADE_LIVE, data={"s": quote_stamp(q)}),
            dcc.Store(id=ids.TRADE_STREAM),
            dcc.Store(id=ids.TRADE_LIVE_APPLIED),
            dcc.Interval(id=ids.TRADE_FAST, interval=quote_ms),
            dcc.Interval(id=ids.TRADE_SLOW, interval=SLOW_REFRESH_MS),
            header(meta, q, md.last_tick_age(code), is_stale(md, code)),
            dbc.Row(
                [
                    dbc.Col(chart_card(), xs={"size": 12, "order": 3}, lg={"size": 6, "order": 1}),
                    dbc.Col(
                        book_card(book, q), xs={"size": 12, "order": 1}, md=6, lg={"size": 3, "order": 2}
                    ),
                    dbc.Col(
                        [order_panel(q.price, can_trade()), price_alert_card(q.price)],
                        xs={"size": 12, "order": 2},
                        md=6,
                        lg={"size": 3, "order": 3},
                    ),
                ],
                className="g-2 mt-1",
            ),
            account_row(oo, fl, pos),
            modify_modal(),
            toast_stack(ids.TRADE_TOASTS),
        ],
        className="trade-page",
        id=ids.PAGE,
    )
