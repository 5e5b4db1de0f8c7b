"""Message texts of events for channels that carry text (Telegram; the webhook's ``text`` field): one
event, or a digest of several. Korean first, the product's language; the JSON payload carries the data."""

from __future__ import annotations

from collections import Counter
from typing import Any

from trading.alerts.events import EventType
from trading.krx.fmt import qty, won

TITLES: dict[str, str] = {
    EventType.ORDER_ACCEPTED: "주문 접수",
    EventType.ORDER_REJECTED: "주문 거부",
    EventType.ORDER_FILLED: "체결",
    EventType.STOP_FIRED: "손절/익절 발동",
    EventType.BOT_SIGNAL: "봇 신호",
    EventType.RISK_STATE: "리스크 상태 변경",
    EventType.KILL_SWITCH: "킬 스위치",
    EventType.REPORT_READY: "모닝 리포트",
    EventType.PRICE_ALERT: "가격 알림",
    EventType.FEED_HEALTH: "시세 피드",
    EventType.RECORDER_HEALTH: "틱 레코더",
    EventType.SYSTEM_HEALTH: "시스템",
}
SIDES = {"buy": "매수", "sell": "매도"}


def title(kind: str) -> str:
    return TITLES.get(kind, kind)


def text(kind: str, payload: dict[str, Any], lang: str = "ko") -> str:
    """One line describing one event (Korean; ``lang="en"`` for the English UI)."""
    p = payload
    en = lang == "en"
    side = str(p.get("side") or "") if en else SIDES.get(str(p.get("side")), "")
    n = int(p.get("qty") or 0)
    shares = f"{n:,} sh" if en else qty(n)
    if kind == EventType.ORDER_FILLED:
        price = f"{int(p['price']):,}" if en else won(int(p["price"]))
        return f"[{'Filled' if en else '체결'}] {p.get('code')} {side} {shares} @ {price}"
    if kind == EventType.ORDER_ACCEPTED:
        price = (
            (f"{int(p['price']):,}" if en else won(int(p["price"])))
            if p.get("price")
            else ("market" if en else "시장가")
        )
        return f"[{'Accepted' if en else '주문 접수'}] {p.get('code')} {side} {shares} {price}"
    if kind == EventType.ORDER_REJECTED:
        why = p.get("reject_message") or p.get("reject_code") or ""
        return f"[{'Rejected' if en else '주문 거부'}] {p.get('code')} {side} {shares} — {why}".rstrip(" —")
    if kind == EventType.PRICE_ALERT:
        now = f"last {int(p.get('price') or 0):,}" if en else f"현재가 {won(int(p.get('price') or 0))}"
        return f"[{'Price alert' if en else '가격 알림'}] {p.get('code')} {p.get('text', '')} ({now})"
    detail = (p.get("text_en") if en else None) or p.get("text") or p.get("reason") or p.get("state") or ""
    return f"[{title(kind)}] {detail}".rstrip()


def digest(items: list[tuple[str, dict[str, Any]]], limit: int = 10) -> str:
    """Several events in one message: a count per type, then the first ``limit`` lines."""
    counts = Counter(kind for kind, _ in items)
    head = ", ".join(f"{title(k)} {n}건" for k, n in counts.most_common())
    lines = [text(k, p) for k, p in items[:limit]]
    more = len(items) - limit
    tail = [f"… 외 {more}건" if more > 0 else ""]
    return "\n".join([f"알림 {len(items)}건: {head}", *lines, *tail]).rstrip()
