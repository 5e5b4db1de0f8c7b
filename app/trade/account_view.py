"""The account on the trade page: open orders with 정정/취소, today's fills, the position of this stock,
and toasts for fills and for orders whose outcome became known.

One broker call reads it all (``account_of``: a single RPC to the market owner in full mode). The 1 s
refresh (``trade-slow``) sends back only the tables that changed (``trade-acct`` keeps their signatures),
toasts new fills, and asks the gateway about an order in ``order-retry`` (결과 확인 중). 정정/취소 clicks
arrive in ``trade-action`` (assets/dashboard.js); 취소 goes straight to the gateway, 정정 opens a dialog
whose 정정 주문 asks the gateway first, and a LIVE modify needs a second press with the token it issued.
"""

from __future__ import annotations

import uuid
from typing import Any, NamedTuple

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from app.components.callbacks import reply
from app.components.data import account_reader, gateway, order_context
from app.components.orders import fills_table, name_of, open_orders_table, side_text
from app.components.style import direction_class
from app.components.toasts import add_toasts, toast
from app.i18n import message
from app.text import t
from app.trade import ids
from app.trade.inputs import as_int
from trading.brokers.base import account_of
from trading.brokers.errors import BrokerError, OrderPending, OrderRejected, Reason
from trading.domain import Fill, Side
from trading.krx import signed_pct
from trading.orders.commands import Cancel, Modify

# --- reading the account --------------------------------------------------------------------------


class AccountView(NamedTuple):
    """The account as the page shows it: the three tables, the ``trade-acct`` store, and the fills."""

    open_orders: html.Div
    fills: html.Div
    position: html.Div
    acct: dict
    fill_list: list[Fill]


def position_card(code: str, bal: Any) -> html.Div:
    pos = next((p for p in bal.positions if p.code == code), None)
    if pos is None or pos.qty == 0:
        return html.Div(t("pos.none"), className="small text-body-secondary", id=ids.POS_NONE)
    return html.Div(
        [
            html.Div([t("pos.qty"), html.Span(f"{pos.qty:,}", className="num float-end", id=ids.POS_QTY)]),
            html.Div(
                [t("pos.avg"), html.Span(f"{pos.avg_price:,.0f}", className="num float-end", id=ids.POS_AVG)]
            ),
            html.Div([t("pos.value"), html.Span(f"{pos.value:,}", className="num float-end")]),
            html.Div(
                [
                    t("pos.pnl"),
                    html.Span(
                        signed_pct(pos.pnl, pos.pnl_pct),
                        className=f"num float-end {direction_class(pos.pnl)}",
                        id=ids.POS_PNL,
                    ),
                ]
            ),
        ],
        className="small",
        id=ids.POS_CARD,
    )


def account_view(code: str) -> AccountView:
    """The page's account for stock ``code``: one broker call (``account_of``)."""
    acct = account_of(account_reader())
    open_orders, fills, bal = acct.open_orders, acct.fills, acct.balance
    held = next((p.qty for p in bal.positions if p.code == code), 0)
    selling = sum(o.remaining_qty for o in open_orders if o.code == code and o.side == Side.SELL)
    store = {
        "orderable": bal.orderable,
        "cash": bal.cash,
        "sellable": max(0, held - selling),
        "fill_ids": [f.fill_id for f in fills],
        # What the tables show; the 1 s refresh skips re-rendering them while it is unchanged.
        "oo_sig": "|".join(f"{o.order_id}:{o.price}:{o.qty}:{o.filled_qty}:{o.status}" for o in open_orders),
        "pos_sig": next((f"{p.qty}:{p.cost}:{p.price}" for p in bal.positions if p.code == code), ""),
    }
    return AccountView(
        open_orders_table(open_orders), fills_table(fills), position_card(code, bal), store, list(fills)
    )


# --- layout ---------------------------------------------------------------------------------------


def _card(title: str, body: Any, id_: str) -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            [html.Div(title, className="fw-semibold small"), html.Div(body, id=id_)], className="p-2"
        )
    )


def account_row(open_orders: Any, fills: Any, position: Any) -> dbc.Row:
    """미체결 | 오늘 체결 | 보유, under the chart, book and order panel."""
    return dbc.Row(
        [
            dbc.Col(_card(t("oo.title"), open_orders, ids.TRADE_OPEN_ORDERS), xs=12, lg=6),
            dbc.Col(_card(t("fills.title"), fills, ids.TRADE_FILLS), xs=12, md=6, lg=3),
            dbc.Col(_card(t("pos.title"), position, ids.TRADE_POSITION), xs=12, md=6, lg=3),
        ],
        className="g-2 mt-1",
    )


