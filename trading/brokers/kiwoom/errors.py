"""Kiwoom answers → typed errors. Errors mostly arrive as HTTP 200 with ``return_code != 0``; the
4-digit code sits in brackets inside ``return_msg`` (``"인증에 실패했습니다[8005:Token이 …]"``)."""

from __future__ import annotations

import re
from enum import Enum

from trading.brokers.common.reasons import order_refusal
from trading.brokers.errors import (
    AuthError,
    BrokerError,
    BrokerUnavailable,
    OrderRejected,
    RateLimited,
    Reason,
)

_BRACKET = re.compile(r"\[(\d{4})")
RENEW_CODES = frozenset({"8003", "8005", "8006", "8009", "8103"})  # token invalid / issue failed
WRONG_ENV_CODES = frozenset({"8030", "8031"})
RATE_CODE = "1700"
BATCH_CAP_CODE = "1634"  # same text as a rate limit, but never retry it
UNKNOWN_CODE_CODES = frozenset({"1901", "1902"})


class Kind(Enum):
    OK = "ok"
    RATE = "rate"
    RENEW = "renew"
    WRONG_ENV = "wrong_env"
    AUTH = "auth"
    UNKNOWN_CODE = "unknown_code"
    ERROR = "error"


def code_of(return_code: object, return_msg: str) -> str:
    """The 4-digit error code: from ``[NNNN`` in the message, else a 4-digit return_code."""
    match = _BRACKET.search(return_msg or "")
    if match:
        return match.group(1)
    text = str(return_code if return_code is not None else "")
    return text if len(text) == 4 and text.isdigit() else ""


def classify(http_status: int, return_code: object, return_msg: str) -> tuple[Kind, str]:
    code = code_of(return_code, return_msg)
    try:
        rc = int(str(return_code))
    except ValueError:
        rc = -1 if http_status != 200 else 0
    if http_status == 200 and rc == 0:
        return Kind.OK, code
    if code == BATCH_CAP_CODE:
        return Kind.ERROR, code
    if code == RATE_CODE or http_status == 429 or (rc == 5 and not code):
        return Kind.RATE, code
    if code in WRONG_ENV_CODES:
        return Kind.WRONG_ENV, code
    if code in RENEW_CODES or http_status == 401 or (rc == 3 and not code):
        return Kind.RENEW, code
    if code.startswith("8"):
        return Kind.AUTH, code
    if code in UNKNOWN_CODE_CODES:
        return Kind.UNKNOWN_CODE, code
    return Kind.ERROR, code


def env_label(env: str) -> str:
    return "real (실전투자)" if env == "real" else "mock (모의투자)"


def error_for(kind: Kind, code: str, message: str, env: str, *, order: bool, http_status: int) -> BrokerError:
    text = message or f"HTTP {http_status}"
    if kind == Kind.RATE:
        return RateLimited("Kiwoom rate limit exceeded", retry_after=1.0, broker_message=text)
    if kind == Kind.WRONG_ENV:
        return AuthError(
            f"Kiwoom rejected the key/token for the {env_label(env)} environment: it belongs to the other "
            "environment; check KIWOOM_APP_KEY/KIWOOM_SECRET_KEY and BROKER_ENV",
            f"키움 {env_label(env)} 환경에서 앱키가 거부되었습니다. 실전/모의 앱키와 BROKER_ENV를 확인하세요",
            broker_message=text,
        )
    if kind in (Kind.RENEW, Kind.AUTH):
        return AuthError(f"Kiwoom authentication failed ({env_label(env)})", broker_message=text)
    if kind == Kind.UNKNOWN_CODE:
        return OrderRejected(Reason.UNKNOWN_CODE, message, broker_message=text)
    if order:
        return order_refusal(message, code, text)
    return BrokerUnavailable(f"Kiwoom request failed: {text}", broker_message=text)
