"""Reading adapter options from settings: ``<prefix>_<field>`` overrides a dataclass default."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

T = TypeVar("T")


def overrides_from(settings: Any, cls: type[T], prefix: str, skip: set[str] | None = None) -> dict[str, Any]:
    """Values of ``settings.<prefix>_<field>`` that are set (not None), for every field of ``cls``."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if skip and f.name in skip:
            continue
        value = getattr(settings, f"{prefix}_{f.name}", None)
        if value is not None:
            values[f.name] = value
    return values


def secret(value: Any) -> str:
    """The plain string of a ``SecretStr`` (or str); empty when None."""
    if value is None:
        return ""
    getter = getattr(value, "get_secret_value", None)
    return getter() if getter else str(value)


@dataclass(slots=True)
class AdapterOptions:
    """Options every REST adapter has (each adapter's class adds its own). ``from_settings`` reads the
    connection from ``Settings`` and any optional ``<BROKER>_<FIELD>`` setting a deployment adds."""

    BROKER: ClassVar[str] = ""
    SECRET_SETTINGS: ClassVar[dict[str, str]] = {}  # option → the SecretStr setting it comes from

    env: str = "mock"  # "real" | "mock"
    live_trading: bool = False  # LIVE_TRADING: a real account refuses every order without it
    app_key: str = field(default="", repr=False)
    account: str = field(default="", repr=False)
    rest_url: str = ""
    ws_url: str = ""
    rate_period_s: float = (
        1.05  # a little over 1 s so network jitter never puts an extra call in a broker second
    )
    rate_limit_retries: int = 5
    rate_limit_backoff_s: float = 0.5
    timeout_s: float = 10.0
    read_retries: int = 2
    token_refresh_margin_s: float = 600.0
    token_min_interval_s: float = 1.0
    ws_stale_after_s: float = 60.0
    ws_reconnect_delay_s: float = 0.5
    ws_max_reconnect_delay_s: float = 30.0  # BROKER_WS_MAX_RECONNECT_S: the backoff's ceiling
    reconcile_attempts: int = 3
    reconcile_delay_s: float = 0.5
    reconcile_window_s: float = 60.0

    @classmethod
    def from_settings(cls, settings: Any, **extra: Any) -> Any:
        broker = cls.BROKER
        rest, ws = settings.broker_urls(broker)
        values: dict[str, Any] = {
            "env": settings.broker_env,
            "live_trading": bool(getattr(settings, "live_trading", False)),
            **{opt: secret(getattr(settings, key, None)) for opt, key in cls.SECRET_SETTINGS.items()},
            "account": getattr(settings, f"{broker}_account", None) or "",
            "rest_url": rest,
            "ws_url": ws,
            "ws_max_reconnect_delay_s": float(getattr(settings, "broker_ws_max_reconnect_s", 30.0)),
        }
        values.update(overrides_from(settings, cls, broker, skip=set(values)))
        values.update(extra)
        return cls(**values)

    @property
    def is_real(self) -> bool:
        return self.env == "real"
