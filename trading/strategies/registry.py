"""Strategy discovery: built-ins plus user files in the top-level ``strategies/`` folder.

A user file defines one or more ``Strategy`` subclasses (with a ``name``) or functions decorated
with ``@strategy(...)``. Files are re-imported when they change. A file that fails to import is
listed with its error instead of breaking the listing. ``GSLTS_STRATEGIES_DIR`` overrides the folder.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trading.strategies.base import Strategy
from trading.strategies.builtins import BUILTINS

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "strategies"


@dataclass(frozen=True)
class StrategyInfo:
    """One entry of ``list_strategies``: ``error`` is set (and ``cls`` None) for a broken file."""

    name: str
    source: str  # "builtin" or the file path
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    error: str | None = None
    cls: type[Strategy] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly view (without the class)."""
        return {
            "name": self.name,
            "source": self.source,
            "params": {k: v for k, v in self.params.items() if _jsonable(v)},
            "description": self.description,
            "error": self.error,
        }


def _jsonable(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, str, list, dict))


_cache: dict[Path, tuple[float, list[StrategyInfo]]] = {}


def strategies_dir() -> Path:
    """The user-strategy folder (``GSLTS_STRATEGIES_DIR`` or ``<repo>/strategies``)."""
    return Path(os.environ.get("GSLTS_STRATEGIES_DIR") or DEFAULT_DIR)


def _info(cls: type[Strategy], source: str) -> StrategyInfo:
    return StrategyInfo(
        cls.name, source, dict(cls.params), cls.description or (cls.__doc__ or "").strip(), None, cls
    )


def _load_file(path: Path) -> list[StrategyInfo]:
    mtime = path.stat().st_mtime
    cached = _cache.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    module_name = f"gslts_user_strategies.{path.stem}_{hashlib.sha1(str(path).encode()).hexdigest()[:8]}"
    try:
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
        found = [
            obj
            for obj in vars(module).values()
            if isinstance(obj, type)
            and issubclass(obj, Strategy)
            and obj is not Strategy
            and obj.__module__ == module_name
            and obj.name
        ]
        infos = [_info(cls, str(path)) for cls in found]
        if not infos:
            infos = [
                StrategyInfo(path.stem, str(path), error="no Strategy subclass or @strategy function found")
            ]
    except Exception as err:  # noqa: BLE001 - a user file may raise anything; report it
        sys.modules.pop(module_name, None)
        last = traceback.format_exception_only(type(err), err)[-1].strip()
        infos = [StrategyInfo(path.stem, str(path), error=last)]
    _cache[path] = (mtime, infos)
    return infos


def list_strategies(folder: Path | str | None = None) -> list[StrategyInfo]:
    """Built-ins first, then user strategies from ``folder`` (default ``strategies_dir()``).

    A user strategy may not reuse a built-in's or another file's name; the duplicate is listed with
    an error.
    """
    infos = [_info(cls, "builtin") for cls in BUILTINS]
    seen = {i.name for i in infos}
    root = Path(folder) if folder is not None else strategies_dir()
    files = sorted(p for p in root.glob("*.py") if not p.name.startswith("_")) if root.is_dir() else []
    for path in files:
        for info in _load_file(path):
            if info.error is None and info.name in seen:
                info = StrategyInfo(
                    info.name,
                    info.source,
                    info.params,
                    info.description,
                    f"name {info.name!r} is already taken",
                )
            seen.add(info.name)
            infos.append(info)
    return infos


def get_strategy(name: str, folder: Path | str | None = None) -> Strategy:
    """An instance of the strategy called ``name``. KeyError if unknown; RuntimeError if its file
    is broken."""
    for cls in BUILTINS:
        if cls.name == name:
            return cls()
    matches = [i for i in list_strategies(folder) if i.name == name and i.source != "builtin"]
    if not matches:
        raise KeyError(f"unknown strategy {name!r}")
    info = matches[0]
    if info.cls is None:
        raise RuntimeError(f"strategy {name!r} ({info.source}) failed to load: {info.error}")
    return info.cls()
