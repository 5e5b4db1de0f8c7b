"""AG Grid options shared by every table: the grid's own words in the UI language."""

from __future__ import annotations

from typing import Any

from app.i18n import current_lang

_KO = {
    "noRowsToShow": "표시할 항목이 없습니다",
    "loadingOoo": "불러오는 중...",
    "page": "페이지",
    "of": "/",
    "to": "~",
    "more": "더 보기",
    "firstPage": "첫 페이지",
    "lastPage": "마지막 페이지",
    "nextPage": "다음 페이지",
    "previousPage": "이전 페이지",
    "pageSizeSelectorLabel": "페이지 크기:",
    "filterOoo": "필터...",
    "contains": "포함",
    "equals": "같음",
}


def grid_options(**options: Any) -> dict[str, Any]:
    """``dashGridOptions`` with Korean grid texts when the UI is Korean (AG Grid's own are English)."""
    if current_lang() == "ko":
        options.setdefault("localeText", _KO)
    return options
