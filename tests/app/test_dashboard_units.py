"""Dashboard pieces without a browser: ranking rows, daily P&L, book rendering, chart."""

from __future__ import annotations

from datetime import datetime

import pytest

from trading.domain import KST, Balance, BookLevel, Fill, OrderBook, Position, Quote, RankRow, Side

T0 = datetime(2026, 7, 1, 10, 0, tzinfo=KST)


def page_module(name: str):
    """A page module as Dash Pages loaded it (importing it again would register the page twice)."""
    import sys

    return next(m for n, m in list(sys.modules.items()) if n.endswith(f"pages.{name}"))


def test_pnl_today_marks_from_prev_close_and_fill_prices(dash_app):
    pnl_today = page_module("account").pnl_today

    # Held 10 since yesterday (prev close 1,000), bought 5 today at 1,050, sold 3 today at 1,100; now 1,080.
    bal = Balance(cash=0, orderable=0, positions=(Position("000001", 12, 12_000, 1_080),))
    fills = [
        Fill("f1", "o1", "000001", Side.BUY, 1_050, 5, 10, 0, T0),
        Fill("f2", "o2", "000001", Side.SELL, 1_100, 3, 10, 20, T0),
    ]
    # Held-at-open 10 → 10×(1,080−1,000)=800 minus the 3 sold: 3×(1,100−1,000)=300 vs 3×80=240 → +60;
    # bought 5: 5×(1,080−1,050)=150. Total 800+60+150 = 1,010, minus fees 40.
    assert pnl_today(bal, fills, {"000001": 1_000}) == 970
    assert pnl_today(Balance(0, 0, ()), [], {}) == 0


def test_ranking_rows_filter_by_sector_and_limit(dash_app):
    rows_for = page_module("ranking").rows_for

    ranking = [
        RankRow(1, "005930", "삼성전자", "KOSPI", "XLK", 70_000, 71_000, 10, 10**12),
        RankRow(2, "000660", "SK하이닉스", "KOSPI", "SOXX", 190_000, 180_000, 10, 10**11),
        RankRow(3, "035420", "NAVER", "KOSPI", "XLC", 200_000, 200_000, 10, 10**10),
    ]
    rows = rows_for(ranking, "ko")
    assert [r["code"] for r in rows] == ["005930", "000660", "035420"]
    assert rows[1]["sector_code"] == "SEMI" and rows[1]["sector"] == "반도체"
    assert rows[0]["label"] == "삼성전자 (005930)" and rows[0]["change"] == -1_000
    assert [r["code"] for r in rows_for(ranking, "ko", {"SEMI"})] == ["000660"]
    assert len(rows_for(ranking, "en", None, 2)) == 2


def _quote(price=70_000, prev=69_000) -> Quote:
    return Quote("005930", price, prev, 69_500, 70_500, 69_000, 1_000, 70_000_000, 89_700, 48_300, T0, 120.5)


def test_order_book_renders_levels_with_prices_and_totals():
    from app.components.orderbook import age_class, book_table

    book = OrderBook(
        "005930",
        tuple(BookLevel(70_100 + 100 * k, 10 + k) for k in range(10)),
        tuple(BookLevel(70_000 - 100 * k, 20 + k) for k in range(10)),
        T0,
    )
    html = str(book_table(book, _quote()))
    assert html.count("ob-level") == 20
    assert "data-price='70100'" in html and "ob-ask-0" in html and "ob-bid-9" in html
    assert f"{book.total_ask_qty:,}" in html and "120.50" in html
    assert [age_class(a) for a in (1.0, 6.0, 31.0, None)] == ["fresh", "stale-warn", "stale-bad", "stale-bad"]


def test_chart_has_quarter_lines_as_first_shapes():
    from app.components.chart import figure, moving_average
    from trading.domain import Bar
    from trading.quarter_lines import quarter_lines

    bars = [Bar("005930", T0, 100, 110, 90, 105, 10) for _ in range(6)]
    ql = quarter_lines(69_500, 70_500, 69_000)
    fig = figure(bars, ql, [5], 1)
    assert [s["y0"] for s in fig.layout.shapes] == [p for _, p in ql.levels()]
    assert len(fig.data) == 3 and fig.data[2].name == "MA5"
    assert moving_average([1, 2, 3, 4], 2) == [None, 1.5, 2.5, 3.5]


@pytest.mark.parametrize(
    ("payload", "codes"),
    [
        (
            {"kr_sectors": [{"code": "SEMI", "direction": "up"}, {"code": "FIN", "direction": "down"}]},
            ("SEMI",),
        ),
        ({"kr_sectors": {"IT": {"direction": "up"}, "XLE": "up", "FIN": "flat"}}, ("IT", "ENERGY")),
        ({}, ()),
    ],
)
def test_up_sectors_from_report_payload(payload, codes):
    from app.components.data import _up_codes

    assert _up_codes(payload) == codes
