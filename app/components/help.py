"""Help for beginners: a domain term followed by an ⓘ that explains it (dbc.Tooltip) and links to the term's
entry in the glossary (/glossary#<entry>)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from app.text import t

# The glossary entry of each ⓘ help text (``help.<key>``).
HELP_ENTRY: dict[str, str] = {
    "value": "trading_value",
    "book": "book",
    "strength": "strength",
    "quarter": "quarter_lines",
    "order_type": "order_type",
    "costs": "costs",
    "tick_age": "tick_age",
    "orderable": "cash",
}


def glossary_href(entry: str) -> str:
    """Where the glossary explains ``entry``."""
    return f"/glossary#{entry}"


def help_icon(key: str, uid: str) -> html.Span:
    """An ⓘ with a tooltip for the help text ``help.<key>``, linking to its glossary entry; ``uid`` makes
    the target id unique."""
    target = f"help-{key}-{uid}"
    return html.Span(
        [
            html.A(
                "ⓘ",
                id=target,
                href=glossary_href(HELP_ENTRY[key]),
                className="gslts-help text-decoration-none",
                **{"aria-label": t(f"help.{key}")},
            ),
            dbc.Tooltip(t(f"help.{key}"), target=target, placement="bottom", className="gslts-help-tip"),
        ]
    )


def term(label: str, key: str, uid: str) -> html.Span:
    """``label`` with its ⓘ help."""
    return html.Span([label, help_icon(key, uid)], className="text-nowrap")
