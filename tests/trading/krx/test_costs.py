from datetime import date
from fractions import Fraction

import pytest

from trading.domain import Market, Side
from trading.krx.costs import (
    COMMISSION_RATES,
    commission,
    order_costs,
    sell_tax,
    sell_tax_breakdown,
    sell_tax_rate,
    sell_tax_rates,
    settlement_date,
)

K, Q, X = Market.KOSPI, Market.KOSDAQ, Market.KONEX


def pct(s: str) -> Fraction:
    return Fraction(s) / 100


@pytest.mark.parametrize(
    ("trade", "settle"),
    [
        (date(2026, 1, 5), date(2026, 1, 7)),
        (date(2026, 1, 8), date(2026, 1, 12)),  # Thu → Mon
        (date(2026, 1, 9), date(2026, 1, 13)),  # Fri → Tue
        (date(2025, 12, 26), date(2025, 12, 30)),
        (date(2025, 12, 29), date(2026, 1, 2)),
        (date(2025, 12, 30), date(2026, 1, 5)),
        (date(2024, 12, 26), date(2024, 12, 30)),
        (date(2024, 12, 27), date(2025, 1, 2)),
        (date(2019, 5, 29), date(2019, 5, 31)),
        (date(2019, 5, 30), date(2019, 6, 3)),
        (date(2026, 6, 2), date(2026, 6, 5)),  # 06-03 is a (project-corrected) holiday
    ],
)
def test_settlement_date(trade: date, settle: date) -> None:
    assert settlement_date(trade) == settle


# (trade date, KOSPI total, KOSDAQ, KONEX) keyed by settlement date (T+2).
TAX_BY_SETTLEMENT = [
    (date(2018, 6, 1), "0.30", "0.30", "0.30"),
    (date(2019, 5, 29), "0.30", "0.30", "0.30"),  # settles 05-31
    (date(2019, 5, 30), "0.25", "0.25", "0.10"),  # settles 06-03: 2019 cut
    (date(2019, 6, 3), "0.25", "0.25", "0.10"),
    (date(2020, 12, 28), "0.25", "0.25", "0.10"),  # settles 12-30
    (date(2020, 12, 29), "0.23", "0.23", "0.10"),  # settles 2021-01-04
    (date(2022, 6, 2), "0.23", "0.23", "0.10"),
    (date(2022, 12, 27), "0.23", "0.23", "0.10"),  # settles 12-29
    (date(2022, 12, 28), "0.20", "0.20", "0.10"),  # settles 2023-01-02
    (date(2023, 6, 1), "0.20", "0.20", "0.10"),
    (date(2023, 12, 26), "0.20", "0.20", "0.10"),  # settles 12-28
    (date(2023, 12, 27), "0.18", "0.18", "0.10"),  # settles 2024-01-02
    (date(2024, 6, 3), "0.18", "0.18", "0.10"),
    (date(2024, 12, 26), "0.18", "0.18", "0.10"),  # settles 12-30
    (date(2024, 12, 27), "0.15", "0.15", "0.10"),  # settles 2025-01-02: 2025 cut
    (date(2025, 6, 2), "0.15", "0.15", "0.10"),
    (date(2025, 12, 26), "0.15", "0.15", "0.10"),  # settles 12-30
    (date(2025, 12, 29), "0.20", "0.20", "0.10"),  # settles 2026-01-02
    (date(2025, 12, 30), "0.20", "0.20", "0.10"),  # settles 2026-01-05
    (date(2026, 6, 1), "0.20", "0.20", "0.10"),
]


@pytest.mark.parametrize(("trade", "kospi", "kosdaq", "konex"), TAX_BY_SETTLEMENT)
def test_sell_tax_rate_by_settlement(trade: date, kospi: str, kosdaq: str, konex: str) -> None:
    assert sell_tax_rate(trade, K) == pct(kospi)
    assert sell_tax_rate(trade, Q) == pct(kosdaq)
    assert sell_tax_rate(trade, X) == pct(konex)
    assert sell_tax_rate(trade, K, by="settlement") == pct(kospi)
    for market in (K, Q, X):
        assert sell_tax_rate(trade, market, etf=True) == 0


@pytest.mark.parametrize(
    ("trade", "kospi"),
    [
        (date(2019, 5, 30), "0.30"),
        (date(2019, 6, 3), "0.25"),
        (date(2024, 12, 27), "0.18"),
        (date(2025, 1, 2), "0.15"),
        (date(2025, 12, 29), "0.15"),
        (date(2025, 12, 30), "0.15"),
        (date(2026, 1, 2), "0.20"),
    ],
)
def test_sell_tax_rate_by_trade_date(trade: date, kospi: str) -> None:
    assert sell_tax_rate(trade, K, by="trade") == pct(kospi)


