"""/sectors: the US ETF → Korean sector mapping and its admin form.

Namespaces: ``sectors.*``.
"""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "sectors.title": ("미국 ETF → 한국 섹터 매핑", "US ETF → Korean sector mapping"),
    "sectors.intro": (
        "전일 미국 섹터 ETF의 등락이 오늘 한국 섹터에 어떻게 연결되는지 정의합니다 (PRD §11.1, SOXX/SMH → 반도체).",
        "How yesterday's US sector ETF moves link to today's Korean sectors (PRD §11.1, SOXX/SMH → semis).",
    ),
    "sectors.edit": ("매핑 편집 (관리자)", "Edit the mapping (admin)"),
    "sectors.readonly": ("관리자만 매핑을 바꿀 수 있습니다.", "Only admins can change the mapping."),
    "sectors.save": ("저장 (추가·수정)", "Save (add or change)"),
    "sectors.remove": ("삭제", "Remove"),
    "sectors.saved": (
        "저장했습니다: {etf} → {sector}, 가중치 {w:g}, {state}",
        "Saved: {etf} → {sector}, weight {w:g}, {state}",
    ),
    "sectors.removed": ("삭제했습니다: {etf} → {sector}", "Removed: {etf} → {sector}"),
    "sectors.on": ("사용", "enabled"),
    "sectors.off": ("사용 안 함", "disabled"),
    "sectors.denied": ("권한이 없습니다.", "Not allowed."),
    "sectors.need": ("ETF와 섹터를 고르세요.", "Choose an ETF and a sector."),
}
