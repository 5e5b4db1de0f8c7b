"""KIS REST calls: headers, pacing, rate-limit backoff, one token renewal, error mapping."""

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
from trading.brokers.kis.errors import RATE_LIMIT_CODES, REFUSAL_CODES, TOKEN_CODES, error_for
from trading.brokers.kis.options import KisOptions

log = logging.getLogger(__name__)


@dataclass(slots=True)
class KisResponse:
    body: dict[str, Any]
    tr_cont: str  # response header: "M"/"F" = more pages

    @property
    def has_more(self) -> bool:
        return self.tr_cont in ("M", "F")


class KisRest:
    """Sends one TR; ``order=True`` marks a write that must never be re-sent on a lost answer."""

    def __init__(
        self,
        opts: KisOptions,
        http: HttpClient,
        tokens: TokenManager,
        limiter: RateLimiter,
        rule_name: str,
    ):
        self.opts = opts
        self.http = http
        self.tokens = tokens
        self.limiter = limiter
        self.rule = RateRule(rule_name, opts.rate_limit, opts.rate_period_s)

    def _headers(self, token: str, tr_id: str, tr_cont: str) -> dict[str, str]:
        return {
            "content-type": "application/json; charset=utf-8",
            "authorization": f"Bearer {token}",
            "appkey": self.opts.app_key,
            "appsecret": self.opts.app_secret,
            "tr_id": tr_id,
            "custtype": self.opts.custtype,
            "tr_cont": tr_cont,
        }

    def call(
        self,
        method: str,
        path: str,
        tr_id: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        order: bool = False,
        tr_cont: str = "",
    ) -> KisResponse:
        renewed = False
        rate_attempt = 0
        while True:
            if self.limiter.acquire([self.rule]) > 0.001:
                metrics.BROKER_THROTTLES.labels("kis", "local").inc()
            token = self.tokens.get()
            response = self.http.send(
                method,
                path,
                headers=self._headers(token, tr_id, tr_cont),
                params=params,
                json=body,
                idempotent=not order,
            )
            try:
                data = response.json()
            except ValueError:
                data = None
            if not isinstance(data, dict):
                data = {}
            code = str(data.get("msg_cd") or data.get("error_code") or "")
            message = str(data.get("msg1") or data.get("error_description") or "").strip()
            if code and (response.status_code != 200 or str(data.get("rt_cd", "")) != "0"):
                metrics.BROKER_ERRORS.labels("kis", code).inc()
            elif response.status_code >= 400:
                metrics.BROKER_ERRORS.labels("kis", f"HTTP{response.status_code}").inc()
            if code in RATE_LIMIT_CODES or response.status_code == 429:
                metrics.BROKER_THROTTLES.labels("kis", "broker").inc()
                if rate_attempt >= self.opts.rate_limit_retries:
                    raise RateLimited("KIS rate limit exceeded", 1.0, f"[{code}] {message}" if code else None)
                delay = backoff_delay(
                    rate_attempt, self.opts.rate_limit_backoff_s, hint_s=_retry_after(response)
                )
                log.warning("KIS %s: rate limited (%s), retrying in %.2fs", tr_id, code or 429, delay)
                rate_attempt += 1
                time.sleep(delay)
                continue  # a rate-limit answer is a refusal: nothing was processed, safe even for orders
            if code in TOKEN_CODES and not renewed:
                log.info("KIS %s: token expired or invalid (%s), renewing once", tr_id, code)
                self.tokens.invalidate(token)
                renewed = True
                continue
            if response.status_code == 200 and str(data.get("rt_cd", "")) == "0":
                return KisResponse(data, response.headers.get("tr_cont", ""))
            if order and response.status_code >= 500 and code not in REFUSAL_CODES:
                # A server error to an order may come after the broker took it: unknown, reconcile.
                raise ResponseLost(
                    f"KIS {tr_id}: HTTP {response.status_code} [{code}] {message}; outcome unknown"
                )
            if not data and response.status_code >= 500:
                raise BrokerUnavailable(f"KIS {tr_id}: HTTP {response.status_code}")
            raise error_for(code, message, self.opts.env, order=order, http_status=response.status_code)


def _retry_after(response: Any) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value else None
    except ValueError:
        return None
