"""Typed broker errors. Every error carries a Korean message (UI) and an English one (logs/CLI)."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why an order was rejected. Messages are in ``REASON_TEXT``."""

    UNKNOWN_CODE = "UNKNOWN_CODE"
    BAD_QTY = "BAD_QTY"
    BAD_PRICE = "BAD_PRICE"
    OFF_TICK = "OFF_TICK"
    OUT_OF_LIMITS = "OUT_OF_LIMITS"
    INSUFFICIENT_CASH = "INSUFFICIENT_CASH"
    INSUFFICIENT_SHARES = "INSUFFICIENT_SHARES"
    MARKET_CLOSED = "MARKET_CLOSED"
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    NOT_ACTIVE = "NOT_ACTIVE"
    NO_CHANGE = "NO_CHANGE"
    NO_LIQUIDITY = "NO_LIQUIDITY"
    LIVE_DISABLED = "LIVE_DISABLED"
    BROKER = "BROKER"  # the broker's own rejection; its message is kept
    # The order gateway's own checks (trading/orders): pre-trade limits, confirmation, rights, ownership.
    BAD_SIDE = "BAD_SIDE"
    BAD_ORDER_TYPE = "BAD_ORDER_TYPE"
    MAX_QTY = "MAX_QTY"
    MAX_AMOUNT = "MAX_AMOUNT"
    ORDER_RATE = "ORDER_RATE"
    CONFIRM_REQUIRED = "CONFIRM_REQUIRED"
    FORBIDDEN = "FORBIDDEN"
    NO_ACCOUNT = "NO_ACCOUNT"
    NO_QUOTE = "NO_QUOTE"
    NOT_OWNER = "NOT_OWNER"
    BAD_CLIENT_ID = "BAD_CLIENT_ID"
    LOST = "LOST"
    # The risk manager's account states (trading/orders/risk.py).
    HALTED = "HALTED"
    REDUCING_ONLY = "REDUCING_ONLY"
    BAD_RISK_STATE = "BAD_RISK_STATE"
    DAILY_LOSS = "DAILY_LOSS"
    DAILY_ORDERS = "DAILY_ORDERS"
    CASH_RESERVE = "CASH_RESERVE"
    EXPOSURE_STOCK = "EXPOSURE_STOCK"
    EXPOSURE_TOTAL = "EXPOSURE_TOTAL"
    # A bot's own limits (trading/bots/limits.py), checked by the runner before the gateway.
    BOT_MAX_POSITIONS = "BOT_MAX_POSITIONS"
    BOT_COOLDOWN = "BOT_COOLDOWN"
    BOT_LOSS_STREAK = "BOT_LOSS_STREAK"