def modify_modal() -> dbc.Modal:
    """정정: new price and total quantity for an open order."""
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(t("oo.modify_title"))),
            dbc.ModalBody(
                [
                    html.Div(id=ids.OO_MODAL_DESC, className="small mb-2"),
                    dbc.Label(t("order.price"), html_for=ids.OO_MODAL_PRICE, className="small mb-0"),
                    dbc.Input(id=ids.OO_MODAL_PRICE, type="number", min=1, step=1, size="sm"),
                    dbc.Label(t("order.qty"), html_for=ids.OO_MODAL_QTY, className="small mt-2 mb-0"),
                    dbc.Input(id=ids.OO_MODAL_QTY, type="number", min=1, step=1, size="sm"),
                    html.Div(id=ids.OO_MODAL_FEEDBACK, className="small text-danger mt-2"),
                ]
            ),
            dbc.ModalFooter(
                [
                    dbc.Button(t("order.cancel"), id=ids.OO_MODAL_CANCEL, color="secondary", n_clicks=0),
                    dbc.Button(t("oo.modify_ok"), id=ids.OO_MODAL_OK, color="primary", n_clicks=0),
                ]
            ),
            dcc.Store(id=ids.OO_MODAL_ORDER),
            dcc.Store(id=ids.OO_MODAL_TOKEN),  # a live modify's confirmation token
        ],
        id=ids.OO_MODAL,
        is_open=False,
        centered=True,
    )


# --- the 1 s refresh: tables, fill toasts, unsettled orders ---------------------------------------


