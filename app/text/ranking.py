"""/ranking: the live ranking by 거래대금 and its filters.

Namespaces: ``ranking.*``.
"""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "ranking.title": ("거래대금 실시간 랭킹", "Live ranking by trading value"),
    "ranking.intro": (
        "지금 시장에서 거래대금이 가장 많은 종목입니다. 행을 누르면 주문 화면이 열립니다.",
        "The stocks with the largest trading value right now. Click a row to open its trade screen.",
    ),
    "ranking.top": ("TOP {n}", "TOP {n}"),
    "ranking.market": ("시장", "Market"),
    "ranking.all": ("전체", "All"),
    "ranking.sectors": ("섹터 선택 (여러 개)", "Sectors (multi-select)"),
    "ranking.us_up": ("미국 연동 강세 섹터만", "US-linked up sectors only"),
    "ranking.us_up_tip": (
        "{day} 아침 리포트에서 전일 미국 섹터가 올라 강세로 표시된 한국 섹터: {sectors}",
        "Korean sectors marked up in the {day} morning report (their US sectors rose overnight): {sectors}",
    ),
    "ranking.us_up_none": (
        "아직 아침 섹터 리포트가 없어 사용할 수 없습니다",
        "Not available: there is no morning sector report yet",
    ),
    "ranking.us_up_empty": ("리포트에 강세 섹터가 없습니다", "The report marks no sector up"),
    "ranking.stale": ("지연 데이터", "Stale data"),
    "ranking.stale_hint": (
        "증권사 시세 연결이 끊겨 순위가 갱신되지 않고 있습니다. 다시 연결되면 자동으로 갱신됩니다.",
        "The broker's market data is not coming in: the ranking is not updating. It resumes once reconnected.",
    ),
    "ranking.count": ("{n}개 종목 · {ms}ms마다 갱신", "{n} stocks · refreshed every {ms} ms"),
    "ranking.unavailable": ("시세를 불러올 수 없습니다: {err}", "Market data unavailable: {err}"),
}
