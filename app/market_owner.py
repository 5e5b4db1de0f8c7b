"""Who owns the simulated market, and how everyone else reaches it.

Exactly one process owns the paper market (simulator + exchange): ``gslts run`` in embedded mode,
``gslts market`` in full mode. Other processes use ``RpcBroker``: over Redis in full mode, over the
running app's local HTTP endpoint (``/api/v1/rpc``, a bearer token in ``data/api_token``) in embedded mode.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from trading.brokers.paper.broker import PaperBroker
from trading.config import Settings
from trading.market.service import MarketService


def start_paper_market(engine: Engine, settings: Settings) -> PaperBroker:
    """Start the owned market on the stored history (prices continue from the last stored closes)."""
    from db.repositories.bars import SqlBarSource, latest_closes
    from db.repositories.paper import SqlPaperStore

    _, closes = latest_closes(engine, date.today())
    store = SqlPaperStore(engine, initial_cash=settings.paper_initial_cash)
    service = MarketService.from_settings(settings, store=store, prev_close=closes or None)
    service.step()
    service.start()
    return PaperBroker(service, SqlBarSource(engine), owns_service=True)


# --- embedded mode: the running app's address for the CLI -----------------------------------


def _run_file(settings: Settings) -> Path:
    return settings.data_dir / "run.json"


def api_token(settings: Settings) -> str:
    """The local API token (created 0600 on first use)."""
    path = settings.data_dir / "api_token"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def announce(settings: Settings, host: str, port: int) -> None:
    """Record that this process owns the market and serves it at host:port."""
    path = _run_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": os.getpid(), "url": f"http://{host}:{port}"}))


def running_owner_url(settings: Settings) -> str | None:
    """The URL of a running ``gslts run`` for this data dir, if its process is alive."""
    try:
        info = json.loads(_run_file(settings).read_text())
        os.kill(int(info["pid"]), 0)
    except (FileNotFoundError, ValueError, KeyError, ProcessLookupError, PermissionError):
        return None
    return str(info["url"])
