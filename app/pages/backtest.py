"""/backtest — run a strategy on stored history, follow its progress, read and compare results.

실행 checks the form (``workers.backtest_jobs.check_request``: Korean message, nothing stored on a
bad input), stores a queued run and hands it to the worker (``workers.backtest_runner``: Celery
in full mode, a background thread in embedded mode). The page keeps the run id in session
storage and polls the run's row with a ``dcc.Interval`` until it ends, so a reload resumes it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from flask_login import current_user

from app.backtest_view import render_comparison, render_run
from app.components.grid import grid_options
from app.i18n import current_lang
from app.runtime import runtime
from app.text_backtest import tb
from db.repositories import backtests as runs_repo
from db.repositories import reports as report_repo
from trading.backtest.spec import DATA_KINDS, EDITABLE, METRICS, MODES, SpecError
from trading.sectors import SECTOR_BY_CODE, SECTORS
from trading.strategies.registry import StrategyInfo, list_strategies
from workers.backtest_jobs import check_request
from workers.backtest_runner import recover_interrupted, start_run

dash.register_page(__name__, path="/backtest", title="GSLTS · 백테스트", order=40, nav_label="nav.backtest")

DEFAULT_STRATEGY = "ma_cross"
DEFAULT_CODES = "005930"
PRESETS = {"3M": 91, "6M": 182, "1Y": 365}
POLL_MS = 700
HISTORY_LIMIT = 50


# --- form pieces ----------------------------------------------------------------------------


def _strategies() -> dict[str, StrategyInfo]:
    return {s.name: s for s in list_strategies()}


def _strategy_options(infos: dict[str, StrategyInfo]) -> list[dict[str, Any]]:
    out = []
    for info in infos.values():
        label = info.name if info.source == "builtin" else f"{info.name} ({info.source.rsplit('/', 1)[-1]})"
        if info.error:
            label += f" — {tb('broken')}"
        out.append({"label": label, "value": info.name, "disabled": bool(info.error)})
    return out


def params_form(info: StrategyInfo | None) -> list:
    """One text input per editable parameter, prefilled with its default."""
    if info is None:
        return []
    fields = []
    for name, default in info.params.items():
        if not isinstance(default, EDITABLE):
            continue
        fields.append(
            dbc.Col(
                [
                    dbc.Label(name, html_for=f"bt-param-{name}", className="small mb-0"),
                    dbc.Input(
                        id={"type": "bt-param", "name": name},
                        value=""
                        if default is None
                        else str(default).lower()
                        if isinstance(default, bool)
                        else str(default),
                        placeholder=tb("param_none_hint") if default is None else None,
                        size="sm",
                    ),
                ],
                xs=6,
            )
        )
    out: list = (
        [dbc.Row(fields, className="g-2")] if fields else [html.P(tb("params_none"), className="small mb-0")]
    )
    if "picks" in info.params:
        out.append(
            html.P(tb("picks_note"), className="small text-body-secondary mt-1 mb-0", id="bt-picks-note")
        )
    return out


def _description(info: StrategyInfo | None) -> str:
    return (info.description or "") if info else ""


def _radio(id_: str, options: list[tuple[str, str]], value: str) -> dbc.RadioItems:
    return dbc.RadioItems(
        id=id_,
        options=[{"label": label, "value": v} for v, label in options],
        value=value,
        inline=True,
        className="btn-group btn-group-sm flex-wrap",
        inputClassName="btn-check",
        labelClassName="btn btn-outline-secondary btn-sm",
        labelCheckedClassName="active",
    )


def _field(label: str, control: Any, id_: str | None = None, style: dict | None = None) -> html.Div:
    kw = {"id": id_} if id_ else {}
    return html.Div(
        [dbc.Label(label, className="small fw-semibold mb-1 d-block"), control],
        className="mb-2",
        style=style,
        **kw,
    )


def _period(last: date | None, preset: str) -> tuple[str | None, str | None]:
    if last is None:
        return None, None
    return (last - timedelta(days=PRESETS[preset] - 1)).isoformat(), last.isoformat()


def _form(lang: str) -> dbc.Card:
    infos = _strategies()
    engine = runtime().engine
    report_days = report_repo.report_dates(engine)
    last = report_repo.kr_bar_days(engine)[1]
    start, end = _period(last, "1Y")
    hidden = {"display": "none"}
    sector_opts = [{"label": s.name_en if lang == "en" else s.name_ko, "value": s.code} for s in SECTORS]
    body = [
        _field(tb("strategy"), dcc.Dropdown(id="bt-strategy", options=_strategy_options(infos), value=DEFAULT_STRATEGY, clearable=False)),
        html.Div(_description(infos.get(DEFAULT_STRATEGY)), id="bt-strategy-desc", className="small text-body-secondary mb-2"),
        _field(tb("params"), html.Div(params_form(infos.get(DEFAULT_STRATEGY)), id="bt-params")),
        _field(tb("mode"), _radio("bt-mode", [(m, tb(f"mode.{m}")) for m in MODES], "single")),
        html.Div(
            [
                html.P(tb("param_list_hint"), className="small text-body-secondary mb-1"),
                _field(tb("metric"), dcc.Dropdown(id="bt-metric", options=[{"label": tb(f"metric.{m}"), "value": m} for m in METRICS], value="sharpe", clearable=False)),
                dbc.Row(
                    [
                        dbc.Col(_field(tb("train_days"), dbc.Input(id="bt-train", value="180", size="sm")), xs=6),
                        dbc.Col(_field(tb("test_days"), dbc.Input(id="bt-test", value="60", size="sm")), xs=6),
                    ],
                    className="g-2",
                    id="bt-wf-days",
                    style=hidden,
                ),
            ],
            id="bt-opt",
            style=hidden,
        ),
        _field(
            tb("universe"),
            _radio("bt-universe", [(k, tb(f"universe.{k}")) for k in ("codes", "sector", "report", "ranking")], "codes"),
        ),
        html.Div(dbc.Input(id="bt-codes", value=DEFAULT_CODES, placeholder=tb("codes_placeholder"), size="sm"), id="bt-u-codes", className="mb-2"),
        html.Div(dcc.Dropdown(id="bt-sector", options=sector_opts, value=SECTORS[0].code, clearable=False), id="bt-u-sector", className="mb-2", style=hidden),
        html.Div(
            dcc.Dropdown(
                id="bt-report-date",
                options=[{"label": d.isoformat(), "value": d.isoformat()} for d in report_days],
                value=report_days[0].isoformat() if report_days else None,
                placeholder=tb("report_none"),
                clearable=False,
            ),
            id="bt-u-report",
            className="mb-2",
            style=hidden,
        ),
        html.Div(_field(tb("top"), dbc.Input(id="bt-top", value="20", size="sm")), id="bt-u-top", style=hidden),
        _field(tb("period"), _radio("bt-preset", [(p, tb(f"preset.{p}")) for p in (*PRESETS, "custom")], "1Y")),
        html.Div(
            dcc.DatePickerRange(
                id="bt-dates", start_date=start, end_date=end, display_format="YYYY-MM-DD", first_day_of_week=1,
                minimum_nights=0, max_date_allowed=end,
            ),
            className="mb-2",
        ),  # fmt: skip
        _field(tb("data"), _radio("bt-data", [(k, tb(f"data.{k}")) for k in DATA_KINDS], "daily")),
        dbc.Row(
            [
                dbc.Col(_field(tb("commission"), dbc.Input(id="bt-commission", value="0.015", size="sm")), xs=4),
                dbc.Col(_field(tb("tax"), dbc.Input(id="bt-tax", value="", placeholder=tb("tax_placeholder"), size="sm")), xs=4),
                dbc.Col(_field(tb("slippage"), dbc.Input(id="bt-slippage", value="0", size="sm")), xs=4),
            ],
            className="g-2",
        ),
        dbc.Row(
            [
                dbc.Col(
                    _field(
                        tb("sizing"),
                        dcc.Dropdown(
                            id="bt-sizing",
                            options=[{"label": tb(f"sizing.{k}"), "value": k} for k in ("all_in", "fixed", "percent")],
                            value="all_in",
                            clearable=False,
                        ),
                    ),
                    xs=7,
                ),
                dbc.Col(_field("\u00a0", dbc.Input(id="bt-sizing-value", value="", size="sm", disabled=True)), xs=5),
            ],
            className="g-2",
        ),
        _field(tb("fill"), _radio("bt-fill", [(k, tb(f"fill.{k}")) for k in ("next_open", "close")], "next_open")),
        _field(tb("cash"), dbc.Input(id="bt-cash", value="100000000", size="sm")),
        dbc.Button(tb("run"), id="bt-run", color="primary", className="w-100 mt-2"),
        html.Div(id="bt-error", className="mt-2"),
    ]  # fmt: skip
    return dbc.Card(dbc.CardBody(body), className="mb-3", id="bt-form")


def _status_panel() -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    html.Span(id="bt-status-line", className="small me-auto"),
                    dbc.Button(
                        tb("cancel"),
                        id="bt-cancel",
                        size="sm",
                        color="secondary",
                        outline=True,
                        disabled=True,
                    ),
                ],
                className="d-flex align-items-center gap-2 mb-1",
            ),
            dbc.Progress(id="bt-progress", value=0, label="", striped=True, style={"height": "1.2rem"}),
            html.Div(id="bt-cancel-msg", className="small text-body-secondary"),
        ],
        id="bt-status",
        className="mb-3",
    )


def _history_panel() -> dbc.Card:
    num = {"type": "rightAligned", "cellClass": "num"}
    updown = {"text-up": "params.value > 0", "text-down": "params.value < 0"}
    cols = [
        {"field": "id", "headerName": tb("col.id"), "width": 80, "sort": "desc", **num},
        {"field": "created", "headerName": tb("col.created"), "width": 140},
        {"field": "name", "headerName": tb("col.name"), "flex": 2, "minWidth": 200},
        {"field": "status", "headerName": tb("col.status"), "width": 90},
        {"field": "total_return", "headerName": tb("col.total_return"), "width": 100, "cellClassRules": updown,
         "valueFormatter": {"function": "GSLTS.pct(params.value)"}, **num},
        {"field": "mdd", "headerName": tb("col.mdd"), "width": 100, "cellClassRules": updown,
         "valueFormatter": {"function": "GSLTS.pct(params.value)"}, **num},
        {"field": "trades", "headerName": tb("col.trades"), "width": 80, **num},
    ]  # fmt: skip
    return dbc.Card(
        [
            dbc.CardHeader(
                html.Div(
                    [
                        html.Span(tb("history"), className="me-2"),
                        html.Span(tb("history_hint"), className="small text-body-secondary me-auto"),
                        dbc.Button(tb("delete"), id="bt-delete", size="sm", color="secondary", outline=True),
                    ],
                    className="d-flex align-items-center flex-wrap gap-2",
                )
            ),
            dbc.CardBody(
                [
                    html.Div(id="bt-delete-msg", className="small text-body-secondary"),
                    dag.AgGrid(
                        id="bt-runs",
                        rowData=history_rows(current_lang()),
                        columnDefs=cols,
                        getRowId="params.data.id",
                        defaultColDef={"sortable": True, "resizable": True},
                        dashGridOptions=grid_options(
                            animateRows=False,
                            rowSelection={"mode": "multiRow", "checkboxes": True, "headerCheckbox": False, "enableClickSelection": True},
                        ),
                        selectedRows=[],
                        style={"height": "300px"},
                        className="ag-theme-alpine",
                    ),
                    html.Div(id="bt-compare", className="mt-3"),
                ]
            ),
        ],
        className="mt-3",
    )  # fmt: skip


def history_rows(lang: str) -> list[dict[str, Any]]:
    """The past-runs table rows, newest first."""
    rows = []
    for r in runs_repo.list_runs(runtime().engine, limit=HISTORY_LIMIT):
        stats = r.stats or {}
        rows.append(
            {
                "id": str(r.id),
                "created": r.created_at.strftime("%Y-%m-%d %H:%M"),
                "name": r.name or r.strategy,
                "status": tb(f"status.{r.status}", lang),
                "total_return": stats.get("total_return_pct"),
                "mdd": stats.get("max_drawdown_pct"),
                "trades": stats.get("trades"),
            }
        )
    return rows


def layout(**_query: str) -> html.Div:
    rt = runtime()
    recover_interrupted(rt.engine, rt.settings)
    lang = current_lang()
    return html.Div(
        [
            html.H1(tb("title"), className="h4"),
            html.P(tb("intro"), className="small text-body-secondary", id="bt-intro"),
            dcc.Store(id="bt-run-id", storage_type="session"),
            dcc.Interval(id="bt-interval", interval=POLL_MS, disabled=True),
            dbc.Row(
                [
                    dbc.Col(_form(lang), lg=4),
                    dbc.Col(
                        [_status_panel(), html.Div(render_run(None, lang), id="bt-result"), _history_panel()],
                        lg=8,
                    ),
                ],
                className="g-3",
            ),
        ]
    )


# --- form callbacks -------------------------------------------------------------------------


@callback(
    Output("bt-params", "children"),
    Output("bt-strategy-desc", "children"),
    Input("bt-strategy", "value"),
    prevent_initial_call=True,
)
def _strategy_changed(name: str | None) -> tuple[list, str]:
    info = _strategies().get(name or "")
    return params_form(info), _description(info)


@callback(
    Output("bt-opt", "style"),
    Output("bt-wf-days", "style"),
    Input("bt-mode", "value"),
)
def _mode_changed(mode: str) -> tuple[dict, dict]:
    hidden = {"display": "none"}
    return (hidden if mode == "single" else {}), ({} if mode == "walk_forward" else hidden)


@callback(
    Output("bt-u-codes", "style"),
    Output("bt-u-sector", "style"),
    Output("bt-u-report", "style"),
    Output("bt-u-top", "style"),
    Input("bt-universe", "value"),
)
def _universe_changed(kind: str) -> tuple[dict, ...]:
    hidden: dict = {"display": "none"}
    return (
        {} if kind == "codes" else hidden,
        {} if kind == "sector" else hidden,
        {} if kind == "report" else hidden,
        {} if kind in ("sector", "ranking") else hidden,
    )


@callback(
    Output("bt-dates", "start_date"),
    Output("bt-dates", "end_date"),
    Input("bt-preset", "value"),
    prevent_initial_call=True,
)
def _preset_changed(preset: str) -> tuple:
    if preset not in PRESETS:
        return no_update, no_update
    return _period(report_repo.kr_bar_days(runtime().engine)[1], preset)


@callback(
    Output("bt-sizing-value", "disabled"),
    Output("bt-sizing-value", "placeholder"),
    Input("bt-sizing", "value"),
)
def _sizing_changed(kind: str) -> tuple[bool, str]:
    if kind == "fixed":
        return False, "10000000"
    if kind == "percent":
        return False, "20"
    return True, ""


# --- run, select, poll ----------------------------------------------------------------------


def _universe_label(config: dict[str, Any]) -> str:
    u = config["universe"]
    if u["kind"] == "codes":
        codes = u["codes"]
        return ",".join(codes[:3]) + (f" +{len(codes) - 3}" if len(codes) > 3 else "")
    if u["kind"] == "sector":
        return f"{SECTOR_BY_CODE[u['sector']].name_ko} TOP{u['top']}"
    if u["kind"] == "report":
        return f"report {u['date']}"
    return f"TOP{u['top']}"


def run_name(strategy: str, params: dict[str, Any], config: dict[str, Any]) -> str:
    """A short label: strategy, parameters (or the grid), universe, period."""
    shown = {**params, **{k: "|".join(map(str, v)) for k, v in config.get("grid", {}).items()}}
    ps = " ".join(f"{k}={v}" for k, v in shown.items() if v is not None and not isinstance(v, dict))
    mode = "" if config["mode"] == "single" else f" [{config['mode']}]"
    return f"{strategy}{mode} {ps} · {_universe_label(config)} · {config['start']}~{config['end']}"[:100]


def form_request(values: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(strategy, raw params, raw config) from the form's values (checked later by parse_spec)."""
    mode = values["mode"]
    raw_params = dict(values["params"])
    config: dict[str, Any] = {
        "mode": mode,
        "universe": {
            "kind": values["universe"],
            "codes": values["codes"] or "",
            "sector": values["sector"],
            "date": values["report_date"],
            "top": values["top"],
        },
        "start": values["start"],
        "end": values["end"],
        "data": values["data"],
        "commission_pct": values["commission"],
        "tax_pct": values["tax"],
        "slippage_ticks": values["slippage"],
        "sizing": {"kind": values["sizing"], "value": values["sizing_value"]},
        "fill": values["fill"],
        "cash": values["cash"],
        "metric": values["metric"],
        "train_days": values["train"],
        "test_days": values["test"],
    }
    return values["strategy"] or "", raw_params, config


