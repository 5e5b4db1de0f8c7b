"""Stock screens over the stored daily bars (the /screen page, ``gslts screen``, a bot's universe).

The daily-bar panel is loaded once per database and kept in this process until a bar of its
sessions (or a new session) is stored or removed: a screen then runs on numpy arrays only.
US-linked sectors come from the latest stored morning report (its ``kr_sectors`` directions).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine

from db.repositories import reports as reports_repo
from db.repositories import screens as repo
from trading.screen.engine import Panel, ScreenHit, run_screen
from trading.screen.spec import ScreenSpec, parse_screen

_lock = threading.Lock()
_cache: dict[str, Panel] = {}


@dataclass(frozen=True, slots=True)
class ScreenResult:
    """A screen's hits and what they were computed on."""

    spec: ScreenSpec
    hits: list[ScreenHit]
    as_of: date | None  # the last session of the panel
    stocks: int  # stocks in the panel
    report_day: date | None = None  # the morning report a us_linked screen used
    us_sectors: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "spec": self.spec.to_dict(),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "stocks": self.stocks,
            "report_day": self.report_day.isoformat() if self.report_day else None,
            "us_sectors": list(self.us_sectors),
            "hits": [h.to_dict() for h in self.hits],
        }


def _fresh(engine: Engine, cached: Panel) -> bool:
    """No bar was added or removed since ``cached`` was read (same last session, same bar count over
    its sessions)."""
    if not cached.days:
        return repo.bars_version(engine) == (None, 0)
    return repo.bars_version(engine, since=cached.days[0]) == (cached.days[-1], cached.rows)


def panel(engine: Engine) -> Panel:
    """The cached daily-bar panel of ``engine``'s database, reloaded when bars were stored or removed
    (a new session, a backfill, an import)."""
    key = engine.url.render_as_string(hide_password=True)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and _fresh(engine, cached):
            return cached
        loaded = repo.load_panel(engine)
        _cache[key] = loaded
        return loaded


def clear_cache() -> None:
    """Forget every cached panel (the next screen reloads it)."""
    with _lock:
        _cache.clear()


def us_linked_sectors(engine: Engine, direction: str) -> tuple[date, tuple[str, ...]] | None:
    """(report day, sector codes) the latest morning report expects ``direction`` (up/down), or None
    without a stored report."""
    latest = reports_repo.latest_report(engine)
    if latest is None:
        return None
    day, payload = latest
    codes = tuple(k["code"] for k in payload.get("kr_sectors", []) if k.get("direction") == direction)
    return day, codes


def run(engine: Engine, spec: ScreenSpec | dict[str, Any]) -> ScreenResult:
    """Run a screen (a spec or its dict: ``ScreenError`` when the dict is bad) on the stored bars."""
    spec = spec if isinstance(spec, ScreenSpec) else parse_screen(spec)
    p = panel(engine)
    report_day, us = None, None
    if spec.us_linked is not None:
        linked = us_linked_sectors(engine, spec.us_linked)
        if linked is not None:
            report_day, us = linked
    hits = run_screen(spec, p, us)
    as_of = p.days[-1] if p.days else None
    return ScreenResult(spec, hits, as_of, len(p.stocks), report_day, tuple(us or ()))


def screen_codes(engine: Engine, spec_dict: dict) -> list[str]:
    """The codes a screen finds, largest 거래대금 first (a bot's ``{"kind": "screen"}`` universe)."""
    return [h.code for h in run(engine, spec_dict).hits]
