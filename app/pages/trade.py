"""/trade/<code> — one stock on one screen. The page is the package ``app.trade`` (its docstring tells how
live data and orders flow); this module registers it."""

from __future__ import annotations

import dash
from dash import html

from app.trade import account_view, chart, live, order_entry  # noqa: F401 - their callbacks
from app.trade.layout import layout as trade_layout

dash.register_page(__name__, path_template="/trade/<code>", title="GSLTS · 주문", order=20)

live.register_clientside()


def layout(code: str | None = None, **_query: str) -> html.Div:
    return trade_layout(code)
