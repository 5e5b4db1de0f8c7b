"""Korean-first UI text. ``t(key)`` picks the language from the request's ``lang`` cookie."""

from __future__ import annotations

from flask import has_request_context, request

LANGS = ("ko", "en")
DEFAULT_LANG = "ko"

TEXT: dict[str, tuple[str, str]] = {
    "app.title": ("GSLTS 글로벌 섹터 연동 트레이딩", "GSLTS Global Sector Linked Trading"),
    "nav.ranking": ("랭킹", "Ranking"),
    "nav.report": ("섹터 리포트", "Sector report"),
    "nav.account": ("계좌", "Account"),
    "nav.stocks": ("종목", "Stocks"),
    "nav.backtest": ("백테스트", "Backtest"),
    "nav.sectors": ("섹터 매핑", "Sector map"),
    "nav.logout": ("로그아웃", "Log out"),
    "nav.theme": ("테마", "Theme"),
    "mode.paper": ("모의(PAPER)", "PAPER"),
    "mode.mock": ("모의투자", "Broker mock"),
    "mode.blocked": ("실전 차단", "Real: blocked"),
    "mode.live": ("실전(LIVE)", "LIVE"),
    "mode.paper_tip": (
        "가상 시장의 모의 계좌입니다. 실제 돈이 움직이지 않습니다",
        "A paper account on the simulated market: no real money moves",
    ),
    "mode.mock_tip": (
        "증권사 모의투자 서버입니다. 실제 돈이 움직이지 않습니다",
        "The broker's mock-trading server: no real money moves",
    ),
    "mode.blocked_tip": (
        "실전 계좌가 연결되어 있지만 LIVE_TRADING=false라 모든 주문이 차단됩니다",
        "A real account is connected, but LIVE_TRADING=false blocks every order",
    ),
    "mode.live_tip": (
        "실전 계좌입니다. 주문은 실제 돈으로 체결되며 매 주문마다 확인을 거칩니다",
        "A real account: orders move real money and each one asks for confirmation",
    ),
    "login.title": ("로그인", "Log in"),
    "login.username": ("아이디", "Username"),
    "login.password": ("비밀번호", "Password"),
    "login.submit": ("로그인", "Log in"),
    "login.failed": ("아이디 또는 비밀번호가 올바르지 않습니다", "Wrong username or password"),
    "login.locked": (
        "로그인 시도가 너무 많습니다. {minutes}분 후 다시 시도하세요",
        "Too many login attempts. Try again in {minutes} min",
    ),
    "stocks.title": ("종목 마스터", "Stock master"),
    "stocks.intro": (
        "KOSPI·KOSDAQ 상장 {n:,}개 종목(스팩·코넥스 제외). 섹터는 WICS 분류를 미국 섹터 ETF에 연결한 것입니다.",
        "{n:,} KOSPI/KOSDAQ listings (SPACs and KONEX excluded). Sectors link the WICS classification to US sector ETFs.",
    ),
    "stocks.market": ("시장", "Market"),
    "stocks.sector": ("섹터", "Sector"),
    "stocks.all": ("전체", "All"),
    "col.code": ("코드", "Code"),
    "col.name": ("종목명", "Name"),
    "col.name_en": ("영문명", "English name"),
    "col.market": ("시장", "Market"),
    "col.sector": ("섹터", "Sector"),
    "col.industry": ("업종(WICS)", "Industry (WICS)"),
    "col.etf": ("연동 ETF", "Linked ETF"),
    "col.listed": ("상장일", "Listed"),
    "sectors.title": ("미국 ETF → 한국 섹터 매핑", "US ETF → Korean sector mapping"),
    "sectors.intro": (
        "전일 미국 섹터 ETF의 등락이 오늘 한국 섹터에 어떻게 연결되는지 정의합니다 (PRD §11.1, SOXX/SMH → 반도체).",
        "How yesterday's US sector ETF moves link to today's Korean sectors (PRD §11.1, SOXX/SMH → semis).",
    ),
    "col.weight": ("가중치", "Weight"),
    "col.enabled": ("사용", "Enabled"),
    "col.stocks": ("종목 수", "Stocks"),
    "yes": ("예", "yes"),
    "no": ("아니오", "no"),
    "page.not_found": ("페이지를 찾을 수 없습니다", "Page not found"),
}


def current_lang() -> str:
    if has_request_context():
        lang = request.cookies.get("lang", DEFAULT_LANG)
        if lang in LANGS:
            return lang
    return DEFAULT_LANG


def pick(table: dict[str, tuple[str, str]], key: str, lang: str | None = None, **fmt: object) -> str:
    """``table[key]`` (Korean, English) in ``lang`` (default: the request's language), formatted."""
    ko, en = table[key]
    text = en if (lang or current_lang()) == "en" else ko
    return text.format(**fmt) if fmt else text


def t(key: str, lang: str | None = None, **fmt: object) -> str:
    """The shared text for ``key`` in ``lang`` (default: the request's language)."""
    return pick(TEXT, key, lang, **fmt)