def submit(values: dict[str, Any], user: str | None) -> tuple[int | None, str | None]:
    """Check the form and start a run: (run id, None), or (None, the message in the page language)."""
    strategy, raw_params, raw_config = form_request(values)
    rt = runtime()
    try:
        spec, _inputs = check_request(rt.engine, strategy, raw_params, raw_config)
    except SpecError as err:
        return None, err.text(current_lang())
    params, config = spec.params_json(), spec.config_json()
    run_id = runs_repo.create_run(
        rt.engine, spec.strategy, params, config, user=user, name=run_name(spec.strategy, params, config)
    )
    try:
        start_run(rt.engine, rt.settings, run_id)
    except Exception as err:  # noqa: BLE001 - e.g. Redis unreachable in full mode: say so, keep no live run
        runs_repo.fail_run(rt.engine, run_id, f"could not start the run: {err}")
        return None, tb("start_failed", error=str(err))
    return run_id, None


def _username() -> str | None:
    return current_user.username if getattr(current_user, "is_authenticated", False) else None


FORM_STATES: dict[str, tuple[str, str]] = {
    "mode": ("bt-mode", "value"),
    "metric": ("bt-metric", "value"),
    "train": ("bt-train", "value"),
    "test": ("bt-test", "value"),
    "universe": ("bt-universe", "value"),
    "codes": ("bt-codes", "value"),
    "sector": ("bt-sector", "value"),
    "report_date": ("bt-report-date", "value"),
    "top": ("bt-top", "value"),
    "start": ("bt-dates", "start_date"),
    "end": ("bt-dates", "end_date"),
    "data": ("bt-data", "value"),
    "commission": ("bt-commission", "value"),
    "tax": ("bt-tax", "value"),
    "slippage": ("bt-slippage", "value"),
    "sizing": ("bt-sizing", "value"),
    "sizing_value": ("bt-sizing-value", "value"),
    "fill": ("bt-fill", "value"),
    "cash": ("bt-cash", "value"),
}


