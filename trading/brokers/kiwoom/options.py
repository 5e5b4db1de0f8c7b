"""Everything the Kiwoom adapter can be told; UNCONFIRMED broker values are options here.

``KiwoomOptions.from_settings`` reads credentials and URLs from ``Settings`` plus any optional
``KIWOOM_<FIELD>`` key a deployment adds (e.g. ``KIWOOM_RATE_PER_API``, ``KIWOOM_GLOBAL_RATE_PER_S``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trading.brokers.common.options import overrides_from, secret


@dataclass(slots=True)
class KiwoomOptions:
    env: str = "mock"
    live_trading: bool = False  # LIVE_TRADING: a real account refuses every order without it
    app_key: str = field(default="", repr=False)
    secret_key: str = field(default="", repr=False)
    account: str = field(default="", repr=False)  # informational: Kiwoom ties the account to the app key
    rest_url: str = ""
    ws_url: str = ""
    exchange: str = "KRX"  # dmst_stex_tp on orders (mock: KRX only)
    rank_exchange: str = "1"  # ka10032 stex_tp: 1 KRX, 2 NXT, 3 통합
    rate_per_api_s: int = 2  # per api-id, per second (notes: ~1-5/s, UNCONFIRMED)
    rate_per_api: dict[str, int] = field(default_factory=dict)  # api-id → per-second override
    global_rate_per_s: int = 4  # every api-id together, under the 5/s terms
    rate_period_s: float = 1.05
    rate_limit_retries: int = 5
    rate_limit_backoff_s: float = 0.5
    timeout_s: float = 10.0
    read_retries: int = 2
    token_refresh_margin_s: float = 600.0
    token_min_interval_s: float = 1.0  # no documented issue limit; never hammer the endpoint
    max_ws_items: int = 200  # field report: 200 items per connection
    reg_batch: int = 50  # items per REG frame
    reg_interval_s: float = 0.2  # REG rate ~5/s
    ws_stale_after_s: float = 60.0
    ws_reconnect_delay_s: float = 0.5
    value_unit: int = 1_000_000  # 거래대금 fields arrive in 백만원 (inferred, UNCONFIRMED)
    max_pages: int = 20
    reconcile_attempts: int = 3
    reconcile_delay_s: float = 0.5
    reconcile_window_s: float = 60.0

    @classmethod
    def from_settings(cls, settings: Any, **extra: Any) -> KiwoomOptions:
        rest, ws = settings.broker_urls("kiwoom")
        values: dict[str, Any] = {
            "env": settings.broker_env,
            "live_trading": bool(getattr(settings, "live_trading", False)),
            "app_key": secret(settings.kiwoom_app_key),
            "secret_key": secret(settings.kiwoom_secret_key),
            "account": settings.kiwoom_account or "",
            "rest_url": rest,
            "ws_url": ws,
        }
        values.update(overrides_from(settings, cls, "kiwoom", skip=set(values)))
        values.update(extra)
        return cls(**values)

    @property
    def is_real(self) -> bool:
        return self.env == "real"

    def api_rate(self, api_id: str) -> int:
        return self.rate_per_api.get(api_id, self.rate_per_api_s)
