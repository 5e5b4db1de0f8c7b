"""HTTP transport to the account owner: the CLI talking to a running ``gslts run`` on 127.0.0.1.

The request envelope is the one of ``trading/brokers/rpc.py`` (deadline included); the local endpoint
``/api/v1/rpc`` authenticates with the bearer token in ``data/api_token`` (0600).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import httpx

from trading.brokers.base import Channel, Subscription
from trading.brokers.errors import AuthError, BrokerUnavailable
from trading.brokers.rpc import RpcTimeout


class HttpTransport:
    def __init__(self, base_url: str, token: str):
        self.client = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"})

    def call(self, env: dict[str, Any], timeout: float) -> dict[str, Any]:
        try:
            resp = self.client.post("/api/v1/rpc", json=env, timeout=timeout + 0.25)
        except httpx.TimeoutException:
            raise RpcTimeout(
                f"the running app did not answer {env['method']} within {timeout:.1f} s"
            ) from None
        except httpx.HTTPError as err:
            raise BrokerUnavailable(f"the running app did not answer: {err}") from None
        if resp.status_code == 401:
            raise AuthError("the running app refused the local API token (data/api_token)")
        if resp.status_code == 408:
            raise RpcTimeout(f"the running app discarded {env['method']}: past its deadline")
        if resp.status_code != 200:
            raise BrokerUnavailable(f"the running app answered HTTP {resp.status_code}")
        return resp.json()

    def subscribe(
        self, channel: Channel, codes: Sequence[str], callback: Callable[[object], None]
    ) -> Subscription:
        raise BrokerUnavailable("realtime subscriptions from another process need the full mode (REDIS_URL)")

    def close(self) -> None:
        self.client.close()
