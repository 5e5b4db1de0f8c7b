"""Order estimate: commission by broker, sell tax by market and (settlement-date) year."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from trading.domain import Market, Side
from trading.krx import COMMISSION_RATES
from trading.order_estimate import commission_rate, estimate, max_buy_qty, pct_qty

PAPER = COMMISSION_RATES["paper"]  # 0.015%


def test_buy_adds_commission_no_tax():
    e = estimate(Side.BUY, 70_000, 10, Market.KOSPI, PAPER, on=date(2026, 7, 1))
    assert (e.amount, e.commission, e.tax) == (700_000, 105, 0)
    assert e.total == 700_105


@pytest.mark.parametrize(
    ("market", "day", "tax"),
    [
        (Market.KOSPI, date(2026, 7, 1), 1_400),  # 0.05% STT + 0.15% rural on 700,000
        (Market.KOSDAQ, date(2026, 7, 1), 1_400),  # 0.20%
        (Market.KOSPI, date(2025, 7, 1), 1_050),  # 0% + 0.15%
        (Market.KOSDAQ, date(2025, 7, 1), 1_050),  # 0.15%
        (Market.KOSDAQ, date(2024, 7, 1), 1_260),  # 0.18%
        (Market.KOSPI, date(2024, 7, 1), 1_260),  # 0.03% + 0.15%
        (Market.KOSDAQ, date(2025, 12, 30), 1_400),  # settles in 2026 → the 2026 rate
    ],
)
def test_sell_tax_by_market_and_year(market, day, tax):
    e = estimate("sell", 70_000, 10, market, PAPER, on=day)
    assert e.tax == tax
    assert e.commission == 105
    assert e.total == 700_000 - 105 - tax


def test_etf_sell_has_no_tax():
    assert estimate("sell", 10_000, 10, "KOSPI", PAPER, on=date(2026, 7, 1), etf=True).tax == 0


def test_commission_rate_selection():
    assert commission_rate("paper") == PAPER
    assert commission_rate("kis", "real") == COMMISSION_RATES["kis"]
    assert commission_rate("kiwoom", "mock") == COMMISSION_RATES["kiwoom_mock"]
    assert commission_rate("paper", commission_pct=0.1) == Fraction(1, 1000)


def test_max_buy_qty_fits_commission():
    q = max_buy_qty(1_000_000, 70_000, PAPER)
    assert q == 14
    assert 14 * 70_000 + 14 * 70_000 * 15 // 100_000 <= 1_000_000
    # Exactly 10 shares' worth plus commission is enough for 10, not without the commission.
    assert max_buy_qty(700_105, 70_000, PAPER) == 10
    assert max_buy_qty(700_000, 70_000, PAPER) == 9
    assert max_buy_qty(0, 70_000) == 0 and max_buy_qty(100, 0) == 0


def test_pct_qty():
    assert [pct_qty(37, p) for p in (10, 25, 50, 100)] == [3, 9, 18, 37]
