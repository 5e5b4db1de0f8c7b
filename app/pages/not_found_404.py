"""Unknown paths."""

from __future__ import annotations

import dash
from dash import html

from app.text import t

dash.register_page(__name__, path="/404", title="GSLTS · 404")


def layout(**_query: str) -> html.Div:
    return html.Div([html.H1("404", className="h4"), html.P(t("page.not_found"))], id="not-found")