REASON_TEXT: dict[Reason, tuple[str, str]] = {
    Reason.UNKNOWN_CODE: ("존재하지 않는 종목코드입니다", "unknown stock code"),
    Reason.BAD_QTY: (
        "주문수량은 1주 이상의 정수여야 합니다",
        "quantity must be a whole number of shares >= 1",
    ),
    Reason.BAD_PRICE: ("지정가 주문에는 0보다 큰 가격이 필요합니다", "a limit order needs a price > 0"),
    Reason.OFF_TICK: ("호가단위에 맞지 않는 가격입니다", "price is not on the KRX tick grid"),
    Reason.OUT_OF_LIMITS: (
        "가격제한폭(상한가/하한가)을 벗어난 가격입니다",
        "price is outside the daily limits",
    ),
    Reason.INSUFFICIENT_CASH: (
        "주문가능금액이 부족합니다(수수료 포함)",
        "insufficient orderable cash (incl. commission)",
    ),
    Reason.INSUFFICIENT_SHARES: ("매도가능수량이 부족합니다", "insufficient shares to sell"),
    Reason.MARKET_CLOSED: ("장 운영시간이 아닙니다", "the market is closed"),
    Reason.ORDER_NOT_FOUND: ("주문을 찾을 수 없습니다", "order not found"),
    Reason.NOT_ACTIVE: ("이미 체결되었거나 취소된 주문입니다", "order is already filled or cancelled"),
    Reason.NO_CHANGE: ("정정할 내용이 없습니다", "modify changes nothing"),
    Reason.NO_LIQUIDITY: ("체결 가능한 호가가 없습니다", "no liquidity to fill a market order"),
    Reason.LIVE_DISABLED: (
        "실거래가 꺼져 있습니다(LIVE_TRADING=false)",
        "live trading is disabled (LIVE_TRADING=false)",
    ),
    Reason.BROKER: ("증권사가 주문을 거부했습니다", "the broker rejected the order"),
    Reason.BAD_SIDE: ("매수/매도 구분이 올바르지 않습니다", "side must be buy or sell"),
    Reason.BAD_ORDER_TYPE: ("주문유형은 지정가 또는 시장가여야 합니다", "order type must be limit or market"),
    Reason.MAX_QTY: ("1회 주문수량 한도를 넘었습니다", "quantity is above the account's per-order limit"),
    Reason.MAX_AMOUNT: ("1회 주문금액 한도를 넘었습니다", "amount is above the account's per-order limit"),
    Reason.ORDER_RATE: ("분당 주문 횟수 한도를 넘었습니다", "too many orders in the last minute"),
    Reason.CONFIRM_REQUIRED: (
        "확인이 필요한 주문입니다. 주문 내용을 확인한 뒤 다시 주문하세요",
        "this order needs an explicit confirmation",
    ),
    Reason.FORBIDDEN: ("주문 권한이 없습니다(조회 전용 사용자)", "this user may not place orders"),
    Reason.NO_ACCOUNT: ("주문할 계좌가 연결되어 있지 않습니다", "no trading account is bound to this user"),
    Reason.NO_QUOTE: (
        "시세를 확인할 수 없어 가격제한폭을 검증하지 못했습니다",
        "no quote to check the price limits against",
    ),
    Reason.BAD_CLIENT_ID: (
        "주문 식별자(client id)는 1~64자의 영문, 숫자, '.', '_', ':', '-' 여야 합니다",
        "client order id must be 1-64 characters of letters, digits, '.', '_', ':', '-'",
    ),
    Reason.HALTED: (
        "이 계좌는 거래 정지(HALTED) 상태입니다. 취소만 할 수 있습니다 — 재개하려면 '거래 재개'를 누르세요",
        "the account is HALTED: only cancels are allowed until it is resumed",
    ),
    Reason.REDUCING_ONLY: (
        "이 계좌는 축소 전용(REDUCING) 상태입니다. 보유 수량 이내의 매도와 취소만 할 수 있습니다",
        "the account is REDUCING: only sells within the shares held, and cancels, are allowed",
    ),
    Reason.BAD_RISK_STATE: (
        "계좌 상태는 active(정상), reducing(축소 전용), halted(거래 정지) 중 하나여야 합니다",
        "the account state must be one of active, reducing, halted",
    ),
    Reason.DAILY_LOSS: (
        "오늘 손실이 일일 손실 한도에 닿아 오늘은 거래가 정지됩니다(보유 수량 이내의 매도와 취소만 가능)",
        "today's loss reached the daily loss limit: the account is halted for the day (sells within the "
        "shares held, and cancels, only)",
    ),
    Reason.DAILY_ORDERS: (
        "오늘 주문 횟수 한도를 넘었습니다",
        "the account's orders-per-day limit is reached",
    ),
    Reason.CASH_RESERVE: (
        "이 매수는 계좌의 현금 보유 한도(예비 현금)를 침범합니다",
        "this buy would dip into the account's cash reserve",
    ),
    Reason.EXPOSURE_STOCK: (
        "이 매수 후 한 종목 비중이 계좌의 종목별 한도를 넘습니다",
        "after this buy the stock would exceed the account's per-stock exposure limit",
    ),
    Reason.EXPOSURE_TOTAL: (
        "이 매수 후 주식 비중이 계좌의 전체 노출 한도를 넘습니다",
        "after this buy the stocks held would exceed the account's total exposure limit",
    ),
    Reason.BOT_MAX_POSITIONS: (
        "이 봇의 최대 보유 종목 수에 닿아 새로 매수하지 않습니다",
        "the bot holds its maximum number of positions: no new entry",
    ),
    Reason.BOT_COOLDOWN: (
        "손절 직후 대기 시간이라 이 종목을 다시 매수하지 않습니다",
        "the bot is cooling down after a stop-loss on this stock: no new entry yet",
    ),
    Reason.BOT_LOSS_STREAK: (
        "연속 손실 한도에 닿아 봇이 멈췄습니다",
        "the bot reached its maximum number of consecutive losses and stopped",
    ),
    Reason.LOST: (
        "증권사에서 이 주문을 찾지 못했습니다(전송되지 않음). 새 주문으로 다시 하세요",
        "the broker has no such order (it never arrived); place it again as a new order",
    ),
    Reason.NOT_OWNER: (
        "이 프로세스는 계좌의 주문 소유권이 없습니다(다른 프로세스가 계좌를 맡고 있습니다)",
        "this process does not own the account (another owner holds the lease)",
    ),
}


class BrokerError(Exception):
    """Base class: ``message_ko`` for the UI, ``message_en`` for logs and the CLI."""

    def __init__(self, message_en: str, message_ko: str | None = None, broker_message: str | None = None):
        self.message_en = message_en
        self.message_ko = message_ko or message_en
        self.broker_message = broker_message
        detail = f" ({broker_message})" if broker_message else ""
        super().__init__(message_en + detail)


class OrderRejected(BrokerError):
    """The order (or modify/cancel) was refused; nothing changed."""

    def __init__(self, reason: Reason, detail: str = "", broker_message: str | None = None):
        self.reason = reason
        self.detail = detail
        ko, en = REASON_TEXT[reason]
        suffix = f": {detail}" if detail else ""
        super().__init__(en + suffix, ko + suffix, broker_message)


class MarketClosed(OrderRejected):
    """The market is not in a session that accepts this order."""

    def __init__(self, detail: str = ""):
        super().__init__(Reason.MARKET_CLOSED, detail)


class BrokerUnavailable(BrokerError):
    """The broker cannot be reached (network, maintenance, 5xx)."""


class OrderPending(BrokerError):
    """The order's outcome is not known yet (결과 확인 중): the answer was lost, the caller's wait ran out,
    or another process is sending the same client order id. It is reconciled with the broker, never
    re-sent; asking again with the same ``client_order_id`` returns the order once it is known."""

    def __init__(self, client_order_id: str, detail: str = ""):
        self.client_order_id = client_order_id
        suffix = f": {detail}" if detail else ""
        super().__init__(
            f"order {client_order_id}: outcome not known yet; it is being reconciled with the broker "
            f"(do not re-send; the same client id returns it){suffix}",
            "주문 결과 확인 중입니다. 재주문하지 마세요(같은 주문으로 다시 조회하면 결과를 알려드립니다)",
        )


class RateLimited(BrokerError):
    """The broker said too many requests; ``retry_after`` seconds is a hint."""

    def __init__(self, message_en: str, retry_after: float = 1.0, broker_message: str | None = None):
        self.retry_after = retry_after
        super().__init__(message_en, "요청 한도를 초과했습니다. 잠시 후 다시 시도하세요", broker_message)


class AuthError(BrokerError):
    """Bad, expired or wrong-environment credentials."""
