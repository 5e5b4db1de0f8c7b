"""The estimated amount of an order before it is sent: 주문금액, 수수료, 세금 and the cash it moves.

Buy: cash needed = amount + commission. Sell: cash received = amount − commission − tax (the sell
tax follows the market and the settlement-date year, ``trading.krx.costs``). Money is int won.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from trading.domain import Market, Side
from trading.krx import COMMISSION_RATES, commission, order_costs, today_kst


@dataclass(frozen=True, slots=True)
class Estimate:
    side: Side
    price: int
    qty: int
    amount: int  # price × qty
    commission: int
    tax: int  # sells only

    @property
    def total(self) -> int:
        """Cash needed for a buy, cash received for a sell."""
        if self.side == Side.BUY:
            return self.amount + self.commission
        return self.amount - self.commission - self.tax


def commission_rate(
    broker: str = "paper", env: str = "mock", commission_pct: float | None = None
) -> Fraction:
    """The per-side commission rate: the configured percentage, else the broker's default.

    ``env`` "mock" picks the broker's mock-account rate (``kis_mock``/``kiwoom_mock``); paper has one rate.
    """
    if commission_pct is not None:
        return Fraction(str(commission_pct)) / 100
    key = broker if broker == "paper" or env == "real" else f"{broker}_mock"
    return COMMISSION_RATES.get(key, COMMISSION_RATES["paper"])


def estimate(
    side: Side | str,
    price: int,
    qty: int,
    market: Market | str = Market.KOSPI,
    rate: Fraction = COMMISSION_RATES["paper"],
    on: date | None = None,
    etf: bool = False,
) -> Estimate:
    """Estimate for ``qty`` shares at ``price`` traded on ``on`` (default today, KST)."""
    s = Side(side)
    if price < 0 or qty < 0:
        raise ValueError("price and qty must be >= 0")
    fee, tax = order_costs(s.value, price, qty, on or today_kst(), Market(market), rate, etf)
    return Estimate(s, price, qty, price * qty, fee, tax)


def max_buy_qty(orderable: int, price: int, rate: Fraction = COMMISSION_RATES["paper"]) -> int:
    """The largest quantity whose amount plus commission fits in ``orderable`` won."""
    if price <= 0 or orderable <= 0:
        return 0
    q = orderable // price
    # Commission is floored, so start from the exact bound and step down at most a few shares.
    q = min(q, int(Fraction(orderable) / (price * (1 + rate))) + 1)
    while q > 0 and price * q + commission(price * q, rate) > orderable:
        q -= 1
    return q


def pct_qty(base_qty: int, pct: int) -> int:
    """``pct``% of ``base_qty`` shares, floored (10/25/50/100% buttons)."""
    return base_qty * pct // 100
