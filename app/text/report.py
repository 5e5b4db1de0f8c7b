"""/report: the morning sector report.

Namespaces: ``report.*``.
"""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "report.title": ("오늘의 섹터 분석", "Today's sector report"),
    "report.help": (
        "매일 아침 8시, 전날 밤 미국 섹터 ETF의 등락을 보고 오늘 한국에서 강세·약세가 예상되는 섹터와 "
        "거래대금 상위 종목을 정리합니다. 과거 통계에 기반한 참고 자료일 뿐 투자 권유가 아니며, "
        "투자 판단과 책임은 본인에게 있습니다.",
        "Every morning at 08:00 this report looks at last night's US sector ETF moves and lists the Korean "
        "sectors expected to rise or fall today, with their most traded stocks. It is reference material "
        "based on past statistics, not investment advice; decisions and their risk are yours.",
    ),
    "report.date": ("리포트 날짜", "Report date"),
    "report.none": (
        "저장된 리포트가 없습니다. 매일 08:00에 자동 생성되며 `gslts report`로 바로 만들 수 있습니다.",
        "No report stored yet. One is made every day at 08:00; `gslts report` makes one now.",
    ),
    "report.missing": ("{day} 리포트가 없습니다.", "No report for {day}."),
    "report.data": (
        "기준 미국 세션 {us} · 데이터 {src} · 직전 KRX 세션 {prev}",
        "US session {us} · data {src} · previous KRX session {prev}",
    ),
    "report.simulated": ("시뮬레이션 데이터", "Simulated data"),
    "report.data_kinds": ("사용 데이터: 한국 {kr} · 미국 {us}", "Data used: Korea {kr} · US {us}"),
    "report.kind_simulated": ("시뮬레이션", "simulated"),
    "report.kind_real": ("실제 시세", "real"),
    "report.kind_mixed": ("실제+시뮬레이션 혼합", "real and simulated mixed"),
    "report.kind_none": ("없음", "none"),
    "report.us_missing": ("미국 데이터 없음: {symbols}", "US data missing: {symbols}"),
    "report.us": ("🇺🇸 미국 전일 섹터", "🇺🇸 US sectors, previous session"),
    "report.indexes": ("지수", "Indexes"),
    "report.kr": ("🇰🇷 한국 섹터 (예상)", "🇰🇷 Korean sectors (expected)"),
    "report.kr_none": ("방향이 예상되는 섹터가 없습니다.", "No sector has an expected direction."),
    "report.picks": ("💎 추천 종목 (거래대금 상위 기준)", "💎 Picks (by trading value)"),
    "report.picks_none": ("추천 종목이 없습니다.", "No picks."),
    "report.value_rank": ("거래대금 {rank}위", "Trading value #{rank}"),
    "report.track": ("추천 성과 (과거 데이터 검증)", "Track record (measured on stored history)"),
    "report.track_how": (
        "읽는 법: 적중률 55%는 신호 100번 중 55번 방향이 맞았다는 뜻으로, 동전 던지기(50%)보다 조금 나은 정도입니다. 표본(세션·"
        "신호 수)이 적을수록 우연일 가능성이 크니, 괄호 안의 범위(신뢰구간)가 50%를 넘는지 함께 보세요.",
        "How to read it: a hit rate of 55% means the direction was right in 55 of 100 calls — a little better than a "
        "coin toss (50%). The fewer sessions and calls, the likelier it is luck: check that the range in brackets "
        "(the confidence interval) stays above 50%.",
    ),
    "report.track_none": (
        "아직 계산된 성과가 없습니다 (매일 밤 다시 계산).",
        "No track record computed yet (recomputed nightly).",
    ),
    "report.track_period": ("{start} ~ {end}, {n}개 세션", "{start} to {end}, {n} sessions"),
    "report.col_map": ("매핑", "Mapping"),
    "report.col_n": ("표본", "n"),
    "report.col_r": ("상관계수 r", "Pearson r"),
    "report.col_hit": ("방향 적중률 (95% 구간)", "Hit rate (95% CI)"),
    "report.col_calls": ("신호 수", "Calls"),
    "report.picks_perf": (
        "추천 종목 다음 세션 평균 {pick} vs 시장 {mkt} (초과 {ex}); 시가→종가 {po} vs {mo}; {days}일 중 {beat}일 시장 상회",
        "Picks' next-session average {pick} vs market {mkt} (excess {ex}); open→close {po} vs {mo}; beat the market on {beat} of {days} days",
    ),
    "report.csv": ("CSV 내보내기", "Export CSV"),
    "report.md": ("Markdown 내보내기", "Export Markdown"),
}
