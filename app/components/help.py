"""Help for beginners: a domain term followed by an ⓘ that explains it (dbc.Tooltip)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from app.text import t


def help_icon(key: str, uid: str) -> html.Span:
    """An ⓘ with a tooltip for the help text ``help.<key>``; ``uid`` makes the target id unique."""
    target = f"help-{key}-{uid}"
    return html.Span(
        [
            html.Span("ⓘ", id=target, className="gslts-help", tabIndex=0, role="button"),
            dbc.Tooltip(t(f"help.{key}"), target=target, placement="bottom", className="gslts-help-tip"),
        ]
    )


def term(label: str, key: str, uid: str) -> html.Span:
    """``label`` with its ⓘ help."""
    return html.Span([label, help_icon(key, uid)], className="text-nowrap")