@callback(
    Output("bt-run-id", "data"),
    Output("bt-error", "children"),
    Output("bt-compare", "children"),
    Output("bt-runs", "selectedRows"),
    Input("bt-run", "n_clicks"),
    Input("bt-runs", "selectedRows"),
    State("bt-run-id", "data"),
    State("bt-strategy", "value"),
    State({"type": "bt-param", "name": ALL}, "value"),
    State({"type": "bt-param", "name": ALL}, "id"),
    *[State(component, prop) for component, prop in FORM_STATES.values()],
    prevent_initial_call=True,
)
def _run_or_select(
    _clicks: int | None,
    selected: list[dict] | None,
    current: int | None,
    strategy: str | None,
    param_values: list[Any],
    param_ids: list[dict[str, str]],
    *fields: Any,
) -> tuple:
    """실행 → check and start a run; a selection in the history → show one run or compare several."""
    lang = current_lang()
    if ctx.triggered_id == "bt-runs":
        chosen = [int(r["id"]) for r in selected or []]
        if len(chosen) >= 2:
            return (
                no_update,
                no_update,
                render_comparison(runs_repo.get_runs(runtime().engine, chosen), lang),
                no_update,
            )
        if len(chosen) == 1 and chosen[0] != current:
            return chosen[0], no_update, [], no_update
        return no_update, no_update, [], no_update
    values = dict(zip(FORM_STATES, fields, strict=True))
    values["strategy"] = strategy
    values["params"] = {i["name"]: v for i, v in zip(param_ids, param_values, strict=True)}
    run_id, error = submit(values, _username())
    if error:
        return (
            no_update,
            dbc.Alert(error, color="danger", className="py-2 small", id="bt-error-msg"),
            no_update,
            no_update,
        )
    note = html.Div(tb("started", lang, id=run_id), className="small text-body-secondary", id="bt-started")
    return run_id, note, [], []


