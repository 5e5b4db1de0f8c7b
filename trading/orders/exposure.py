"""The account as the risk manager's account-level limits see it (``risk.AccountView``)."""

from __future__ import annotations

from trading.brokers.base import Broker
from trading.orders.risk import AccountView
from trading.pnl import pnl_today


def account_view(broker: Broker) -> AccountView:
    """Equity, orderable cash, value held per stock, today's P&L and today's order count of ``broker``'s
    account (its current session). Previous closes come from the quotes of the stocks held or traded."""
    bal = broker.balance()
    fills = broker.fills()
    codes = {p.code for p in bal.positions} | {f.code for f in fills}
    prev = {}
    for code in codes:
        try:
            prev[code] = broker.quote(code).prev_close
        except Exception:  # noqa: BLE001 - no quote: pnl_today marks from the position's price
            continue
    return AccountView(
        equity=bal.total_value,
        orderable=bal.orderable,
        stock_value=bal.stock_value,
        held={p.code: p.value for p in bal.positions},
        pnl_today=pnl_today(bal, fills, prev),
        orders_today=len(broker.orders()),
    )
