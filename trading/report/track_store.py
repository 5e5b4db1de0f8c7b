"""Where the nightly track record lives: ``<data_dir>/reports/track_record.json`` (atomic writes).

A file rather than a table row keeps the sector_reports table one row per KRX session; every morning
report also embeds the copy that was current when it was made.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def track_record_path(data_dir: Path) -> Path:
    return Path(data_dir) / "reports" / "track_record.json"


def save_track_record(data_dir: Path, record: dict[str, Any]) -> Path:
    path = track_record_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1))
    tmp.replace(path)
    return path


def load_track_record(data_dir: Path) -> dict[str, Any] | None:
    """The stored track record, or None if it was never computed (or the file is unreadable)."""
    try:
        return json.loads(track_record_path(data_dir).read_text())
    except (FileNotFoundError, ValueError):
        return None
