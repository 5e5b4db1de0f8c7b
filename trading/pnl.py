"""Today's profit and loss of an account, marked to market (the account page and the risk manager)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from trading.domain import Balance, Fill, Side


def pnl_today(bal: Balance, fills: Iterable[Fill], prev_close: Mapping[str, int]) -> int:
    """Today's mark-to-market P&L in won.

    Shares held since yesterday are marked from the previous close, shares bought today from their fill
    price, shares sold today from the previous close (or the buy price, when bought today: the
    bought-then-sold shares are settled by the sell fill against the buy fill), minus today's commission
    and tax. Equivalent: (value now + cash from today's sells) − (value at yesterday's close + cash paid
    for today's buys) − fees.
    """
    fills = list(fills)
    bought: dict[str, int] = {}
    sold: dict[str, int] = {}
    flow = 0  # sells' proceeds minus buys' cost, before fees
    fees = 0
    for f in fills:
        amount = f.price * f.qty
        if f.side == Side.BUY:
            bought[f.code] = bought.get(f.code, 0) + f.qty
            flow -= amount
        else:
            sold[f.code] = sold.get(f.code, 0) + f.qty
            flow += amount
        fees += f.commission + f.tax
    held_now = {p.code: p for p in bal.positions}
    value_now = sum(p.value for p in bal.positions)
    value_open = 0
    for code in set(held_now) | set(bought) | set(sold):
        qty_now = held_now[code].qty if code in held_now else 0
        qty_open = qty_now - bought.get(code, 0) + sold.get(code, 0)
        if qty_open > 0:
            pc = prev_close.get(code) or (held_now[code].price if code in held_now else 0)
            value_open += qty_open * pc
    return value_now + flow - value_open - fees
