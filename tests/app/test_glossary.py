"""The glossary (issue 17, item 2): every ⓘ help text has an entry, every entry an explanation and an
example in both languages, and the examples' numbers are what the KRX rules in ``trading/krx`` give."""

from __future__ import annotations

from datetime import date

from app.components.help import HELP_ENTRY, glossary_href
from app.text import CATALOGUE
from app.text.glossary import ENTRIES
from trading.domain import Market
from trading.krx import (
    COMMISSION_RATES,
    commission,
    price_limits,
    round_to_tick,
    sell_tax,
    sell_tax_breakdown,
    tick_size,
)

DAY = date(2026, 12, 1)  # the examples' trade date (KOSPI)


def ko(key: str) -> str:
    return CATALOGUE[key][0]


def test_every_help_text_links_to_an_entry_and_every_entry_is_complete():
    helps = {k.removeprefix("help.") for k in CATALOGUE if k.startswith("help.")}
    assert helps == set(HELP_ENTRY), "every ⓘ help text needs its glossary entry"
    assert set(HELP_ENTRY.values()) <= set(ENTRIES)
    assert glossary_href("mdd") == "/glossary#mdd"
    assert len(ENTRIES) == len(set(ENTRIES))
    for entry in ENTRIES:
        for part in ("name", "body", "example"):
            korean, english = CATALOGUE[f"term.{entry}.{part}"]
            assert korean.strip() and english.strip(), (entry, part)
        assert any(ch.isdigit() for ch in ko(f"term.{entry}.example")), f"{entry}: an example with numbers"
    # The list of terms, each on the page.
    names = " ".join(ko(f"term.{e}.name") for e in ENTRIES)
    for word in ("거래대금", "호가", "체결강도", "4등분 라인", "지정가", "시장가", "상한가", "하한가", "호가단위",
                 "VI", "수수료", "세금", "예수금", "주문가능금액", "평균단가", "손절", "익절", "수익률", "CAGR",
                 "MDD", "샤프", "승률", "손익비", "슬리피지", "모의", "실전"):  # fmt: skip
        assert word in names, word


def won(n: int) -> str:
    return f"{n:,}"


def test_the_examples_follow_the_krx_rules():
    # 호가단위: the 2023 grid.
    tick = ko("term.tick_size.example")
    assert tick_size(4_990, DAY, Market.KOSPI) == 5 and "5원 단위" in tick
    assert tick_size(55_700, DAY, Market.KOSPI) == 100 and "100원 단위" in tick
    assert tick_size(250_000, DAY, Market.KOSPI) == 500 and "500원 단위" in tick
    assert 55_750 % tick_size(55_750, DAY, Market.KOSPI) != 0 and "55,750원" in tick
    # 상한가/하한가 from the previous close.
    upper, lower = price_limits(55_700, DAY, Market.KOSPI)
    limits = ko("term.price_limits.example")
    assert f"{won(upper)}원" in limits and f"{won(lower)}원" in limits
    # 수수료/세금 on a sell of 10 × 55,700 (paper commission rate; tax by settlement date).
    amount = 55_700 * 10
    fee = commission(amount, COMMISSION_RATES["paper"])
    tax = sell_tax(amount, DAY, Market.KOSPI)
    stt, rural = sell_tax_breakdown(amount, DAY, Market.KOSPI)
    costs = ko("term.costs.example")
    for n in (amount, fee, tax, stt, rural, amount - fee - tax):
        assert f"{won(n)}원" in costs, n
    # 주문가능금액: cash minus an open buy and its commission.
    cash = ko("term.cash.example")
    assert f"{won(1_000_000 - amount - fee)}원" in cash and f"수수료 {fee}원" in cash
    # 손절/익절 prices on the grid.
    stop = ko("term.stop_take.example")
    avg = (55_700 * 10 + 53_700 * 10) // 20
    assert f"{won(avg)}원" in ko("term.avg_price.example")
    down, up = avg * 95 // 100, avg * 110 // 100
    assert f"{won(down)}원" in stop and f"{won(up)}원" in stop
    on_grid_down = round_to_tick(down, "down", DAY, Market.KOSPI)
    on_grid_up = round_to_tick(up, "up", DAY, Market.KOSPI)
    assert f"{won(on_grid_down)}원" in stop and f"{won(on_grid_up)}원" in stop
    # MDD and CAGR arithmetic.
    assert "−33.3%" in ko("term.mdd.example") and round((10_000_000 / 15_000_000 - 1) * 100, 1) == -33.3
    assert "+10%" in ko("term.cagr.example") and round((1.21**0.5 - 1) * 100, 6) == 10.0
