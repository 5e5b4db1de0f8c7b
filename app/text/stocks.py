"""/stocks: the stock master.

Namespaces: ``stocks.*``.
"""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "stocks.title": ("종목 마스터", "Stock master"),
    "stocks.intro": (
        "KOSPI·KOSDAQ 상장 {n:,}개 종목(스팩·코넥스 제외). 섹터는 WICS 분류를 미국 섹터 ETF에 연결한 것입니다.",
        "{n:,} KOSPI/KOSDAQ listings (SPACs and KONEX excluded). Sectors link the WICS classification to US sector ETFs.",
    ),
    "stocks.market": ("시장", "Market"),
    "stocks.sector": ("섹터", "Sector"),
    "stocks.all": ("전체", "All"),
}
