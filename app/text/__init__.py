"""The UI text catalogue: ``t("namespace.name", **fmt)`` in the request's language (Korean first).

Each area module (``common``, ``trade``, ``ranking``, …) holds a table key → (Korean, English). A key's
first part is its namespace, and every namespace lives in exactly one area, so a key says where its text
is (``NAMESPACES`` below; ``tests/app/test_text_catalogue.py`` checks it, that keys are unique and that every
literal key the app uses exists). The language comes from the ``lang`` cookie (``app.i18n.current_lang``).

Adding a text: put it in the area of its page (or ``common`` when several pages show it), under one of that
area's namespaces or a new one, with both languages, and call ``t("namespace.name")``.
"""

from __future__ import annotations

from types import ModuleType

from app.i18n import current_lang
from app.text import (
    account,
    alerts,
    api,
    auto,
    backtest,
    common,
    glossary,
    guide,
    ranking,
    report,
    screen,
    sectors,
    stocks,
    trade,
)

AREAS: dict[str, ModuleType] = {
    "common": common,
    "stocks": stocks,
    "sectors": sectors,
    "ranking": ranking,
    "trade": trade,
    "account": account,
    "report": report,
    "backtest": backtest,
    "screen": screen,
    "auto": auto,
    "api": api,
    "guide": guide,
    "alerts": alerts,
    "glossary": glossary,
}


def _merge() -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    catalogue: dict[str, tuple[str, str]] = {}
    namespaces: dict[str, str] = {}
    for area, module in AREAS.items():
        for key, text in module.TEXT.items():
            if key in catalogue:
                raise ValueError(f"text key {key!r} of area {area!r} is defined twice")
            ns = key.split(".", 1)[0]
            if namespaces.setdefault(ns, area) != area:
                raise ValueError(f"namespace {ns!r} is in areas {namespaces[ns]!r} and {area!r}")
            catalogue[key] = text
    return catalogue, namespaces


CATALOGUE, NAMESPACES = _merge()


def t(key: str, lang: str | None = None, **fmt: object) -> str:
    """The text for ``key`` in ``lang`` (default: the request's language), formatted with ``fmt``."""
    ko, en = CATALOGUE[key]
    text = en if (lang or current_lang()) == "en" else ko
    return text.format(**fmt) if fmt else text
