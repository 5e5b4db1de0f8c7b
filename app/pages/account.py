"""/account — cash, orderable amount, positions, P&L today and total, order history with filters.

Account data comes from the user's account (``account_reader()``: balance, orders, fills); previous closes for the
daily P&L from ``market_data().quote``. Refreshed every 2 s while the page is open.
"""

from __future__ import annotations

from datetime import date

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from app.components.data import account_reader, market_data
from app.components.grid import grid_options
from app.components.help import term
from app.components.orders import name_of, side_text, status_text, type_text
from app.components.style import DOWN_CLASS, UP_CLASS, direction_class, grid_direction_rules
from app.i18n import message
from app.text import t
from trading.brokers.errors import BrokerError
from trading.domain import OrderStatus
from trading.krx import signed, signed_pct
from trading.pnl import pnl_today

dash.register_page(__name__, path="/account", title="GSLTS · 계좌", order=30, nav_label="nav.account")

REFRESH_MS = 2000


def _card(label, value: str, cls: str = "", id_: str | None = None) -> dbc.Col:  # noqa: ANN001
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.Div(label, className="small text-body-secondary"),
                    html.Div(value, className=f"fs-5 fw-semibold num text-start {cls}", id=id_),
                ],
                className="p-2",
            )  # fmt: skip
        ),
        xs=6,
        md=4,
        lg=2,
    )


def _summary() -> tuple[list, list[dict]]:
    b = account_reader()
    bal = b.balance()
    fills = b.fills()
    md = market_data()
    prev = {}
    for code in {p.code for p in bal.positions} | {f.code for f in fills}:
        try:
            prev[code] = md.quote(code).prev_close
        except Exception:  # noqa: BLE001 - an unknown code marks at its own price
            continue
    today = pnl_today(bal, fills, prev)
    total = bal.total_pnl
    cost = sum(p.cost for p in bal.positions)
    cards = [
        _card(t("account.cash"), f"{bal.cash:,}", id_="acct-cash"),
        _card(term(t("account.orderable"), "orderable", "acct"), f"{bal.orderable:,}", id_="acct-orderable"),
        _card(t("account.stock_value"), f"{bal.stock_value:,}", id_="acct-stock-value"),
        _card(t("account.total"), f"{bal.total_value:,}", id_="acct-total"),
        _card(
            html.Span(
                [
                    t("account.pnl_today"),
                    html.Span("ⓘ", id="acct-pnl-today-help", className="gslts-help"),
                    dbc.Tooltip(t("account.pnl_today_tip"), target="acct-pnl-today-help"),
                ]
            ),
            signed(today),
            direction_class(today, flat=""),
            "acct-pnl-today",
        ),  # fmt: skip
        _card(
            t("account.pnl_total"),
            signed_pct(total, total * 100.0 / cost if cost else 0.0),
            direction_class(total, flat=""),
            "acct-pnl-total",
        ),
    ]
    rows = [
        {
            "code": p.code,
            "name": name_of(p.code),
            "qty": p.qty,
            "avg": round(p.avg_price),
            "price": p.price,
            "value": p.value,
            "pnl": p.pnl,
            "pnl_pct": round(p.pnl_pct, 2),
        }
        for p in bal.positions
        if p.qty
    ]
    return cards, rows


def _history(day: date | None, code: str | None, side: str | None, status: str | None) -> list[dict]:
    out = []
    code = (code or "").strip().upper()
    for o in account_reader().orders(day):
        if code and code not in o.code and code.lower() not in name_of(o.code).lower():
            continue
        if side and o.side.value != side:
            continue
        if status and o.status.value != status:
            continue
        out.append(
            {
                "order_id": o.order_id,
                "time": o.created_at.strftime("%H:%M:%S") if o.created_at else "",
                "name": f"{name_of(o.code)} ({o.code})",
                "side": side_text(o.side),
                "side_raw": o.side.value,
                "type": type_text(o.order_type),
                "price": o.price,
                "qty": o.qty,
                "filled": o.filled_qty,
                "avg_fill": round(o.avg_fill_price) if o.filled_qty else None,
                "status": status_text(o.status.value),
            }
        )
    return sorted(out, key=lambda r: r["order_id"], reverse=True)


