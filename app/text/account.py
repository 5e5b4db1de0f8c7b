"""/account: balance cards, positions and the order history.

Namespaces: ``account.*``, ``risk.*`` (the account's risk state and the kill switch in the navbar).
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
    "risk.kill": ("긴급 정지", "Kill switch"),
    "risk.kill_tip": (
        "이 계좌의 모든 미체결 주문을 취소하고 거래를 정지합니다(취소만 가능). '거래 재개'를 눌러야만 풀립니다.",
        "Cancels every open order of this account and halts it (cancels only) until you resume.",
    ),
    "risk.kill_confirm": (
        "긴급 정지: 모든 미체결 주문을 취소하고 이 계좌의 거래를 정지합니다. 계속할까요?",
        "Kill switch: cancel every open order and halt this account. Continue?",
    ),
    "risk.resume": ("거래 재개", "Resume"),
    "risk.resume_confirm": (
        "이 계좌의 거래를 재개합니다. 정지한 이유가 해결되었나요?",
        "Resume trading on this account. Is the reason it was halted resolved?",
    ),
    "risk.halted": ("거래 정지", "HALTED"),
    "risk.reducing": ("축소 전용", "REDUCING"),
    "risk.halted_tip": (
        "새 주문·정정 불가, 취소만 가능 — {reason}",
        "No new orders or modifies, cancels only — {reason}",
    ),
    "risk.reducing_tip": (
        "보유 수량 이내의 매도와 취소만 가능 — {reason}",
        "Only sells within the shares held, and cancels — {reason}",
    ),
    "risk.killed": (
        "긴급 정지됨: 미체결 {n}건 취소{failed}",
        "Killed: {n} open order(s) cancelled{failed}",
    ),
    "risk.failed": (", {n}건 취소 실패 — 주문 목록을 확인하세요", ", {n} not cancelled — check the orders"),
    "risk.resumed": ("거래 재개됨", "Trading resumed"),
}
