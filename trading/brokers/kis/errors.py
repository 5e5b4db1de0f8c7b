"""KIS message codes → typed broker errors; the broker's own message is always kept."""

from __future__ import annotations

from trading.brokers.common.reasons import order_refusal
from trading.brokers.errors import (
    AuthError,
    BrokerError,
    BrokerUnavailable,
    RateLimited,
)

RATE_LIMIT_CODES = frozenset({"EGW00201"})
TOKEN_CODES = frozenset({"EGW00123", "EGW00121"})  # expired / invalid (EGW00121 UNCONFIRMED)
TOKEN_ISSUE_LIMIT = "EGW00133"
WRONG_ENV_CODES = frozenset({"EGW02004"})
# Answers that refuse a request before processing it: an order with one of these was not placed.
REFUSAL_CODES = RATE_LIMIT_CODES | TOKEN_CODES | WRONG_ENV_CODES | {TOKEN_ISSUE_LIMIT}


def env_label(env: str) -> str:
    return "real (실전투자)" if env == "real" else "mock (모의투자)"


def broker_text(code: str, message: str) -> str:
    return f"[{code}] {message}".strip() if code else message


def wrong_environment(env: str, code: str, message: str) -> AuthError:
    return AuthError(
        f"KIS rejected the app key for the {env_label(env)} environment: the key belongs to the other "
        "environment or is wrong; check KIS_APP_KEY/KIS_APP_SECRET and BROKER_ENV",
        f"KIS {env_label(env)} 환경에서 앱키가 거부되었습니다. 실전/모의 앱키와 BROKER_ENV를 확인하세요",
        broker_message=broker_text(code, message),
    )


def error_for(code: str, message: str, env: str, *, order: bool, http_status: int = 200) -> BrokerError:
    """The typed error for a failed KIS answer (``rt_cd != "0"`` or an HTTP error)."""
    text = broker_text(code, message)
    if code in RATE_LIMIT_CODES or http_status == 429:
        return RateLimited("KIS rate limit exceeded", retry_after=1.0, broker_message=text)
    if code == TOKEN_ISSUE_LIMIT:
        return RateLimited("KIS allows one access token per minute", retry_after=60.0, broker_message=text)
    if code in WRONG_ENV_CODES:
        return wrong_environment(env, code, message)
    if code in TOKEN_CODES or http_status in (401, 403):
        return AuthError(f"KIS authentication failed ({env_label(env)})", broker_message=text)
    if order:
        return order_refusal(message, code, text)
    return BrokerUnavailable(f"KIS request failed: {text or f'HTTP {http_status}'}", broker_message=text)
