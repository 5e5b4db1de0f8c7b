"""The process-wide services the web app and CLI share: settings, database engine, cache.

Built once by ``init_runtime`` (the app factory or a CLI command); pages call ``runtime()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from db.engine import get_engine
from trading.config import Settings, get_settings


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    services: dict[str, Any] = field(default_factory=dict)  # started services by name (market, scheduler)


_runtime: Runtime | None = None


def init_runtime(settings: Settings | None = None) -> Runtime:
    """Create (or replace) the process runtime for these settings."""
    global _runtime
    settings = settings or get_settings()
    _runtime = Runtime(settings=settings, engine=get_engine(settings.database_url))
    return _runtime


def runtime() -> Runtime:
    """The current runtime; initialises from the environment on first use."""
    return _runtime or init_runtime()
