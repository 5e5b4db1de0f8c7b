"""Kiwoom REST calls: every TR is a POST with an ``api-id`` header; pacing per api-id under a
global cap, backoff on rate-limit answers, one token renewal, typed errors."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from trading import metrics
from trading.brokers.common.backoff import backoff_delay
from trading.brokers.common.http import HttpClient, ResponseLost
from trading.brokers.common.rate_limit import RateLimiter, RateRule
from trading.brokers.common.tokens import TokenManager
from trading.brokers.errors import BrokerUnavailable, RateLimited
from trading.brokers.kiwoom.errors import Kind, classify, error_for
from trading.brokers.kiwoom.options import KiwoomOptions

log = logging.getLogger(__name__)


@dataclass(slots=True)
class KiwoomResponse:
    body: dict[str, Any]
    cont_yn: str
    next_key: str

    @property
    def has_more(self) -> bool:
        return self.cont_yn == "Y" and bool(self.next_key)


class KiwoomRest:
    def __init__(
        self, opts: KiwoomOptions, http: HttpClient, tokens: TokenManager, limiter: RateLimiter, key: str
    ):
        self.opts = opts
        self.http = http
        self.tokens = tokens
        self.limiter = limiter
        self.key = key

    def rules(self, api_id: str) -> list[RateRule]:
        period = self.opts.rate_period_s
        return [
            RateRule(f"{self.key}:{api_id}", self.opts.api_rate(api_id), period),
            RateRule(f"{self.key}:all", self.opts.global_rate_per_s, period),
        ]

    def call(
        self, api_id: str, path: str, body: dict[str, Any], *, order: bool = False, next_key: str = ""
    ) -> KiwoomResponse:
        renewed = False
        rate_attempt = 0
        while True:
            if self.limiter.acquire(self.rules(api_id)) > 0.001:
                metrics.BROKER_THROTTLES.labels("kiwoom", "local").inc()
            token = self.tokens.get()
            headers = {
                "content-type": "application/json;charset=UTF-8",
                "api-id": api_id,
                "authorization": f"Bearer {token}",
            }
            if next_key:
                headers |= {"cont-yn": "Y", "next-key": next_key}
            response = self.http.send("POST", path, headers=headers, json=body, idempotent=not order)
            try:
                data = response.json()
            except ValueError:
                data = None
            if not isinstance(data, dict):
                if response.status_code >= 500 and order:
                    raise ResponseLost(f"Kiwoom {api_id}: HTTP {response.status_code}; outcome unknown")
                if response.status_code >= 500:
                    raise BrokerUnavailable(f"Kiwoom {api_id}: HTTP {response.status_code}")
                data = {}
            message = str(data.get("return_msg") or "").strip()
            kind, code = classify(response.status_code, data.get("return_code", 0), message)
            if (
                order
                and response.status_code >= 500
                and kind not in (Kind.RATE, Kind.RENEW, Kind.WRONG_ENV, Kind.AUTH)
            ):
                # A server error to an order may come after the broker took it: unknown, reconcile.
                raise ResponseLost(f"Kiwoom {api_id}: HTTP {response.status_code} {message}; outcome unknown")
            if kind != Kind.OK:
                metrics.BROKER_ERRORS.labels("kiwoom", code or f"HTTP{response.status_code}").inc()
            if kind == Kind.OK:
                return KiwoomResponse(
                    data, response.headers.get("cont-yn", ""), response.headers.get("next-key", "")
                )
            if kind == Kind.RATE:
                metrics.BROKER_THROTTLES.labels("kiwoom", "broker").inc()
                if rate_attempt >= self.opts.rate_limit_retries:
                    raise RateLimited("Kiwoom rate limit exceeded", 1.0, message or None)
                delay = backoff_delay(rate_attempt, self.opts.rate_limit_backoff_s)
                log.warning("Kiwoom %s: rate limited (%s), retrying in %.2fs", api_id, code or "429", delay)
                rate_attempt += 1
                time.sleep(delay)
                continue  # refused, not processed: safe to send again even for orders
            if kind == Kind.RENEW and not renewed:
                log.info("Kiwoom %s: token rejected (%s), renewing once", api_id, code)
                self.tokens.invalidate(token)
                renewed = True
                continue
            raise error_for(kind, code, message, self.opts.env, order=order, http_status=response.status_code)
