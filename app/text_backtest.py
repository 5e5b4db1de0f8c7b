"""The /backtest page's texts, now area ``backtest`` of the catalogue (``app/text/backtest.py``).

``tb(key)`` is ``t("backtest." + key)``; it stays while the backtest page files still call it.
"""

from __future__ import annotations

from app.text import t


def tb(key: str, lang: str | None = None, **fmt: object) -> str:
    """The text ``backtest.<key>`` in ``lang`` (default: the request's language)."""
    return t("backtest." + key, lang, **fmt)
