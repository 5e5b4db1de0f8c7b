"""Everything the KIS adapter can be told; UNCONFIRMED broker values are options here.

``KisOptions.from_settings`` (``AdapterOptions``) reads the credentials and URLs from ``Settings`` and any
optional ``KIS_<FIELD>`` key (e.g. ``KIS_HTS_ID``, ``KIS_RATE_PER_S``) a deployment adds to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from trading.brokers.common.options import AdapterOptions

# Order TR ids: the current official samples (2025-07+) and the older ones python-kis still uses.
ORDER_TR_IDS: dict[str, dict[str, str]] = {
    "current": {"buy": "TTTC0012U", "sell": "TTTC0011U", "modify": "TTTC0013U"},
    "legacy": {"buy": "TTTC0802U", "sell": "TTTC0801U", "modify": "TTTC0803U"},
}


@dataclass(slots=True)
class KisOptions(AdapterOptions):
    BROKER: ClassVar[str] = "kis"
    SECRET_SETTINGS: ClassVar[dict[str, str]] = {"app_key": "kis_app_key", "app_secret": "kis_app_secret"}

    app_secret: str = field(default="", repr=False)
    hts_id: str = field(default="", repr=False)  # HTS ID: the tr_key of fill notices (H0STCNI0/H0STCNI9)
    ws_path: str = "/tryitout"  # appended when ws_url has no path
    custtype: str = "P"
    tr_id_style: str = "current"  # "current" | "legacy" order TR ids (old ids UNCONFIRMED)
    market_div: str = "J"  # FID_COND_MRKT_DIV_CODE: J KRX, NX NXT, UN 통합
    exchange: str = "KRX"  # EXCG_ID_DVSN_CD on orders
    ranking_markets: dict[str, str] = field(default_factory=lambda: {"KOSPI": "0001", "KOSDAQ": "1001"})
    rate_per_s: int | None = None  # None: rate_real_per_s / rate_mock_per_s by environment
    rate_real_per_s: int = 18  # 2026-04 notice (older notes: 20)
    rate_mock_per_s: int = 1  # 2026-04 notice (older notes: 2)
    rank_rows_per_call: int = 30  # volume-rank rows per answer (UNCONFIRMED), no next page
    rank_price_bands: str = "0,5000,20000,100000"  # lower bounds (won) of the price bands ranked apart
    rank_max_calls: int = 16  # volume-rank calls per ranking (full bands are split and asked again)
    token_min_interval_s: float = 60.0  # EGW00133: one token per minute
    max_ws_subscriptions: int = 40  # notes: 41 vs 40 CONFLICT, use <= 40
    daily_rows_per_call: int = 100
    minute_rows_per_call: int = 30

    @property
    def rate_limit(self) -> int:
        return self.rate_per_s or (self.rate_real_per_s if self.is_real else self.rate_mock_per_s)

    def price_bands(self) -> list[tuple[int, int | None]]:
        """(low, high) per band (FID_INPUT_PRICE_1/2): each lower bound up to the next (last: open)."""
        bounds = sorted({int(b) for b in str(self.rank_price_bands).split(",") if b.strip()} | {0})
        tops: list[int | None] = [b - 1 for b in bounds[1:]]
        return list(zip(bounds, [*tops, None], strict=True))

    @property
    def cano(self) -> str:
        digits = self.account.replace("-", "").strip()
        return digits[:8]

    @property
    def product_code(self) -> str:
        digits = self.account.replace("-", "").strip()
        return digits[8:10] or "01"

    def tr(self, real_id: str) -> str:
        """The TR id for this environment: paper swaps a leading T/J/C for V (notes §3)."""
        if not self.is_real and real_id[:1] in ("T", "J", "C"):
            return "V" + real_id[1:]
        return real_id

    def order_tr(self, action: str) -> str:
        return self.tr(ORDER_TR_IDS[self.tr_id_style][action])

    def websocket_url(self) -> str:
        from urllib.parse import urlsplit

        return (
            self.ws_url
            if urlsplit(self.ws_url).path not in ("", "/")
            else self.ws_url.rstrip("/") + self.ws_path
        )

    @property
    def fill_tr_id(self) -> str:
        return "H0STCNI0" if self.is_real else "H0STCNI9"
