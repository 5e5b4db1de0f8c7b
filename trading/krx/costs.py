"""Trading costs: settlement date, securities transaction tax, broker commission.

All money is int won. Rates are exact ``Fraction``s; won amounts are floored (truncated) to the
won, as KRX and brokers do.
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from typing import Literal

from trading.domain import Market
from trading.krx.calendar import next_krx_session


def _pct(s: str) -> Fraction:
    """Exact Fraction for a percentage written as a decimal string: _pct("0.015") == 0.015%."""
    return Fraction(s) / 100


# (settlement date from which the rates apply, {market: (STT, rural special tax)}).
# KOSPI pays STT + rural tax (0.15%); KOSDAQ (and K-OTC) and KONEX pay STT only. Research notes §4.
SELL_TAX_SCHEDULE: tuple[tuple[date, dict[Market, tuple[Fraction, Fraction]]], ...] = (
    (
        date.min,
        {
            Market.KOSPI: (_pct("0.15"), _pct("0.15")),
            Market.KOSDAQ: (_pct("0.30"), _pct("0")),
            Market.KONEX: (_pct("0.30"), _pct("0")),
        },
    ),
    (
        date(2019, 6, 3),
        {
            Market.KOSPI: (_pct("0.10"), _pct("0.15")),
            Market.KOSDAQ: (_pct("0.25"), _pct("0")),
            Market.KONEX: (_pct("0.10"), _pct("0")),
        },
    ),
    (
        date(2021, 1, 1),
        {
            Market.KOSPI: (_pct("0.08"), _pct("0.15")),
            Market.KOSDAQ: (_pct("0.23"), _pct("0")),
            Market.KONEX: (_pct("0.10"), _pct("0")),
        },
    ),
    (
        date(2023, 1, 1),
        {
            Market.KOSPI: (_pct("0.05"), _pct("0.15")),
            Market.KOSDAQ: (_pct("0.20"), _pct("0")),
            Market.KONEX: (_pct("0.10"), _pct("0")),
        },
    ),
    (
        date(2024, 1, 1),
        {
            Market.KOSPI: (_pct("0.03"), _pct("0.15")),
            Market.KOSDAQ: (_pct("0.18"), _pct("0")),
            Market.KONEX: (_pct("0.10"), _pct("0")),
        },
    ),
    (
        date(2025, 1, 1),
        {
            Market.KOSPI: (_pct("0"), _pct("0.15")),
            Market.KOSDAQ: (_pct("0.15"), _pct("0")),
            Market.KONEX: (_pct("0.10"), _pct("0")),
        },
    ),
    (
        date(2026, 1, 1),
        {
            Market.KOSPI: (_pct("0.05"), _pct("0.15")),
            Market.KOSDAQ: (_pct("0.20"), _pct("0")),
            Market.KONEX: (_pct("0.10"), _pct("0")),
        },
    ),
)

# Per-side commission rates (they include exchange/depository fees where the broker quotes them so).
# The mock-account rates are UNCONFIRMED (reported ~0.35% for Kiwoom, no source for KIS): they are
# defaults only; pass your own rate / override the entry to configure them.
COMMISSION_RATES: dict[str, Fraction] = {
    "kiwoom": _pct("0.015"),
    "kis": _pct("0.0140527"),
    "paper": _pct("0.015"),
    "kiwoom_mock": _pct("0.35"),
    "kis_mock": _pct("0.35"),
}

By = Literal["settlement", "trade"]


def settlement_date(trade_date: date) -> date:
    """Settlement date T+2: the second KRX session after ``trade_date`` (a session)."""
    return next_krx_session(next_krx_session(trade_date))


def _tax_key_date(trade_date: date, by: By) -> date:
    if by == "trade":
        return trade_date
    if by != "settlement":
        raise ValueError(f"by must be 'settlement' or 'trade', got {by!r}")
    try:
        return settlement_date(trade_date)
    except ValueError:
        # Outside the calendar range (2005..2030): approximate T+2 by two weekdays.
        d, left = trade_date, 2
        while left:
            d += timedelta(days=1)
            left -= d.weekday() < 5
        return d


def sell_tax_rates(
    trade_date: date, market: Market, etf: bool = False, by: By = "settlement"
) -> tuple[Fraction, Fraction]:
    """(securities transaction tax, rural special tax) rates for a sell.

    The law keys the rate on the settlement (transfer) date, T+2, so by default the last two
    sessions of a year already pay the next year's rate (e.g. sells on 2024-12-27 paid the 2025
    rate). ``by="trade"`` keys on the trade date instead. Domestic ETFs pay no STT → (0, 0).
    """
    if etf:
        return Fraction(0), Fraction(0)
    key = _tax_key_date(trade_date, by)
    rates = SELL_TAX_SCHEDULE[0][1]
    for start, table in SELL_TAX_SCHEDULE:
        if key >= start:
            rates = table
    return rates[Market(market)]


def sell_tax_rate(trade_date: date, market: Market, etf: bool = False, by: By = "settlement") -> Fraction:
    """Total sell tax rate (STT + rural tax) — keyed by settlement date by default, see sell_tax_rates."""
    stt, rural = sell_tax_rates(trade_date, market, etf, by)
    return stt + rural


def sell_tax_breakdown(
    amount: int, trade_date: date, market: Market, etf: bool = False, by: By = "settlement"
) -> tuple[int, int]:
    """(STT, rural special tax) in won on sell ``amount``; each floored to the won separately."""
    stt, rural = sell_tax_rates(trade_date, market, etf, by)
    return _floor(amount, stt), _floor(amount, rural)


def sell_tax(amount: int, trade_date: date, market: Market, etf: bool = False, by: By = "settlement") -> int:
    """Sell tax in won on ``amount``: STT and rural tax each floored to the won, then summed
    (brokers report and truncate them separately; this can be 1 won below flooring the total).
    """
    return sum(sell_tax_breakdown(amount, trade_date, market, etf, by))


def _floor(amount: int, rate: Fraction) -> int:
    if amount < 0:
        raise ValueError(f"amount must be >= 0, got {amount}")
    return amount * rate.numerator // rate.denominator


def commission(amount: int, rate: Fraction, unit: int = 1) -> int:
    """Commission in won on ``amount``: amount × rate floored to a multiple of ``unit`` won
    (default 1; some brokers truncate to 10 won).
    """
    fee = _floor(amount, Fraction(rate))
    return fee - fee % unit


def order_costs(
    side: str,
    price: int,
    qty: int,
    trade_date: date,
    market: Market,
    rate: Fraction,
    etf: bool = False,
) -> tuple[int, int]:
    """(commission, tax) in won for an execution of ``qty`` at ``price``; tax only on sells.
    ``side`` is "buy"/"sell" (trading.domain.Side works too). Tax is keyed by settlement date.
    """
    if side not in ("buy", "sell"):
        raise ValueError(f"side must be 'buy' or 'sell', got {side!r}")
    amount = price * qty
    tax = sell_tax(amount, trade_date, market, etf) if side == "sell" else 0
    return commission(amount, rate), tax
