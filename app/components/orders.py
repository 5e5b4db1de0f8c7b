"""Tables of orders and fills shared by the trade and account pages."""

from __future__ import annotations

from collections.abc import Sequence

from dash import html

from app.components.data import stock
from app.components.style import DOWN_CLASS, UP_CLASS
from app.i18n import current_lang
from app.text import t
from app.trade import ids
from trading.domain import Fill, Order, OrderType, Side


def side_text(side: Side | str) -> str:
    return t("order.buy") if Side(side) is Side.BUY else t("order.sell")


def side_class(side: Side | str) -> str:
    """A buy is red (up), a sell blue (down)."""
    return UP_CLASS if Side(side) is Side.BUY else DOWN_CLASS


def type_text(order_type: OrderType | str) -> str:
    return t("order.limit") if OrderType(order_type) is OrderType.LIMIT else t("order.market")


def status_text(status: str) -> str:
    return t(f"status.{status}")


def name_of(code: str) -> str:
    meta = stock(code)
    return meta.name(current_lang()) if meta else code


def _hhmmss(o: Order | Fill) -> str:
    t = getattr(o, "created_at", None) or getattr(o, "time", None)
    return t.strftime("%H:%M:%S") if t else ""


def open_orders_table(orders: Sequence[Order]) -> html.Div:
    """Active orders, newest first, each with 정정/취소 (handled by assets/dashboard.js → trade-action)."""
    if not orders:
        return html.Div(t("oo.none"), className="small text-body-secondary py-2", id=ids.OO_EMPTY)
    head = html.Thead(
        html.Tr(
            [
                html.Th(t("col.time")),
                html.Th(t("col.name")),
                html.Th(t("col.side")),
                html.Th(t("col.order_price"), className="num"),
                html.Th(t("col.qty"), className="num"),
                html.Th(t("col.remaining"), className="num"),
                html.Th(""),
            ]
        )
    )
    rows = []
    for o in sorted(orders, key=lambda o: o.created_at.timestamp() if o.created_at else 0.0, reverse=True):
        price = f"{o.price:,}" if o.price is not None else t("order.market")
        rows.append(
            html.Tr(
                [
                    html.Td(_hhmmss(o), className="small"),
                    html.Td(name_of(o.code), className="text-truncate", style={"maxWidth": "8rem"}),
                    html.Td(side_text(o.side), className=side_class(o.side)),
                    html.Td(price, className="num"),
                    html.Td(f"{o.qty:,}", className="num"),
                    html.Td(f"{o.remaining_qty:,}", className="num"),
                    html.Td(
                        [
                            html.Button(
                                t("oo.modify"),
                                className="btn btn-outline-secondary btn-sm py-0 px-1 me-1 "
                                + ids.OO_MODIFY_CLASS,
                                id=ids.oo_modify(o.order_id),
                                **{"data-order-id": o.order_id},
                            ),
                            html.Button(
                                t("oo.cancel"),
                                className="btn btn-outline-danger btn-sm py-0 px-1 " + ids.OO_CANCEL_CLASS,
                                id=ids.oo_cancel(o.order_id),
                                **{"data-order-id": o.order_id},
                            ),
                        ],
                        className="text-nowrap text-end",
                    ),
                ],
                id=ids.oo_row(o.order_id),
                className="oo-row",
            )
        )
    return html.Div(
        html.Table([head, html.Tbody(rows)], className="table table-sm table-hover mb-0 small"),
        className="table-responsive",
    )


def fills_table(fills: Sequence[Fill]) -> html.Div:
    if not fills:
        return html.Div(t("fills.none"), className="small text-body-secondary py-2", id=ids.FILLS_EMPTY)
    head = html.Thead(
        html.Tr(
            [
                html.Th(t("col.time")),
                html.Th(t("col.name")),
                html.Th(t("col.side")),
                html.Th(t("col.fill_price"), className="num"),
                html.Th(t("col.qty"), className="num"),
                html.Th(t("order.commission") + "+" + t("order.tax"), className="num"),
            ]
        )
    )
    rows = [
        html.Tr(
            [
                html.Td(_hhmmss(f), className="small"),
                html.Td(name_of(f.code)),
                html.Td(side_text(f.side), className=side_class(f.side)),
                html.Td(f"{f.price:,}", className="num"),
                html.Td(f"{f.qty:,}", className="num"),
                html.Td(f"{f.commission + f.tax:,}", className="num"),
            ],
            className="fill-row",
        )
        for f in sorted(fills, key=lambda f: f.time, reverse=True)
    ]
    return html.Div(
        html.Table([head, html.Tbody(rows)], className="table table-sm mb-0 small"),
        className="table-responsive",
    )
