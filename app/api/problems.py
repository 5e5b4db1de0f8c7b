"""Errors of the REST API as problem details (RFC 9457, ``application/problem+json``).

Every refusal has a typed ``reason`` (the gateway's ``Reason`` values for orders, else one of the API's
own below), an English ``title``/``detail`` and the Korean ``detail_ko``. ``type`` points at the reason's
entry on the docs page.
"""

from __future__ import annotations

from typing import Any

from flask import Response, json

from trading.brokers.errors import (
    AuthError,
    BrokerError,
    BrokerUnavailable,
    OrderRejected,
    RateLimited,
    Reason,
)

PROBLEM_JSON = "application/problem+json"

# The API's own reasons (besides the gateway's ``Reason``).
API_REASONS: dict[str, tuple[int, str, str]] = {
    "UNAUTHENTICATED": (401, "a valid bearer token is required", "유효한 API 토큰이 필요합니다"),
    "INSUFFICIENT_SCOPE": (
        403,
        "the token lacks the scope this call needs",
        "토큰에 이 요청의 권한이 없습니다",
    ),
    "NOT_FOUND": (404, "no such resource", "찾을 수 없습니다"),
    "METHOD_NOT_ALLOWED": (405, "method not allowed here", "허용되지 않는 요청 방식입니다"),
    "BAD_JSON": (400, "the body is not a JSON object", "요청 본문이 JSON 객체가 아닙니다"),
    "INVALID_REQUEST": (422, "the request does not match the schema", "요청 형식이 올바르지 않습니다"),
    "IDEMPOTENCY_MISMATCH": (
        422,
        "the Idempotency-Key was used for a different request",
        "같은 Idempotency-Key가 다른 요청에 이미 쓰였습니다",
    ),
    "RATE_LIMITED": (
        429,
        "too many requests for this token",
        "요청이 너무 많습니다. 잠시 후 다시 시도하세요",
    ),
    "UNAVAILABLE": (503, "the service is unavailable", "서비스를 사용할 수 없습니다"),
    "BROKER_AUTH": (502, "the broker refused the credentials", "증권사 인증에 실패했습니다"),
    "BACKTEST_INVALID": (422, "the backtest request is invalid", "백테스트 요청이 올바르지 않습니다"),
    "BOT_ACTION": (409, "the bot refused the action", "봇이 요청을 거부했습니다"),
    "INTERNAL": (500, "internal error", "내부 오류"),
}

# HTTP status per gateway reason (anything else is 422: the order as sent cannot run).
REASON_STATUS: dict[Reason, int] = {
    Reason.FORBIDDEN: 403,
    Reason.NO_ACCOUNT: 403,
    Reason.LIVE_DISABLED: 403,
    Reason.ORDER_NOT_FOUND: 404,
    Reason.CONFIRM_REQUIRED: 428,
    Reason.ORDER_RATE: 429,
    Reason.MARKET_CLOSED: 409,
    Reason.NOT_ACTIVE: 409,
    Reason.HALTED: 409,
    Reason.REDUCING_ONLY: 409,
    Reason.DAILY_LOSS: 409,
    Reason.DAILY_ORDERS: 409,
    Reason.NOT_OWNER: 503,
}


class ApiProblem(Exception):
    """Raised anywhere in a handler: answered as a problem document."""

    def __init__(self, reason: str, detail: str = "", detail_ko: str = "", **extra: Any):
        status, title, ko = API_REASONS[reason]
        super().__init__(detail or title)
        self.status = status
        self.reason = reason
        self.title = title
        self.detail = detail or title
        self.detail_ko = detail_ko or ko
        self.extra = extra
        self.headers: dict[str, str] = {}


def problem_type(reason: str) -> str:
    return f"/api/v1/docs#problem-{reason.lower()}"


def problem_response(problem: ApiProblem) -> Response:
    body = {
        "type": problem_type(problem.reason),
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "detail_ko": problem.detail_ko,
        "reason": problem.reason,
        **problem.extra,
    }
    resp = Response(json.dumps(body, ensure_ascii=False), status=problem.status, mimetype=PROBLEM_JSON)
    resp.headers.update(problem.headers)
    return resp


def from_broker_error(err: BrokerError) -> ApiProblem:
    """The gateway's or the broker's typed error as a problem (its reason kept)."""
    if isinstance(err, OrderRejected):
        problem = ApiProblem("INVALID_REQUEST", err.message_en, err.message_ko)
        problem.status = REASON_STATUS.get(err.reason, 422)
        problem.reason = err.reason.value
        problem.title = err.message_en.split(":")[0]
        return problem
    if isinstance(err, RateLimited):
        problem = ApiProblem("UNAVAILABLE", err.message_en, err.message_ko)
        problem.headers["Retry-After"] = str(max(1, round(err.retry_after)))
        return problem
    if isinstance(err, AuthError):
        return ApiProblem("BROKER_AUTH", err.message_en, err.message_ko)
    if isinstance(err, BrokerUnavailable):
        return ApiProblem("UNAVAILABLE", err.message_en, err.message_ko)
    return ApiProblem("UNAVAILABLE", err.message_en, err.message_ko)


def all_reasons() -> list[tuple[str, int, str, str]]:
    """(reason, status, English, Korean) for every reason the API can answer (the docs page lists them)."""
    from trading.brokers.errors import REASON_TEXT

    out = [(r, s, en, ko) for r, (s, en, ko) in API_REASONS.items()]
    out += [(r.value, REASON_STATUS.get(r, 422), en, ko) for r, (ko, en) in REASON_TEXT.items()]
    return out
