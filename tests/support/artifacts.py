"""Test artefacts: where browser tests save screenshots (listed at the end of the run by tests/conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def screenshot_dir() -> Path:
    """``SCREENSHOT_DIR`` or ``<repo>/test-artifacts/screenshots`` (created)."""
    path = Path(os.environ.get("SCREENSHOT_DIR") or ROOT / "test-artifacts" / "screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path
