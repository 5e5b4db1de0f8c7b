"""Everything the Kiwoom adapter can be told; UNCONFIRMED broker values are options here.

``KiwoomOptions.from_settings`` reads credentials and URLs from ``Settings`` plus any optional
``KIWOOM_<FIELD>`` key a deployment adds (e.g. ``KIWOOM_RATE_PER_API``, ``KIWOOM_GLOBAL_RATE_PER_S``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from trading.brokers.common.options import AdapterOptions


@dataclass(slots=True)
class KiwoomOptions(AdapterOptions):
    BROKER: ClassVar[str] = "kiwoom"
    SECRET_SETTINGS: ClassVar[dict[str, str]] = {
        "app_key": "kiwoom_app_key",
        "secret_key": "kiwoom_secret_key",
    }

    secret_key: str = field(default="", repr=False)  # (``account`` is informational: the key names it)
    exchange: str = "KRX"  # dmst_stex_tp on orders (mock: KRX only)
    rank_exchange: str = "1"  # ka10032 stex_tp: 1 KRX, 2 NXT, 3 통합
    rate_per_api_s: int = 2  # per api-id, per second (notes: ~1-5/s, UNCONFIRMED)
    rate_per_api: dict[str, int] = field(default_factory=dict)  # api-id → per-second override
    global_rate_per_s: int = 4  # every api-id together, under the 5/s terms
    max_ws_items: int = 200  # field report: 200 items per connection
    reg_batch: int = 50  # items per REG frame
    reg_interval_s: float = 0.2  # REG rate ~5/s
    value_unit: int = 1_000_000  # 거래대금 fields arrive in 백만원 (inferred, UNCONFIRMED)
    max_pages: int = 20

    def api_rate(self, api_id: str) -> int:
        return self.rate_per_api.get(api_id, self.rate_per_api_s)