def test_kospi_split() -> None:
    assert sell_tax_rates(date(2026, 3, 3), K) == (pct("0.05"), pct("0.15"))
    assert sell_tax_rates(date(2025, 3, 3), K) == (0, pct("0.15"))
    assert sell_tax_rates(date(2026, 3, 3), Q) == (pct("0.20"), 0)
    assert sell_tax_rates(date(2026, 3, 3), X) == (pct("0.10"), 0)


def test_bad_by() -> None:
    with pytest.raises(ValueError):
        sell_tax_rate(date(2026, 3, 3), K, by="booking")  # type: ignore[arg-type]


def test_outside_calendar_falls_back_to_weekdays() -> None:
    assert sell_tax_rate(date(2004, 6, 1), K) == pct("0.30")
    assert sell_tax_rate(date(2031, 3, 3), Q) == pct("0.20")


@pytest.mark.parametrize(
    ("amount", "trade", "market", "expected"),
    [
        (10_000_000, date(2026, 3, 3), K, 20_000),
        (10_000_000, date(2025, 3, 3), K, 15_000),
        (10_000_000, date(2024, 3, 4), Q, 18_000),
        (10_000_000, date(2026, 3, 3), X, 10_000),
        (999, date(2026, 3, 3), K, 1),  # 0.4995 + 1.4985 → 0 + 1
        (1_234_567, date(2026, 3, 3), K, 617 + 1_851),  # each component floored
        (1_234_567, date(2026, 3, 3), Q, 2_469),
        (70_200 * 13, date(2025, 12, 29), K, 456 + 1_368),  # 912,600: 2026 rates
        (70_200 * 13, date(2025, 12, 26), K, 1_368),  # 2025: no STT on KOSPI
        (0, date(2026, 3, 3), K, 0),
    ],
)
def test_sell_tax(amount: int, trade: date, market: Market, expected: int) -> None:
    assert sell_tax(amount, trade, market) == expected
    assert sell_tax(amount, trade, market, etf=True) == 0
    assert isinstance(sell_tax(amount, trade, market), int)


def test_sell_tax_breakdown() -> None:
    assert sell_tax_breakdown(1_234_567, date(2026, 3, 3), K) == (617, 1_851)
    assert sell_tax_breakdown(1_234_567, date(2026, 3, 3), Q) == (2_469, 0)


def test_commission_rates() -> None:
    assert COMMISSION_RATES["kiwoom"] == Fraction(15, 100_000)
    assert COMMISSION_RATES["kis"] == Fraction(140_527, 1_000_000_000)
    assert COMMISSION_RATES["paper"] == pct("0.015")
    assert COMMISSION_RATES["kiwoom_mock"] == COMMISSION_RATES["kis_mock"] == pct("0.35")
    assert all(isinstance(r, Fraction) for r in COMMISSION_RATES.values())


@pytest.mark.parametrize(
    ("amount", "rate", "expected"),
    [
        (1_000_000, "kiwoom", 150),
        (912_600, "kiwoom", 136),  # 136.89 → 136
        (912_600, "kis", 128),  # 128.245… → 128
        (912_600, "kiwoom_mock", 3_194),  # 3,194.1
        (6_666, "kiwoom", 0),  # 0.9999
        (6_667, "kiwoom", 1),  # 1.00005
        (0, "kiwoom", 0),
    ],
)
def test_commission_floor(amount: int, rate: str, expected: int) -> None:
    assert commission(amount, COMMISSION_RATES[rate]) == expected


def test_commission_unit() -> None:
    assert commission(912_600, COMMISSION_RATES["kiwoom"], unit=10) == 130


def test_negative_amount() -> None:
    with pytest.raises(ValueError):
        commission(-1, COMMISSION_RATES["kiwoom"])


@pytest.mark.parametrize("side", ["buy", Side.BUY])
def test_order_costs_buy(side: str) -> None:
    assert order_costs(side, 70_200, 13, date(2026, 3, 3), K, COMMISSION_RATES["kiwoom"]) == (136, 0)


@pytest.mark.parametrize("side", ["sell", Side.SELL])
def test_order_costs_sell(side: str) -> None:
    rate = COMMISSION_RATES["kiwoom"]
    assert order_costs(side, 70_200, 13, date(2026, 3, 3), K, rate) == (136, 456 + 1_368)
    assert order_costs(side, 70_200, 13, date(2025, 12, 26), K, rate) == (136, 1_368)
    assert order_costs(side, 70_200, 13, date(2026, 3, 3), K, rate, etf=True) == (136, 0)


def test_order_costs_bad_side() -> None:
    with pytest.raises(ValueError):
        order_costs("short", 70_200, 1, date(2026, 3, 3), K, COMMISSION_RATES["kiwoom"])
