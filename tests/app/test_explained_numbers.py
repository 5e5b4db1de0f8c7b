"""Numbers that explain themselves (issue 17, item 3): each backtest statistic has its meaning and a
judgement; the trade page's quarter lines and the report's track record say how to read them."""

from __future__ import annotations

from app.backtest.explain import explain, fraction_words
from app.backtest.result import stat_cards
from app.text import t

STATS = {
    "total_return_pct": 25.0, "cagr_pct": 11.8, "max_drawdown_pct": -33.1, "benchmark_return_pct": 10.0,
    "sharpe": 0.8, "win_rate_pct": 55.0, "trades": 12, "final_equity": 12_500_000.0,
}  # fmt: skip


def test_each_statistic_has_a_meaning_and_a_judgement():
    assert (
        explain("max_drawdown_pct", STATS, "ko")
        == "최악의 순간에 자산이 1/3 줄었습니다 — 견디기 어려운 큰 낙폭."
    )
    assert explain("total_return_pct", STATS, "ko") == "100만원이 125만원이 된 셈입니다."
    assert "보통" in explain("cagr_pct", STATS, "ko")
    assert "15.0%p 더 좋았습니다" in explain("benchmark_return_pct", STATS, "ko")
    assert "흔들림이 큽니다" in explain("sharpe", STATS, "ko")
    assert "100번 중 55번" in explain("win_rate_pct", STATS, "ko")
    assert "우연" in explain("trades", STATS, "ko") and "충분" in explain("trades", {"trades": 120}, "ko")
    assert "worst moment 1/3" in explain("max_drawdown_pct", STATS, "en")
    assert fraction_words(-50.0, "ko") == "절반" and fraction_words(-17.0, "ko") == "17.0%"
    assert explain("sharpe", {"sharpe": float("nan")}, "ko") == ""  # no number, no claim
    row = stat_cards(STATS, lang="ko")
    text = str(row.to_plotly_json())
    for key in ("total_return_pct", "cagr_pct", "max_drawdown_pct", "sharpe", "win_rate_pct", "trades"):
        assert explain(key, STATS, "ko") in text, key


def test_the_quarter_lines_and_the_track_record_say_how_to_read_them():
    assert "4등분 라인은" in t("chart.quarter_why", "ko")
    how = t("report.track_how", "ko")
    assert "55%" in how and "표본" in how and "50%" in how
