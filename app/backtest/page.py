"""The /backtest layout: the form on the left; the shown run's status and result and the past runs
on the right."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from app.backtest import ids
from app.backtest.form import DEFAULT_CODES, form_card
from app.backtest.history import history_panel
from app.backtest.result import render_run
from app.backtest.run import status_panel
from app.components.data import stock
from app.i18n import current_lang
from app.text import t

POLL_MS = 700


def prefill_codes(code: str | None) -> str:
    """The stock of ``?code=`` (a listed stock: the guide's 'backtest this stock' link), else the default."""
    code = (code or "").strip().upper()
    return code if code and stock(code) is not None else DEFAULT_CODES


def layout(code: str | None = None, **_query: str) -> html.Div:
    """The page for the request's language (reads stored runs and reports; writes nothing); ``?code=``
    fills in the stock."""
    lang = current_lang()
    right = [status_panel(), html.Div(render_run(None, lang), id=ids.RESULT), history_panel(lang)]
    return html.Div(
        [
            html.H1(t("backtest.title"), className="h4"),
            html.P(t("backtest.intro"), className="small text-body-secondary", id=ids.INTRO),
            dcc.Store(id=ids.RUN_ID, storage_type="session"),
            dcc.Interval(id=ids.POLL, interval=POLL_MS, disabled=True),
            dbc.Row(
                [dbc.Col(form_card(lang, prefill_codes(code)), lg=4), dbc.Col(right, lg=8)], className="g-3"
            ),
        ]
    )
