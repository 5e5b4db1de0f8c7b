"""/account: balance cards, positions and the order history.

Namespaces: ``account.*``.
"""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "account.title": ("계좌", "Account"),
    "account.cash": ("예수금", "Cash"),
    "account.orderable": ("주문가능금액", "Orderable"),
    "account.stock_value": ("주식 평가금액", "Stock value"),
    "account.total": ("총 평가자산", "Total value"),
    "account.pnl_today": ("오늘 손익", "P&L today"),
    "account.pnl_total": ("총 평가손익", "Total P&L"),
    "account.pnl_today_tip": (
        "오늘 손익: 보유 종목의 전일 종가 대비 변동 + 오늘 매매분의 체결가 대비 변동 − 오늘 수수료·세금.",
        "P&L today: holdings marked from yesterday's close, today's trades from their fill price, minus "
        "today's commission and tax.",
    ),
    "account.positions": ("보유 종목", "Positions"),
    "account.history": ("주문 내역", "Order history"),
    "account.date": ("날짜", "Date"),
    "account.session_day": ("오늘 장", "Current session"),
    "account.code": ("종목코드", "Code"),
    "account.side": ("구분", "Side"),
    "account.status": ("상태", "Status"),
    "account.any": ("전체", "All"),
    "account.orders_count": ("{n}건", "{n} orders"),
    "account.unavailable": ("계좌 정보를 불러올 수 없습니다: {err}", "Account data unavailable: {err}"),
}
