"""A broker's order rejection, typed by its message (both adapters; codes are UNCONFIRMED, messages
are what the brokers document and users report; the broker's own text is always kept as well)."""

from __future__ import annotations

from trading.brokers.errors import MarketClosed, OrderRejected, Reason

# Session-closed wording both brokers use in their order refusals.
MARKET_CLOSED_HINTS = ("장운영시간", "장종료", "장시작전", "장마감")

REJECT_HINTS: tuple[tuple[tuple[str, ...], Reason], ...] = (
    (("주문가능금액", "증거금", "예수금"), Reason.INSUFFICIENT_CASH),
    (("주문가능수량", "매도가능수량", "잔고수량", "잔고가 부족"), Reason.INSUFFICIENT_SHARES),
    (("호가단위",), Reason.OFF_TICK),
    (("상한가", "하한가", "가격제한"), Reason.OUT_OF_LIMITS),
    (("종목정보가 없", "종목코드", "존재하지 않는 종목"), Reason.UNKNOWN_CODE),
    (("주문번호가 존재하지", "원주문번호"), Reason.ORDER_NOT_FOUND),
    (("정정/취소할 수량이 없", "정정취소 가능수량"), Reason.NOT_ACTIVE),
)


def reason_for(message: str) -> Reason:
    """The typed reason of a broker's order rejection, by its message (``BROKER`` when unrecognised)."""
    for hints, reason in REJECT_HINTS:
        if any(h in message for h in hints):
            return reason
    return Reason.BROKER


def order_refusal(message: str, code: str, text: str) -> OrderRejected:
    """A broker's refusal of an order, modify or cancel, typed (the session closed, or a reason by its
    message), keeping the broker's own text."""
    if any(hint in message for hint in MARKET_CLOSED_HINTS):
        err = MarketClosed(message)
        err.broker_message = text
        return err
    return OrderRejected(reason_for(message), message or code, broker_message=text)
