"""/screen: the stock screener's form, results and messages.

Namespaces: ``screen.*``.
"""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "screen.nav": ("스크리너", "Screener"),
    "screen.title": ("종목 스크리너", "Stock screener"),
    "screen.intro": (
        "전 종목의 일봉으로 조건을 검사합니다. 모든 조건을 동시에 만족하는 종목이 거래대금 순으로 나옵니다. "
        "행을 누르면 주문 화면이 열립니다.",
        "Checks the criteria on the daily bars of every stock. Stocks meeting all of them are listed by "
        "trading value. Click a row to open its trade screen.",
    ),
    "screen.rsi": ("RSI", "RSI"),
    "screen.rsi_period": ("기간", "Period"),
    "screen.rsi_min": ("최소", "Min"),
    "screen.rsi_max": ("최대", "Max"),
    "screen.macd": ("MACD 교차", "MACD cross"),
    "screen.ma": ("이동평균 교차", "Moving-average cross"),
    "screen.none": ("사용 안 함", "Off"),
    "screen.golden": ("골든크로스 (상향 돌파)", "Golden cross (up)"),
    "screen.dead": ("데드크로스 (하향 돌파)", "Dead cross (down)"),
    "screen.within": ("최근 N일 이내", "Within last N days"),
    "screen.fast": ("빠른 기간", "Fast"),
    "screen.slow": ("느린 기간", "Slow"),
    "screen.signal": ("시그널", "Signal"),
    "screen.rank": ("거래대금 상위 N위 이내", "In TOP N by trading value"),
    "screen.sectors": ("섹터 (여러 개)", "Sectors (multi-select)"),
    "screen.markets": ("시장", "Markets"),
    "screen.price_min": ("최저 주가 (원)", "Min price (won)"),
    "screen.price_max": ("최고 주가 (원)", "Max price (won)"),
    "screen.us": ("미국 연동 섹터", "US-linked sectors"),
    "screen.us_up": ("아침 리포트 강세 섹터", "Sectors the morning report expects up"),
    "screen.us_down": ("아침 리포트 약세 섹터", "Sectors the morning report expects down"),
    "screen.limit": ("최대 결과 수", "Max results"),
    "screen.run": ("검색", "Screen"),
    "screen.hint": ("조건을 정하고 검색을 누르세요.", "Set the criteria and press Screen."),
    "screen.count": (
        "{n}개 종목 · {day} 일봉 기준 · 전체 {total:,}종목 검사 · {ms}ms",
        "{n} stocks · daily bars of {day} · {total:,} stocks screened · {ms} ms",
    ),
    "screen.no_bars": ("저장된 일봉이 없습니다.", "No daily bars are stored."),
    "screen.no_report": (
        "아침 섹터 리포트가 없어 미국 연동 섹터 조건에 맞는 종목이 없습니다.",
        "There is no morning sector report: the US-linked sector criterion matches nothing.",
    ),
    "screen.us_used": ("{day} 리포트의 섹터: {sectors}", "Sectors of the {day} report: {sectors}"),
    "screen.invalid": ("조건을 확인하세요: {err}", "Check the criteria: {err}"),
    "screen.failed": ("검색할 수 없습니다: {err}", "The screen failed: {err}"),
    "screen.col_close": ("종가", "Close"),
    "screen.col_rank": ("거래대금 순위", "Value rank"),
    "screen.col_rsi": ("RSI", "RSI"),
    "screen.col_macd": ("MACD 교차일", "MACD cross"),
    "screen.col_ma": ("이평 교차일", "MA cross"),
}
