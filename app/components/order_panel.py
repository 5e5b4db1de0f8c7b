"""The order panel layout: 매수/매도, 지정가/시장가, price (± tick), quantity (± and 10/25/50/100%),
the estimate with commission and tax, 주문, and the confirmation dialog. Callbacks live in
``app/pages/trade.py``.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from app.components.help import term
from app.text_dashboard import td

PCTS = (10, 25, 50, 100)


def order_panel(price: int, can_trade: bool = True) -> dbc.Card:
    """The panel; a viewer sees it disabled (the gateway refuses their orders on the server as well)."""
    side = dbc.RadioItems(
        id="order-side",
        options=[
            {"label": td("order.buy"), "value": "buy"},
            {"label": td("order.sell"), "value": "sell"},
        ],
        value="buy",
        inline=True,
        className="btn-group w-100 order-side",
        inputClassName="btn-check",
        labelClassName="btn btn-outline-secondary w-100",
        labelCheckedClassName="active",
    )
    otype = dbc.RadioItems(
        id="order-type",
        options=[
            {"label": td("order.limit"), "value": "limit"},
            {"label": td("order.market"), "value": "market"},
        ],
        value="limit",
        inline=True,
        className="btn-group btn-group-sm w-100",
        inputClassName="btn-check",
        labelClassName="btn btn-outline-secondary btn-sm w-100",
        labelCheckedClassName="active",
    )
    price_row = dbc.InputGroup(
        [
            dbc.Button("−", id="order-price-down", color="secondary", outline=True, n_clicks=0),
            dbc.Input(id="order-price", type="number", value=price, min=1, step=1, className="num"),
            dbc.Button("+", id="order-price-up", color="secondary", outline=True, n_clicks=0),
        ],
        size="sm",
    )
    qty_row = dbc.InputGroup(
        [
            dbc.Button("−", id="order-qty-minus", color="secondary", outline=True, n_clicks=0),
            dbc.Input(id="order-qty", type="number", value=1, min=0, step=1, className="num"),
            dbc.Button("+", id="order-qty-plus", color="secondary", outline=True, n_clicks=0),
        ],
        size="sm",
    )
    pct_buttons = dbc.ButtonGroup(
        [
            dbc.Button(
                f"{p}%",
                id={"type": "order-pct", "pct": p},
                color="secondary",
                outline=True,
                size="sm",
                n_clicks=0,
            )
            for p in PCTS
        ],
        className="w-100 mt-1",
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(term(td("order.title"), "order_type", "panel"), className="fw-semibold mb-2"),
                side,
                html.Div(otype, className="mt-2"),
                dbc.Label(td("order.price"), html_for="order-price", className="small mt-2 mb-0"),
                price_row,
                dbc.Label(td("order.qty"), html_for="order-qty", className="small mt-2 mb-0"),
                qty_row,
                pct_buttons,
                html.Div(id="order-orderable", className="small text-body-secondary mt-1"),
                html.Div(id="order-estimate", className="mt-2 small"),
                dbc.Button(
                    td("order.submit_buy"),
                    id="order-submit",
                    color="danger",
                    className="w-100 mt-2 fw-bold",
                    n_clicks=0,
                    disabled=not can_trade,
                ),
                html.Div(
                    "" if can_trade else td("order.viewer"),
                    id="order-feedback",
                    className="small mt-2" if can_trade else "small mt-2 text-body-secondary",
                    role="alert",
                ),
                dbc.Modal(
                    [
                        dbc.ModalHeader(dbc.ModalTitle(td("order.confirm_title"))),
                        dbc.ModalBody(id="order-confirm-body"),
                        dbc.ModalFooter(
                            [
                                dbc.Button(
                                    td("order.cancel"),
                                    id="order-confirm-cancel",
                                    color="secondary",
                                    n_clicks=0,
                                ),
                                dbc.Button(
                                    td("order.confirm_ok"), id="order-confirm-ok", color="danger", n_clicks=0
                                ),
                            ]
                        ),
                    ],
                    id="order-confirm",
                    is_open=False,
                    centered=True,
                ),
                dcc.Store(id="order-pending"),  # the order waiting for its confirmation (with its token)
                dcc.Store(id="order-retry"),  # the last order whose outcome is not known yet
            ]
        ),
        className="order-panel h-100",
        id="order-panel",
    )


def modify_modal() -> dbc.Modal:
    """정정: new price and total quantity for an open order."""
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(td("oo.modify_title"))),
            dbc.ModalBody(
                [
                    html.Div(id="oo-modal-desc", className="small mb-2"),
                    dbc.Label(td("order.price"), html_for="oo-modal-price", className="small mb-0"),
                    dbc.Input(id="oo-modal-price", type="number", min=1, step=1, size="sm"),
                    dbc.Label(td("order.qty"), html_for="oo-modal-qty", className="small mt-2 mb-0"),
                    dbc.Input(id="oo-modal-qty", type="number", min=1, step=1, size="sm"),
                    html.Div(id="oo-modal-feedback", className="small text-danger mt-2"),
                ]
            ),
            dbc.ModalFooter(
                [
                    dbc.Button(td("order.cancel"), id="oo-modal-cancel", color="secondary", n_clicks=0),
                    dbc.Button(td("oo.modify_ok"), id="oo-modal-ok", color="primary", n_clicks=0),
                ]
            ),
            dcc.Store(id="oo-modal-order"),
            dcc.Store(id="oo-modal-token"),  # a live modify's confirmation token
        ],
        id="oo-modal",
        is_open=False,
        centered=True,
    )
