"""The one settings object: read from the environment and ``.env``.

``get_settings()`` is the only entry point; it validates every key at once and raises
``ConfigError`` naming every bad key, so start-up stops with one clear message.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Documented defaults (../shared/reference/kis-api-notes.md §1, kiwoom-api-notes.md §1).
BROKER_URLS: dict[tuple[str, str], tuple[str, str]] = {
    ("kis", "real"): ("https://openapi.koreainvestment.com:9443", "ws://ops.koreainvestment.com:21000"),
    ("kis", "mock"): ("https://openapivts.koreainvestment.com:29443", "ws://ops.koreainvestment.com:31000"),
    ("kiwoom", "real"): ("https://api.kiwoom.com", "wss://api.kiwoom.com:10000/api/dostk/websocket"),
    ("kiwoom", "mock"): ("https://mockapi.kiwoom.com", "wss://mockapi.kiwoom.com:10000/api/dostk/websocket"),
}


def _present(secret: SecretStr | None) -> bool:
    return bool(secret and secret.get_secret_value().strip())


_URL_PASSWORD = re.compile(r"(//[^:/@]*:)([^@]*)(@)")


def mask_url(url: str) -> str:
    """``url`` with its password (if any) replaced by ``***``."""
    return _URL_PASSWORD.sub(r"\1***\3", url)


class ConfigError(RuntimeError):
    """Invalid configuration; the message names every bad key."""


class Settings(BaseSettings):
    """All configuration. Field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    database_url: str = Field(default=f"sqlite:///{PROJECT_ROOT / 'data' / 'gslts.db'}")
    redis_url: str | None = None  # absent = embedded mode
    data_dir: Path = PROJECT_ROOT / "data"

    broker: Literal["paper", "kis", "kiwoom"] = "paper"
    broker_env: Literal["mock", "real"] = "mock"
    live_trading: bool = False

    kis_app_key: SecretStr | None = None
    kis_app_secret: SecretStr | None = None
    kis_account: str | None = None  # "12345678-01"
    kis_rest_url: str | None = None
    kis_ws_url: str | None = None
    kiwoom_app_key: SecretStr | None = None
    kiwoom_secret_key: SecretStr | None = None
    kiwoom_account: str | None = None
    kiwoom_rest_url: str | None = None
    kiwoom_ws_url: str | None = None

    host: str = "127.0.0.1"
    port: int = Field(default=8050, ge=1, le=65535)
    secret_key: SecretStr | None = None  # Flask session key; generated into data/ when absent
    admin_password: SecretStr | None = None  # first-start admin password; random when absent

    # Simulated market (embedded default)
    market_clock: Literal["demo", "real"] = "demo"
    market_speed: float = Field(default=1.0, gt=0, le=1000)  # demo clock: simulated seconds per second
    market_seed: int = 42
    # A new demo session: ``morning`` opens with the morning already traded (the open + 90 minutes,
    # stepped through before serving, so charts, ranking and book have content at once); ``open``: at 09:00.
    demo_start: Literal["morning", "open"] = "morning"
    # How often the paper market advances (and publishes its ticks/books): a tick waits up to this long
    # before anyone sees it. ~5 ms of CPU per step for the 2,555 listed stocks.
    market_step_ms: int = Field(default=100, ge=10, le=5000)
    us_effect_strength: float = Field(default=0.6, ge=0, le=2)  # how strongly KR sectors follow US ETFs
    paper_initial_cash: int = Field(default=100_000_000, ge=0)

    # Costs (rates per side, as percent). UNCONFIRMED mock fees are configurable.
    commission_pct: float | None = Field(default=None, ge=0, le=5)  # None = broker default

    # Recorder
    tick_retention_days: int = Field(default=90, ge=1, le=3650)
    recorder_top_n: int = Field(default=100, ge=1, le=3000)
    # Full mode: entries (one per published batch of ticks or fills) kept in the market's durable log.
    market_log_maxlen: int = Field(default=200_000, ge=1000, le=10_000_000)
    # Full mode bounds: uncommitted batches in the Redis Stream, and batches held in memory while Redis
    # is away. Past either, batches spill to the disk spool (data_dir/recorder/overflow), never dropped.
    recorder_stream_max_entries: int = Field(default=10_000, ge=10, le=10_000_000)
    recorder_carry_max_batches: int = Field(default=200, ge=1, le=100_000)
    recorder_retry_max_s: float = Field(default=5.0, ge=0.1, le=300)  # backoff cap: Redis, database
    # Minute bars are recomputed from committed ticks this often (the minutes the writes marked).
    recorder_bars_every_s: float = Field(default=1.0, ge=0.1, le=60)

    # KIS/Kiwoom adapter options (UNCONFIRMED values are configurable; see the reference notes)
    kis_hts_id: str | None = None  # needed to decrypt own-fill notices (H0STCNI0/9)
    kis_max_ws_subscriptions: int = Field(default=40, ge=1, le=200)
    kiwoom_max_ws_items: int = Field(default=200, ge=1, le=2000)
    # REST rate limits in force (requests per second, per account/app key). KIS: the 2026-04 notice gives
    # real 18/s and mock 1/s (the older notes say 20/2); KIS_RATE_PER_S overrides both. Kiwoom: per api-id
    # and for all api-ids together (field reports: ~1-5/s per TR, terms: 5/s; UNCONFIRMED).
    kis_rate_real_per_s: int = Field(default=18, ge=1, le=100)
    kis_rate_mock_per_s: int = Field(default=1, ge=1, le=100)
    kis_rate_per_s: int | None = Field(default=None, ge=1, le=100)
    kiwoom_rate_per_api_s: int = Field(default=2, ge=1, le=100)
    kiwoom_global_rate_per_s: int = Field(default=4, ge=1, le=100)
    # KIS volume-rank answers at most KIS_RANK_ROWS_PER_CALL rows (30, UNCONFIRMED) and has no next page:
    # the TOP 100 is the union of one call per market (KOSPI, KOSDAQ) and price band (lower bounds, won).
    kis_rank_rows_per_call: int = Field(default=30, ge=1, le=1000)
    kis_rank_price_bands: str = "0,5000,20000,100000"
    kis_rank_max_calls: int = Field(default=16, ge=1, le=200)  # full bands are split and asked again
    # Websocket reconnects back off from the adapter's first delay up to this many seconds.
    broker_ws_max_reconnect_s: float = Field(default=30.0, ge=0.1, le=600)

    # The broker market-data service (services/broker_feed.py; BROKER=kis|kiwoom, run by the account owner)
    broker_feed: bool = True  # false: no ranking, quotes or push for pages (order-only tests and tools)
    broker_ranking_refresh_s: float = Field(default=5.0, ge=1.0, le=10.0)  # TOP 100 by 거래대금
    broker_ranking_size: int = Field(default=100, ge=10, le=500)
    broker_poll_s: float = Field(default=2.0, ge=0.2, le=60)  # REST poll of viewed codes beyond the websocket
    broker_stale_s: float = Field(default=3.0, ge=0.5, le=60)  # no word from the feed this long: stale
    broker_view_ttl_s: float = Field(default=600.0, ge=10, le=86_400)  # a viewed code is served this long
    broker_sweep_per_s: float = Field(default=0.5, ge=0, le=50)  # sector-filter value sweep (REST quotes)
    broker_open_wait_s: float = Field(default=5.0, ge=0, le=30)  # a page opening an unserved code waits

    # Daily history (gslts history, the eod-bars job). EOD_BARS_SOURCE: where the 16:00 job takes each
    # session's daily bar from — auto: the paper market's session (paper) or the broker's daily-chart
    # API (KIS/Kiwoom); recorder: the recorder's minute_bars of the day (only the stocks it recorded).
    eod_bars_source: Literal["auto", "broker", "recorder"] = "auto"
    history_max_failures: int = Field(default=20, ge=1, le=10_000)  # a backfill run stops after this many
    # US data (refresh-us-data job, gslts us-data refresh): yfinance first, then the fallback.
    # kis: KIS overseas daily prices (HHDFS76240000; confirmed by KIS's samples, needs KIS keys);
    # none: no fallback (missing data is shown as missing). The exchange code of a US ETF is
    # UNCONFIRMED for NYSE Arca (community code uses AMS), hence configurable: SYMBOL:EXCD pairs,
    # every other symbol uses US_KIS_DEFAULT_EXCHANGE. Indexes (^GSPC, ...) have no KIS fallback.
    us_data_fallback: Literal["kis", "none"] = "kis"
    us_kis_default_exchange: str = "AMS"
    us_kis_exchanges: str = "SOXX:NAS,SMH:NAS"

    # Broker sync (KIS/Kiwoom only): copy balance, orders and fills into the database
    broker_sync_seconds: int = Field(default=5, ge=0, le=3600)  # interval in the KRX window; 0 = off
    broker_sync_hours: Literal["session", "always"] = "session"  # session: KRX days 08:00-18:30 KST
    broker_sync_idle_seconds: int = Field(default=900, ge=0, le=86400)  # outside the window; 0 = never

    # UI
    # The trade page's quote polling: the fallback when its live stream (/api/v1/stream) is down.
    quote_refresh_ms: int = Field(default=1000, ge=100, le=10000)
    live_stream_max: int = Field(default=16, ge=0, le=1000)  # live streams per web process; 0 = pages poll
    ranking_refresh_ms: int = Field(default=2000, ge=250, le=60000)
    order_confirm_amount: int = Field(default=10_000_000, ge=0)  # orders above this need a confirmation

    # Order gateway (trading/orders): per-account defaults of the 주문 착오방지 limits (gslts risk set
    # overrides them per account), confirmation tokens, waits and reconciliation.
    order_max_qty: int = Field(default=100_000, ge=1)  # shares per order
    order_max_amount: int = Field(default=100_000_000, ge=1)  # won per order
    order_max_per_minute: int = Field(default=60, ge=1)  # orders + modifies per rolling minute
    order_confirm_ttl_s: int = Field(default=300, ge=10, le=3600)  # how long a confirmation token lives
    order_inflight_wait_s: float = Field(default=5.0, ge=0, le=60)  # a retry waits this long for the first
    rpc_timeout_s: float = Field(default=5.0, gt=0, le=120)  # a caller's wait for the account owner
    reconcile_window_s: float = Field(default=120.0, ge=5, le=3600)  # unknown outcome → lost after this
    reconcile_interval_s: float = Field(default=2.0, gt=0, le=600)
    # Automatic trading: the account owner runs the bots; a bot trades N paper days before mock or real.
    bots_enabled: bool = True
    bot_paper_days: int = Field(default=5, ge=0, le=365)
    lease_ttl_s: float = Field(default=15.0, ge=3, le=300)  # full mode: the owner's Redis lease
    # KIS/Kiwoom orders outside the KRX regular session (08:30-15:30 on XKRX days) are refused by the
    # gateway ("krx"); "off" leaves it to the broker (NXT's 08:00-20:00 sessions, tests against fakes).
    order_session_check: Literal["krx", "off"] = "krx"
    # Backtest jobs: a running job stamps its heartbeat this often; one silent for BACKTEST_STALE_S has
    # lost its worker and is ended by the backtest-reaper job (every 30 s).
    backtest_heartbeat_s: float = Field(default=10.0, gt=0, le=300)
    backtest_stale_s: float = Field(default=60.0, ge=5, le=3600)
    backtest_reaper_s: int = Field(default=30, ge=1, le=3600)  # how often stale runs are looked for
    # Celery (full mode): an unacknowledged task is redelivered after this many seconds (a worker that
    # died mid-task); longer than any queue wait plus run, so live tasks are not delivered twice.
    celery_visibility_timeout_s: int = Field(default=3600, ge=60, le=86_400)
    # Login: attempts per (user, address) and per address in a lock window, counted before the check.
    login_max_failures: int = Field(default=5, ge=1, le=100)
    login_max_per_address: int = Field(default=20, ge=1, le=10_000)
    login_lock_s: int = Field(default=300, ge=10, le=86_400)
    # REST API (/api/v1): requests per token and minute (HTTP 429 beyond; Redis-shared in full mode).
    api_rate_per_minute: int = Field(default=600, ge=1, le=1_000_000)
    # How many reverse proxies in front of the app to trust for X-Forwarded-For/-Proto (0: none; the
    # client address is the socket peer and forwarded headers are ignored).
    trusted_proxies: int = Field(default=0, ge=0, le=5)
    # /metrics: a scraper sends "Authorization: Bearer <METRICS_TOKEN>"; without one, only 127.0.0.1/::1 may read it.
    metrics_token: SecretStr | None = None

    # Alerts (trading/alerts, services/alerts): the dispatcher polls the outbox every ALERT_POLL_MS, leases a
    # destination for ALERT_LEASE_S while sending (a killed dispatcher's sends are retried after it), retries
    # with backoff from ALERT_RETRY_BASE_S doubling to ALERT_RETRY_MAX_S, at most ALERT_MAX_ATTEMPTS times.
    # Pacing per destination: N messages a minute with bursts; what waits goes out as one digest message.
    alerts_dispatcher: bool = True  # embedded: gslts run dispatches in-process; full mode: gslts alerts run
    alert_poll_ms: int = Field(default=100, ge=10, le=10_000)
    alert_lease_s: float = Field(default=30.0, ge=1, le=600)
    alert_http_timeout_s: float = Field(default=5.0, gt=0, le=60)
    alert_retry_base_s: float = Field(default=1.0, gt=0, le=600)
    alert_retry_max_s: float = Field(default=300.0, gt=0, le=86_400)
    alert_max_attempts: int = Field(default=20, ge=1, le=1000)
    alert_webhook_private: bool = False  # allow webhooks to loopback / private / link-local addresses
    alert_webhook_per_min: int = Field(default=120, ge=1, le=6000)
    alert_webhook_burst: int = Field(default=10, ge=1, le=1000)
    alert_telegram_per_min: int = Field(default=20, ge=1, le=600)  # Telegram: about 20 a minute per chat
    alert_telegram_burst: int = Field(default=3, ge=1, le=100)
    alert_digest_max: int = Field(default=50, ge=1, le=1000)  # events per digest message
    alert_health_s: int = Field(default=15, ge=0, le=3600)  # the alerts-health job's interval; 0 = off
    alert_retention_days: int = Field(
        default=90, ge=1, le=3650
    )  # the alerts-purge job (03:30) keeps this long
    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_allowed_chat_ids: str = ""  # comma-separated; a chat outside the list is refused

    @property
    def telegram_chats(self) -> frozenset[str]:
        """The allow-list of Telegram chat ids."""
        return frozenset(c.strip() for c in self.telegram_allowed_chat_ids.split(",") if c.strip())

    def __repr_args__(self):  # noqa: ANN204 - pydantic's repr hook: never show a password
        for key, value in super().__repr_args__():
            yield key, (mask_url(value) if key in ("database_url", "redis_url") and value else value)

    @model_validator(mode="after")
    def _check_broker(self) -> Settings:
        if self.broker == "kis" and not (_present(self.kis_app_key) and _present(self.kis_app_secret)):
            raise ValueError("BROKER=kis needs KIS_APP_KEY and KIS_APP_SECRET")
        if self.broker == "kiwoom" and not (
            _present(self.kiwoom_app_key) and _present(self.kiwoom_secret_key)
        ):
            raise ValueError("BROKER=kiwoom needs KIWOOM_APP_KEY and KIWOOM_SECRET_KEY")
        if self.live_trading and self.broker == "paper":
            raise ValueError("LIVE_TRADING=true needs BROKER=kis or BROKER=kiwoom")
        return self

    @property
    def embedded(self) -> bool:
        """True when no Redis is configured: tasks and the market run in-process."""
        return not self.redis_url

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def broker_urls(self, broker: str | None = None) -> tuple[str, str]:
        """(REST base, websocket URL) for a broker in the configured environment."""
        name = broker or self.broker
        rest, ws = BROKER_URLS[(name, self.broker_env)]
        if name == "kis":
            return (self.kis_rest_url or rest).rstrip("/"), self.kis_ws_url or ws
        return (self.kiwoom_rest_url or rest).rstrip("/"), self.kiwoom_ws_url or ws


def _describe(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        key = ".".join(str(x) for x in e["loc"]).upper() or "SETTINGS"
        parts.append(f"{key}: {e['msg']}")
    return "invalid configuration: " + "; ".join(parts)


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment/.env plus overrides; ``ConfigError`` names every bad key."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as err:
        raise ConfigError(_describe(err)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; call ``get_settings.cache_clear()`` in tests)."""
    return load_settings()
