"""/glossary — 용어 사전: every domain term the UI uses, explained in plain words with a worked example.

Each entry is a card with the anchor ``#<entry>`` (``app.text.glossary.ENTRIES``); every ⓘ of the app links
to its entry (``app.components.help``).
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from app.text import t
from app.text.glossary import ENTRIES

dash.register_page(__name__, path="/glossary", title="GSLTS · 용어 사전", order=950)


def entry_card(entry: str) -> dbc.Card:
    """One term: its name, the explanation and the example."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(t(f"term.{entry}.name"), className="h5 mb-2"),
                html.P(t(f"term.{entry}.body"), className="mb-2"),
                html.Div(
                    [
                        html.Span(t("glossary.example"), className="badge text-bg-secondary me-2"),
                        html.Span(t(f"term.{entry}.example"), className="glossary-example"),
                    ],
                    className="small bg-body-tertiary rounded p-2",
                ),
            ]
        ),
        id=entry,
        className="mb-3 glossary-entry",
    )


def layout(**_query: object) -> html.Div:
    index = html.Nav(
        [
            html.A(
                t(f"term.{e}.name"),
                href=f"#{e}",
                className="badge rounded-pill text-bg-light text-decoration-none me-1 mb-1",
            )
            for e in ENTRIES
        ],
        className="mb-3 d-flex flex-wrap",
        **{"aria-label": t("glossary.index")},
    )
    return dbc.Container(
        [
            html.H1(t("glossary.title"), className="h4 mt-3"),
            html.P(t("glossary.intro"), className="text-body-secondary"),
            index,
            html.Div([entry_card(e) for e in ENTRIES], id="glossary-entries"),
        ],
        id="glossary-page",
        style={"maxWidth": "52rem"},
    )
