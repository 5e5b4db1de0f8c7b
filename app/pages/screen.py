"""/screen — a stock screen over the daily bars of the whole market (issue 15, item 5).

The form's values become a screen dict (``trading.screen.spec``); ``services.screens`` runs it on
the cached daily-bar panel. A bad field shows its Korean (or English) message under it. Results are
by 거래대금, largest first; a row click opens ``/trade/<code>``.
"""

from __future__ import annotations

import time
from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, dcc, html

from app.components.data import sector_name
from app.components.grid import grid_options
from app.components.style import grid_direction_rules
from app.i18n import current_lang
from app.runtime import runtime
from app.text import t
from trading.krx.fmt import amount_en, amount_kr
from trading.screen.spec import ScreenError
from trading.sectors import SECTORS

dash.register_page(__name__, path="/screen", title="GSLTS · 스크리너", order=15, nav_label="screen.nav")

# error key of trading.screen.spec → the form field (component id) it belongs to
FIELDS: dict[str, str] = {
    "rsi.period": "screen-rsi-period",
    "rsi.min": "screen-rsi-min",
    "rsi.max": "screen-rsi-max",
    "macd_cross.direction": "screen-macd",
    "macd_cross.within": "screen-macd-within",
    "macd_cross.fast": "screen-macd-fast",
    "macd_cross.slow": "screen-macd-slow",
    "macd_cross.signal": "screen-macd-signal",
    "ma_cross.direction": "screen-ma",
    "ma_cross.within": "screen-ma-within",
    "ma_cross.fast": "screen-ma-fast",
    "ma_cross.slow": "screen-ma-slow",
    "value_rank_max": "screen-rank",
    "sectors": "screen-sectors",
    "markets": "screen-markets",
    "price_min": "screen-price-min",
    "price_max": "screen-price-max",
    "us_linked": "screen-us",
    "limit": "screen-limit",
}
DEFAULTS = {"screen-rsi-period": 14, "screen-macd-within": 3, "screen-macd-fast": 12, "screen-macd-slow": 26,
            "screen-macd-signal": 9, "screen-ma-within": 3, "screen-ma-fast": 5, "screen-ma-slow": 20,
            "screen-limit": 50}  # fmt: skip


def spec_from_form(v: dict[str, Any]) -> dict[str, Any]:
    """The screen dict of the form's values (by component id); empty criteria are left out."""
    spec: dict[str, Any] = {}
    if v.get("screen-rsi-min") is not None or v.get("screen-rsi-max") is not None:
        spec["rsi"] = {"period": v.get("screen-rsi-period"), "min": v.get("screen-rsi-min"),
                       "max": v.get("screen-rsi-max")}  # fmt: skip
    if v.get("screen-macd"):
        spec["macd_cross"] = {"direction": v["screen-macd"], "within": v.get("screen-macd-within"),
                              "fast": v.get("screen-macd-fast"), "slow": v.get("screen-macd-slow"),
                              "signal": v.get("screen-macd-signal")}  # fmt: skip
    if v.get("screen-ma"):
        spec["ma_cross"] = {"direction": v["screen-ma"], "within": v.get("screen-ma-within"),
                            "fast": v.get("screen-ma-fast"), "slow": v.get("screen-ma-slow")}  # fmt: skip
    for key in ("value_rank_max", "price_min", "price_max", "us_linked", "limit", "sectors", "markets"):
        value = v.get(FIELDS[key])
        if value not in (None, "", []):
            spec[key] = value
    return spec


def rows_for(hits: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Grid rows from hit dicts (``ScreenHit.to_dict``)."""
    fmt = amount_en if lang == "en" else amount_kr
    return [
        {
            "code": h["code"],
            "label": f"{h['name_en'] if lang == 'en' else h['name']} ({h['code']})",
            "market": h["market"],
            "sector": sector_name(h["sector"], lang),
            "close": h["close"],
            "change_pct": h["change_pct"],
            "value": h["value"],
            "value_text": fmt(h["value"]),
            "value_rank": h["value_rank"],
            "rsi": h["matched"].get("rsi"),
            "macd_cross_day": h["matched"].get("macd_cross_day"),
            "ma_cross_day": h["matched"].get("ma_cross_day"),
        }
        for h in hits
    ]


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


def run_form(values: dict[str, Any], lang: str) -> dict[str, Any]:
    """Everything the page shows after a run: rows, status, an alert and one error text per field."""
    from services.screens import run

    errors = {cid: "" for cid in FIELDS.values()}
    out: dict[str, Any] = {"rows": [], "status": "", "alert": None, "errors": errors}
    started = time.perf_counter()
    try:
        result = run(runtime().engine, spec_from_form(values))
    except ScreenError as err:
        other = []
        for key, (ko, en) in err.errors.items():
            msg = en if lang == "en" else ko
            if key in FIELDS:
                errors[FIELDS[key]] = msg
            else:
                other.append(f"{key}: {msg}")
        if other:
            out["alert"] = dbc.Alert(
                t("screen.invalid", lang, err="; ".join(other)), color="danger", className="small"
            )
        return out
    except Exception as err:  # noqa: BLE001 - shown on the page
        out["alert"] = dbc.Alert(t("screen.failed", lang, err=err), color="warning", className="small")
        return out
    ms = round((time.perf_counter() - started) * 1000)
    data = result.to_dict()
    out["rows"] = rows_for(data["hits"], lang)
    if result.as_of is None:
        out["status"] = t("screen.no_bars", lang)
        return out
    out["status"] = t("screen.count", lang, n=len(out["rows"]), day=data["as_of"], total=result.stocks, ms=ms)
    if result.spec.us_linked is not None:
        if result.report_day is None:
            out["alert"] = dbc.Alert(
                t("screen.no_report", lang), color="warning", className="small", id="screen-no-report"
            )
        else:
            names = ", ".join(sector_name(c, lang) for c in result.us_sectors) or "-"
            out["alert"] = dbc.Alert(t("screen.us_used", lang, day=data["report_day"], sectors=names), color="info",
                                     className="small")  # fmt: skip
    return out


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