def _fill_toasts(fills: list, seen: set[str]) -> list:
    out = []
    for f in fills:
        if f.fill_id in seen:
            continue
        out.append(
            toast(
                t("fill.toast_title"),
                t(
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
        price = f"{o.price:,}" if o.price is not None else t("order.at_market")
        text = t("order.resolved", side=side_text(o.side), qty=f"{o.qty:,}", price=price)
        return toast(t("order.title"), text, "info", 6000), None
    if st.state == "failed":
        return None, no_update  # never sent: the next 주문 sends it with the same id
    reason = OrderRejected(
        Reason(st.reason or ("LOST" if st.state == "lost" else "BROKER")), st.message or ""
    )
    return toast(t("order.rejected"), message(reason), "danger", 8000), None


REFRESH = dict(
    open_orders=Output(ids.TRADE_OPEN_ORDERS, "children"),
    fills=Output(ids.TRADE_FILLS, "children"),
    position=Output(ids.TRADE_POSITION, "children"),
    acct=Output(ids.TRADE_ACCT, "data"),
    toasts=Output(ids.TRADE_TOASTS, "children"),
    retry=Output(ids.ORDER_RETRY, "data", allow_duplicate=True),
)


@callback(
    output=REFRESH,
    inputs=[Input(ids.TRADE_SLOW, "n_intervals")],
    state=[State(ids.TRADE_CODE, "data"), State(ids.TRADE_ACCT, "data"), State(ids.ORDER_RETRY, "data")],
    prevent_initial_call=True,
)
def _refresh(_n: int | None, code: str, acct: dict | None, retry: dict | None) -> dict:
    resolved, retry_out = _settle(retry)
    try:
        view = account_view(code)
    except BrokerError:
        if resolved:
            return reply(REFRESH, toasts=add_toasts(resolved), retry=retry_out)
        raise PreventUpdate from None
    old = acct or {}
    seen = set(old.get("fill_ids", []))
    toasts = _fill_toasts(view.fill_list, seen) + ([resolved] if resolved else [])
    return reply(
        REFRESH,
        open_orders=no_update if old.get("oo_sig") == view.acct["oo_sig"] else view.open_orders,
        fills=no_update if len(seen) == len(view.acct["fill_ids"]) and not toasts else view.fills,
        position=no_update if old.get("pos_sig") == view.acct["pos_sig"] else view.position,
        acct=view.acct,
        toasts=add_toasts(*toasts) if toasts else no_update,
        retry=retry_out,
    )


# --- 정정 / 취소 -----------------------------------------------------------------------------------

ACTION = dict(
    modal_open=Output(ids.OO_MODAL, "is_open"),
    modal_order=Output(ids.OO_MODAL_ORDER, "data"),
    desc=Output(ids.OO_MODAL_DESC, "children"),
    price=Output(ids.OO_MODAL_PRICE, "value"),
    qty=Output(ids.OO_MODAL_QTY, "value"),
    feedback=Output(ids.OO_MODAL_FEEDBACK, "children"),
    toasts=Output(ids.TRADE_TOASTS, "children", allow_duplicate=True),
    open_orders=Output(ids.TRADE_OPEN_ORDERS, "children", allow_duplicate=True),
    acct=Output(ids.TRADE_ACCT, "data", allow_duplicate=True),
    token=Output(ids.OO_MODAL_TOKEN, "data"),
)


@callback(
    output=ACTION,
    inputs=[
        Input(ids.TRADE_ACTION, "data"),
        Input(ids.OO_MODAL_OK, "n_clicks"),
        Input(ids.OO_MODAL_CANCEL, "n_clicks"),
    ],
    state=[
        State(ids.OO_MODAL_ORDER, "data"),
        State(ids.OO_MODAL_PRICE, "value"),
        State(ids.OO_MODAL_QTY, "value"),
        State(ids.TRADE_CODE, "data"),
        State(ids.TRADE_ACCT, "data"),
        State(ids.OO_MODAL_TOKEN, "data"),
    ],
    prevent_initial_call=True,
)
def _order_action(action, _ok, _cancel, modal_order, m_price, m_qty, code, acct, token):  # noqa: ANN001, ANN202
    trig = ctx.triggered_id
    closed = {"modal_open": False, "modal_order": None, "feedback": "", "token": None}
    if trig == ids.OO_MODAL_CANCEL:
        return reply(ACTION, **closed)

    def refreshed(toast_: Any) -> dict:
        """The toast, and the open orders read back."""
        try:
            view = account_view(code)
        except BrokerError:
            return {"toasts": add_toasts(toast_)}
        new_acct = view.acct | {"fill_ids": (acct or {}).get("fill_ids", [])}
        return {"toasts": add_toasts(toast_), "open_orders": view.open_orders, "acct": new_acct}

    if trig == ids.OO_MODAL_OK:
        if not modal_order:
            raise PreventUpdate
        new_price = as_int(m_price)
        new_qty = as_int(m_qty)
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
                    return reply(ACTION, modal_open=True, feedback=t("oo.confirm_live"), token=held)
                token = None
            o = gateway().modify(cmd, order_context(token["token"] if token else None))
        except OrderPending:
            pending = toast(t("order.pending_title"), t("order.pending"), "warning", 8000)
            return reply(ACTION, **closed, **refreshed(pending))
        except BrokerError as err:  # refused: a changed retry in this dialog is a new modify (new id)
            fresh = modal_order | {"cid": uuid.uuid4().hex}
            return reply(ACTION, modal_open=True, modal_order=fresh, feedback=message(err), token=None)
        done = toast(t("oo.modify_title"), t("oo.modified", id=o.order_id), "info", 4000)
        return reply(ACTION, **closed, **refreshed(done))
    if not action or not action.get("order_id"):
        raise PreventUpdate
    oid = str(action["order_id"])
    if action.get("action") == "cancel":
        try:
            o = gateway().cancel(Cancel(oid), order_context())
        except OrderPending:
            return reply(
                ACTION, **refreshed(toast(t("order.pending_title"), t("order.pending"), "warning", 8000))
            )
        except BrokerError as err:
            return reply(ACTION, **refreshed(toast(t("order.rejected"), message(err), "danger", 8000)))
        return reply(
            ACTION, **refreshed(toast(t("oo.cancel"), t("oo.cancelled", id=o.order_id), "info", 4000))
        )
    if action.get("action") == "modify":
        try:
            o = next((x for x in account_reader().open_orders() if x.order_id == oid), None)
        except BrokerError as err:
            return reply(ACTION, **refreshed(toast(t("order.rejected"), message(err), "danger", 8000)))
        if o is None:
            missing = message(OrderRejected(Reason.ORDER_NOT_FOUND, oid))
            return reply(ACTION, **refreshed(toast(t("order.rejected"), missing, "danger", 8000)))
        desc = f"{name_of(o.code)} · {side_text(o.side)} · {o.order_id}"
        # One client id per opened dialog: a retried 정정 of the same values is the same modify.
        data = {"order_id": o.order_id, "price": o.price, "qty": o.qty, "cid": uuid.uuid4().hex}
        return reply(
            ACTION,
            modal_open=True,
            modal_order=data,
            desc=desc,
            price=o.price,
            qty=o.qty,
            feedback="",
            token=None,
        )
    raise PreventUpdate
