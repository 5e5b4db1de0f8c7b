"""/screen — a stock screen over the daily bars of the whole market (issue 15, item 5).

The form's values become a screen dict and ``services.screens`` runs it on the cached daily-bar panel
(``app/components/screen_form.py``). A bad field shows its Korean (or English) message under it. Results are
by 거래대금, largest first; a row click opens ``/trade/<code>``.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, dcc, html

from app.components.grid import grid_options
from app.components.screen_form import DEFAULTS, FIELDS, run_form
from app.components.style import grid_direction_rules
from app.i18n import current_lang
from app.text import t
from trading.sectors import SECTORS

dash.register_page(__name__, path="/screen", title="GSLTS · 스크리너", order=15, nav_label="screen.nav")


def _columns() -> list[dict]:
    updown = grid_direction_rules("params.data.change_pct")
    num = {"type": "rightAligned", "cellClass": "num"}
    return [
        {"field": "label", "headerName": t("col.name_code"), "flex": 2, "minWidth": 170},
        {
            "field": "close",
            "headerName": t("screen.col_close"),
            "cellClassRules": updown,
            "width": 110,
            "valueFormatter": {"function": "GSLTS.int(params.value)"},
            **num,
        },  # fmt: skip
        {
            "field": "change_pct",
            "headerName": t("col.change_pct"),
            "cellClassRules": updown,
            "width": 100,
            "valueFormatter": {"function": "GSLTS.pct(params.value)"},
            **num,
        },  # fmt: skip
        {
            "field": "value",
            "headerName": t("col.value"),
            "width": 120,
            "valueFormatter": {"function": "params.data.value_text"},
            **num,
        },  # fmt: skip
        {"field": "value_rank", "headerName": t("screen.col_rank"), "width": 130, **num},
        {
            "field": "rsi",
            "headerName": t("screen.col_rsi"),
            "width": 90,
            "valueFormatter": {"function": "params.value == null ? '' : params.value.toFixed(1)"},
            **num,
        },  # fmt: skip
        {"field": "macd_cross_day", "headerName": t("screen.col_macd"), "width": 120},
        {"field": "ma_cross_day", "headerName": t("screen.col_ma"), "width": 120},
        {"field": "market", "headerName": t("col.market"), "width": 100},
        {"field": "sector", "headerName": t("col.sector"), "flex": 1, "minWidth": 110},
    ]


def _error(cid: str) -> html.Div:
    return html.Div(id=f"{cid}-error", className="small text-danger screen-error")


def _number(cid: str, label: str, width: int = 2) -> dbc.Col:
    return dbc.Col(
        [
            dbc.Label(t(label), html_for=cid, className="small mb-0"),
            dbc.Input(id=cid, type="number", value=DEFAULTS.get(cid), size="sm"),
            _error(cid),
        ],  # fmt: skip
        xs=6,
        md=width,
    )


def _choice(cid: str, label: str, options: list[dict], width: int = 3, **kw: Any) -> dbc.Col:
    return dbc.Col(
        [
            dbc.Label(t(label), html_for=cid, className="small mb-0"),
            dcc.Dropdown(id=cid, options=options, **kw),
            _error(cid),
        ],  # fmt: skip
        xs=12,
        md=width,
    )


def _cross_options() -> list[dict]:
    return [{"label": t("screen.none"), "value": ""}, {"label": t("screen.golden"), "value": "golden"},
            {"label": t("screen.dead"), "value": "dead"}]  # fmt: skip


def _form(lang: str) -> html.Div:
    sectors = [{"label": s.name_en if lang == "en" else s.name_ko, "value": s.code} for s in SECTORS]
    us = [{"label": t("screen.none"), "value": ""}, {"label": t("screen.us_up"), "value": "up"},
          {"label": t("screen.us_down"), "value": "down"}]  # fmt: skip
    markets = [{"label": m, "value": m} for m in ("KOSPI", "KOSDAQ")]
    return html.Div(
        [
            html.H2(t("screen.rsi"), className="h6 mt-2"),
            dbc.Row(
                [
                    _number("screen-rsi-period", "screen.rsi_period"),
                    _number("screen-rsi-min", "screen.rsi_min"),
                    _number("screen-rsi-max", "screen.rsi_max"),
                ],
                className="g-2",
            ),  # fmt: skip
            html.H2(t("screen.macd"), className="h6 mt-2"),
            dbc.Row(
                [
                    _choice(
                        "screen-macd",
                        "screen.macd",
                        _cross_options(),
                        value="",
                        clearable=False,
                        searchable=False,
                    ),
                    _number("screen-macd-within", "screen.within"),
                    _number("screen-macd-fast", "screen.fast"),
                    _number("screen-macd-slow", "screen.slow"),
                    _number("screen-macd-signal", "screen.signal", 1),
                ],
                className="g-2",
            ),  # fmt: skip
            html.H2(t("screen.ma"), className="h6 mt-2"),
            dbc.Row(
                [
                    _choice(
                        "screen-ma",
                        "screen.ma",
                        _cross_options(),
                        value="",
                        clearable=False,
                        searchable=False,
                    ),
                    _number("screen-ma-within", "screen.within"),
                    _number("screen-ma-fast", "screen.fast"),
                    _number("screen-ma-slow", "screen.slow"),
                ],
                className="g-2",
            ),  # fmt: skip
            dbc.Row(
                [
                    _number("screen-rank", "screen.rank"),
                    _number("screen-price-min", "screen.price_min"),
                    _number("screen-price-max", "screen.price_max"),
                    _number("screen-limit", "screen.limit"),
                ],
                className="g-2 mt-1",
            ),  # fmt: skip
            dbc.Row(
                [
                    _choice("screen-sectors", "screen.sectors", sectors, 5, value=[], multi=True),
                    _choice("screen-markets", "screen.markets", markets, 3, value=[], multi=True),
                    _choice("screen-us", "screen.us", us, 4, value="", clearable=False, searchable=False),
                ],
                className="g-2 mt-1",
            ),  # fmt: skip
            html.Div(
                [
                    dbc.Button(t("screen.run"), id="screen-run", color="primary", size="sm"),
                    html.Span(
                        t("screen.hint"), id="screen-status", className="small text-body-secondary ms-3"
                    ),
                ],
                className="d-flex align-items-center mt-2 mb-2",
            ),  # fmt: skip
        ],
        id="screen-form",
    )


def layout(**_query: str) -> html.Div:
    lang = current_lang()
    return html.Div(
        [
            html.H1(t("screen.title"), className="h4"),
            html.P(t("screen.intro"), className="text-body-secondary small mb-2"),
            _form(lang),
            html.Div(id="screen-alert"),
            dag.AgGrid(
                id="screen-grid",
                rowData=[],
                getRowId="params.data.code",
                columnDefs=_columns(),
                defaultColDef={"sortable": True, "resizable": True, "suppressMovable": True},
                dashGridOptions=grid_options(animateRows=False, suppressCellFocus=True),
                style={"height": "60vh"},
                className="ag-theme-alpine screen-grid",
            ),
        ],
        id="screen-page",
    )


@callback(
    output={
        "rows": Output("screen-grid", "rowData"),
        "status": Output("screen-status", "children"),
        "alert": Output("screen-alert", "children"),
        "errors": {cid: Output(f"{cid}-error", "children") for cid in FIELDS.values()},
    },
    inputs={"_n": Input("screen-run", "n_clicks")},
    state={"values": {cid: State(cid, "value") for cid in FIELDS.values()}},
    prevent_initial_call=True,
)
def _run(_n: int | None, values: dict[str, Any]) -> dict[str, Any]:
    return run_form(values, current_lang())


clientside_callback(
    """function (cell) {
        if (!cell || !cell.rowId) { return window.dash_clientside.no_update; }
        return "/trade/" + cell.rowId;
    }""",
    Output("url", "pathname", allow_duplicate=True),
    Input("screen-grid", "cellClicked"),
    prevent_initial_call=True,
)