@callback(
    Output("bt-progress", "value"),
    Output("bt-progress", "label"),
    Output("bt-progress", "animated"),
    Output("bt-status-line", "children"),
    Output("bt-cancel", "disabled"),
    Output("bt-interval", "disabled"),
    Output("bt-result", "children"),
    Output("bt-runs", "rowData"),
    Input("bt-interval", "n_intervals"),
    Input("bt-run-id", "data"),
)
def _poll(_n: int | None, run_id: int | None) -> tuple:
    lang = current_lang()
    run = runs_repo.get_run(runtime().engine, int(run_id), with_result=False) if run_id else None
    if run is None:
        return 0, "", False, "", True, True, render_run(None, lang), history_rows(lang)
    pct_done = round(run.progress * 100)
    status = tb(
        "status_line", lang, id=run.id, name=run.name or run.strategy, status=tb(f"status.{run.status}", lang)
    )
    first = ctx.triggered_id == "bt-run-id"
    if run.active:
        result = [] if first else no_update
        rows = history_rows(lang) if first else no_update
        return pct_done, f"{pct_done}%", True, status, run.status == "cancelling", False, result, rows
    full = runs_repo.get_run(runtime().engine, run.id)
    return pct_done, f"{pct_done}%", False, status, True, True, render_run(full, lang), history_rows(lang)


@callback(
    Output("bt-cancel-msg", "children"),
    Input("bt-cancel", "n_clicks"),
    State("bt-run-id", "data"),
    prevent_initial_call=True,
)
def _cancel(_n: int | None, run_id: int | None) -> str:
    if not run_id:
        return ""
    return tb("cancel_sent") if runs_repo.request_cancel(runtime().engine, int(run_id)) else ""


@callback(
    Output("bt-runs", "rowData", allow_duplicate=True),
    Output("bt-delete-msg", "children"),
    Input("bt-delete", "n_clicks"),
    State("bt-runs", "selectedRows"),
    prevent_initial_call=True,
)
def _delete(_n: int | None, selected: list[dict] | None) -> tuple:
    ids = [int(r["id"]) for r in selected or []]
    n = runs_repo.delete_runs(runtime().engine, ids)
    return history_rows(current_lang()), tb("deleted", n=n)