def layout(**_query: str) -> html.Div:
    num = {
        "type": "rightAligned",
        "cellClass": "num",
        "valueFormatter": {"function": "GSLTS.int(params.value)"},
    }
    updown = grid_direction_rules()
    try:
        cards, rows = _summary()
        error = None
    except BrokerError as err:
        cards, rows, error = [], [], message(err)
    statuses = [{"label": t("account.any"), "value": ""}] + [
        {"label": status_text(s.value), "value": s.value} for s in OrderStatus
    ]
    return html.Div(
        [
            html.H1(t("account.title"), className="h4"),
            dbc.Alert(t("account.unavailable", err=error), color="warning") if error else None,
            dbc.Row(cards, className="g-2 mb-3", id="acct-cards"),
            html.H2(t("account.positions"), className="h6"),
            dag.AgGrid(
                id="acct-positions",
                rowData=rows,
                getRowId="params.data.code",
                columnDefs=[
                    {"field": "name", "headerName": t("col.name"), "flex": 2, "minWidth": 120},
                    {"field": "qty", "headerName": t("col.qty"), "width": 90, **num},
                    {"field": "avg", "headerName": t("col.avg_price"), "width": 110, **num},
                    {"field": "price", "headerName": t("col.price"), "width": 110, **num},
                    {"field": "value", "headerName": t("col.eval"), "width": 130, **num},
                    {
                        "field": "pnl",
                        "headerName": t("col.pnl"),
                        "width": 120,
                        **num,
                        "valueFormatter": {"function": "GSLTS.signed(params.value)"},
                        "cellClassRules": updown,
                    },
                    {
                        "field": "pnl_pct",
                        "headerName": t("col.pnl_pct"),
                        "width": 100,
                        **num,
                        "valueFormatter": {"function": "GSLTS.pct(params.value)"},
                        "cellClassRules": updown,
                    },
                ],  # fmt: skip
                defaultColDef={"sortable": True, "resizable": True},
                dashGridOptions=grid_options(
                    animateRows=False, domLayout="autoHeight", suppressCellFocus=True
                ),
                className="ag-theme-alpine mb-3",
            ),
            html.H2(t("account.history"), className="h6"),
            html.Div(
                [
                    # Empty = the broker's current session (on a weekend the demo market trades Monday's).
                    dcc.DatePickerSingle(
                        id="acct-date",
                        date=None,
                        placeholder=t("account.session_day"),
                        clearable=True,
                        display_format="YYYY-MM-DD",
                        style={"maxWidth": "12rem"},
                    ),
                    dbc.Input(
                        id="acct-code",
                        placeholder=t("account.code"),
                        size="sm",
                        style={"maxWidth": "10rem"},
                        debounce=True,
                    ),
                    dcc.Dropdown(
                        id="acct-side",
                        options=[
                            {"label": t("account.any"), "value": ""},
                            {"label": t("order.buy"), "value": "buy"},
                            {"label": t("order.sell"), "value": "sell"},
                        ],
                        value="",
                        clearable=False,
                        searchable=False,
                        style={"minWidth": "7rem"},
                    ),
                    dcc.Dropdown(
                        id="acct-status",
                        options=statuses,
                        value="",
                        clearable=False,
                        searchable=False,
                        style={"minWidth": "8rem"},
                    ),
                    html.Span(
                        id="acct-history-count", className="small text-body-secondary align-self-center"
                    ),
                ],  # fmt: skip
                className="d-flex flex-wrap gap-2 mb-2 align-items-center",
            ),
            dag.AgGrid(
                id="acct-history",
                rowData=[],
                getRowId="params.data.order_id",
                columnDefs=[
                    {"field": "time", "headerName": t("col.time"), "width": 95},
                    {"field": "name", "headerName": t("col.name"), "flex": 2, "minWidth": 140},
                    {
                        "field": "side",
                        "headerName": t("col.side"),
                        "width": 80,
                        "cellClassRules": {
                            UP_CLASS: "params.data.side_raw === 'buy'",
                            DOWN_CLASS: "params.data.side_raw === 'sell'",
                        },
                    },
                    {"field": "type", "headerName": t("col.type"), "width": 85},
                    {"field": "price", "headerName": t("col.order_price"), "width": 105, **num},
                    {"field": "qty", "headerName": t("col.qty"), "width": 85, **num},
                    {"field": "filled", "headerName": t("col.filled"), "width": 85, **num},
                    {"field": "avg_fill", "headerName": t("col.fill_price"), "width": 105, **num},
                    {"field": "status", "headerName": t("col.status"), "width": 95},
                    {"field": "order_id", "headerName": t("col.order_id"), "width": 160},
                ],  # fmt: skip
                defaultColDef={"sortable": True, "resizable": True},
                dashGridOptions=grid_options(
                    animateRows=False, suppressCellFocus=True, pagination=True, paginationPageSize=50
                ),
                style={"height": "50vh"},
                className="ag-theme-alpine",
            ),
            dcc.Interval(id="acct-refresh", interval=REFRESH_MS),
        ],
        id="account-page",
    )


@callback(
    Output("acct-cards", "children"),
    Output("acct-positions", "rowData"),
    Input("acct-refresh", "n_intervals"),
    prevent_initial_call=True,
)
def _refresh(_n: int | None) -> tuple:
    return _summary()


@callback(
    Output("acct-history", "rowData"),
    Output("acct-history-count", "children"),
    Input("acct-date", "date"),
    Input("acct-code", "value"),
    Input("acct-side", "value"),
    Input("acct-status", "value"),
    Input("acct-refresh", "n_intervals"),
)
def _filter_history(day: str | None, code: str | None, side: str | None, status: str | None, _n: int | None):  # noqa: ANN202
    rows = _history(date.fromisoformat(day[:10]) if day else None, code, side or None, status or None)
    return rows, t("account.orders_count", n=len(rows))
