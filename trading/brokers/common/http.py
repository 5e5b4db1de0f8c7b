"""HTTP transport for the adapters: reads are retried, writes are never re-sent.

``send(..., idempotent=False)`` (orders) turns a failure *after* the request may have reached the
broker into ``ResponseLost`` so the caller reconciles instead of sending again; a failure before
anything was sent (connect error, pool timeout) is ``RequestNotSent``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx

from trading import metrics
from trading.brokers.errors import BrokerUnavailable

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({502, 503, 504})
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


class RequestNotSent(BrokerUnavailable):
    """The request never left this machine; nothing happened at the broker."""


class ResponseLost(BrokerUnavailable):
    """The request was sent but no answer came back: the outcome at the broker is unknown."""


class HttpClient:
    """A pooled ``httpx.Client`` bound to one broker base URL."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        read_retries: int = 2,
        retry_backoff_s: float = 0.25,
        label: str = "broker",
        transport: httpx.BaseTransport | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.read_retries = read_retries
        self.retry_backoff_s = retry_backoff_s
        self.label = label
        self.broker = label.split()[0].lower() if label.strip() else "broker"  # the metrics' label
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)

    def send(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        json: Any = None,
        idempotent: bool = True,
    ) -> httpx.Response:
        """One request; reads retry transport errors and 502/503/504, writes never retry."""
        attempts = 1 + (self.read_retries if idempotent else 0)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            started = time.perf_counter()
            try:
                response = self._client.request(method, path, headers=headers, params=params, json=json)
            except _NOT_SENT as err:
                metrics.broker_response(self.broker, None, time.perf_counter() - started)
                if last:
                    raise RequestNotSent(f"{self.label}: cannot reach {self.base_url}: {err!r}") from err
            except httpx.TransportError as err:
                metrics.broker_response(self.broker, None, time.perf_counter() - started)
                if not idempotent:
                    raise ResponseLost(
                        f"{self.label}: no response to {method} {path} ({type(err).__name__}); outcome unknown"
                    ) from err
                if last:
                    raise BrokerUnavailable(f"{self.label}: {method} {path} failed: {err!r}") from err
            else:
                metrics.broker_response(self.broker, response.status_code, time.perf_counter() - started)
                if response.status_code in RETRY_STATUSES and not idempotent:
                    raise ResponseLost(
                        f"{self.label}: HTTP {response.status_code} to {method} {path}; outcome unknown"
                    )
                if response.status_code in RETRY_STATUSES and not last:
                    log.warning(
                        "%s: %s %s -> HTTP %s, retrying", self.label, method, path, response.status_code
                    )
                else:
                    return response
            time.sleep(self.retry_backoff_s * (2**attempt))
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._client.close()


def json_body(response: Any) -> dict[str, Any]:
    """The response's JSON object ({} when it is not one)."""
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
