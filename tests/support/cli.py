"""Running the ``gslts`` CLI as a user does: a real subprocess with its own environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

MAIN = "from app.cli import main; main()"
PY = [sys.executable, "-c", MAIN]


def cli_env(tmp: Path, url: str, **extra: str) -> dict[str, str]:
    """The environment of a CLI on database ``url`` and data dir ``tmp/data``, acting as ``trader``
    (no broker or live-trading settings inherited from the caller)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KIS_", "KIWOOM_", "BROKER", "LIVE_"))}
    return {**clean, "DATABASE_URL": url, "DATA_DIR": str(tmp / "data"), "SECRET_KEY": "proc-secret",
            "GSLTS_USER": "trader", "MARKET_SPEED": "1", **extra}  # fmt: skip


def gslts(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PY, *args], env=env, capture_output=True, text=True, timeout=timeout)


def start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([*PY, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_cli(
    *args: str, env: dict[str, str], cwd: Path | str | None = None, program: str = MAIN
) -> subprocess.CompletedProcess[str]:
    """``program`` (default: the whole ``gslts`` CLI) with ``args``, the caller's environment plus ``env``."""
    return subprocess.run(
        [sys.executable, "-c", program, *args], env={**os.environ, **env}, capture_output=True, text=True,
        timeout=120, cwd=cwd,
    )  # fmt: skip


def run_for(settings: Any, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI on ``settings``' database and data dir (run from the data dir's parent), with Redis only
    when the settings have it; asserts it succeeded."""
    env = {**os.environ, "DATABASE_URL": settings.database_url, "DATA_DIR": str(settings.data_dir)}
    env.pop("REDIS_URL", None)
    if settings.redis_url:
        env["REDIS_URL"] = settings.redis_url
    proc = subprocess.run(
        [*PY, *args], env=env, capture_output=True, text=True, timeout=120, cwd=settings.data_dir.parent
    )
    assert proc.returncode == 0, proc.stderr
    return proc
