"""The UI language: Korean first, English on request (the ``lang`` cookie, set by ``/lang/<code>``).

The texts themselves are in the catalogue ``app.text`` (``t("namespace.name")``).
"""

from __future__ import annotations

from typing import Protocol

from flask import has_request_context, request

LANGS = ("ko", "en")
DEFAULT_LANG = "ko"


class _Bilingual(Protocol):
    message_ko: str
    message_en: str


def current_lang() -> str:
    if has_request_context():
        lang = request.cookies.get("lang", DEFAULT_LANG)
        if lang in LANGS:
            return lang
    return DEFAULT_LANG


def message(err: _Bilingual) -> str:
    """A broker error's message (``message_ko`` / ``message_en``) in the request's language."""
    return err.message_en if current_lang() == "en" else err.message_ko
