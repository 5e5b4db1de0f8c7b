"""Toasts for fills, order acknowledgements and rejections (dbc.Toast in a fixed stack)."""

from __future__ import annotations

import itertools

import dash_bootstrap_components as dbc
from dash import Patch, html

_ids = itertools.count()
MAX_TOASTS = 6


def toast_stack(id_: str) -> html.Div:
    """The fixed container toasts are appended to (top right; full width on phones)."""
    return html.Div([], id=id_, className="gslts-toasts")


def toast(title: str, body: str, kind: str = "info", duration: int = 6000) -> dbc.Toast:
    """One toast; ``kind`` is a Bootstrap colour for the header icon (success, danger, info)."""
    return dbc.Toast(
        body,
        header=title,
        icon=kind,
        dismissable=True,
        is_open=True,
        duration=duration,
        id=f"toast-{next(_ids)}",
        className=f"gslts-toast gslts-toast-{kind}",
    )


def add_toasts(*toasts: dbc.Toast) -> Patch:
    """A Patch appending ``toasts`` to a stack's children."""
    p = Patch()
    for t in toasts:
        p.append(t)
    return p
