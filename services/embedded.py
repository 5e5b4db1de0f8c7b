"""Embedded mode: where the running ``gslts run`` serves its local endpoint, for the CLI.

``gslts run`` owns the market (or the broker account) and writes ``<data dir>/run.json`` with its
address; CLI commands then send their calls to ``/api/v1/rpc`` with the bearer token in
``<data dir>/api_token`` (0600).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from trading.config import Settings


def _run_file(settings: Settings) -> Path:
    return settings.data_dir / "run.json"


def api_token(settings: Settings) -> str:
    """The local API token (created 0600 on first use)."""
    path = settings.data_dir / "api_token"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def announce(settings: Settings, host: str, port: int) -> None:
    """Record that this process serves the owner's endpoint at host:port."""
    path = _run_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": os.getpid(), "url": f"http://{host}:{port}"}))


def running_owner_url(settings: Settings) -> str | None:
    """The URL of a running ``gslts run`` for this data dir, if its process is alive."""
    try:
        info = json.loads(_run_file(settings).read_text())
        os.kill(int(info["pid"]), 0)
    except (FileNotFoundError, ValueError, KeyError, ProcessLookupError, PermissionError, TypeError):
        return None
    return str(info["url"])
