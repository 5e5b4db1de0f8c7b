"""The backtest form: strategy and its parameters, mode, universe, period, data, costs, sizing, fill,
cash; the callbacks that adapt it; and ``form_request``, its values as a run request."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, dcc, html, no_update

from app.backtest import ids
from app.runtime import runtime
from app.text import t
from db.repositories import reports as report_repo
from trading.backtest.spec import DATA_KINDS, EDITABLE, METRICS, MODES
from trading.sectors import SECTORS
from trading.strategies.registry import StrategyInfo, list_strategies

DEFAULT_STRATEGY = "ma_cross"
DEFAULT_CODES = "005930"
PRESETS = {"3M": 91, "6M": 182, "1Y": 365}
HIDDEN = {"display": "none"}
SHOWN: dict[str, str] = {}

# the form's values as the run callback reads them: key → (component id, property)
FIELDS: dict[str, tuple[str, str]] = {
    "mode": (ids.MODE, "value"),
    "metric": (ids.METRIC, "value"),
    "train": (ids.TRAIN, "value"),
    "test": (ids.TEST, "value"),
    "universe": (ids.UNIVERSE, "value"),
    "codes": (ids.CODES, "value"),
    "sector": (ids.SECTOR, "value"),
    "report_date": (ids.REPORT_DATE, "value"),
    "top": (ids.TOP, "value"),
    "start": (ids.DATES, "start_date"),
    "end": (ids.DATES, "end_date"),
    "data": (ids.DATA, "value"),
    "commission": (ids.COMMISSION, "value"),
    "tax": (ids.TAX, "value"),
    "slippage": (ids.SLIPPAGE, "value"),
    "sizing": (ids.SIZING, "value"),
    "sizing_value": (ids.SIZING_VALUE, "value"),
    "fill": (ids.FILL, "value"),
    "cash": (ids.CASH, "value"),
}


def form_states() -> dict[str, Any]:
    """States of the whole form for a callback: ``strategy``, ``param_values`` / ``param_ids`` (the
    parameter inputs) and ``fields`` (FIELDS)."""
    return {
        "strategy": State(ids.STRATEGY, "value"),
        "param_values": State({"type": ids.PARAM, "name": ALL}, "value"),
        "param_ids": State({"type": ids.PARAM, "name": ALL}, "id"),
        "fields": {key: State(component, prop) for key, (component, prop) in FIELDS.items()},
    }


def form_values(strategy: str | None, param_values: list[Any], param_ids: list[dict], fields: dict) -> dict:
    """The form as one dict: ``fields`` plus ``strategy`` and ``params`` {name: text}."""
    params = {i["name"]: v for i, v in zip(param_ids, param_values, strict=True)}
    return {**fields, "strategy": strategy, "params": params}


def form_request(values: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(strategy, raw params, raw config) from the form's values (checked later by parse_spec)."""
    config: dict[str, Any] = {
        "mode": values["mode"],
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
    return values["strategy"] or "", dict(values["params"]), config


# --- pieces ---------------------------------------------------------------------------------------


def strategies() -> dict[str, StrategyInfo]:
    """The strategies by name (built-ins and files in the strategies folder)."""
    return {s.name: s for s in list_strategies()}


def _strategy_options(infos: dict[str, StrategyInfo]) -> list[dict[str, Any]]:
    out = []
    for info in infos.values():
        label = info.name if info.source == "builtin" else f"{info.name} ({info.source.rsplit('/', 1)[-1]})"
        if info.error:
            label += f" — {t('backtest.broken')}"
        out.append({"label": label, "value": info.name, "disabled": bool(info.error)})
    return out


def _default_text(default: Any) -> str:
    if default is None:
        return ""
    return str(default).lower() if isinstance(default, bool) else str(default)


def params_form(info: StrategyInfo | None) -> list:
    """One text input per editable parameter, prefilled with its default."""
    if info is None:
        return []
    fields = [
        dbc.Col(
            [
                dbc.Label(name, html_for=f"{ids.PARAM}-{name}", className="small mb-0"),
                dbc.Input(
                    id={"type": ids.PARAM, "name": name},
                    value=_default_text(default),
                    placeholder=t("backtest.param_none_hint") if default is None else None,
                    size="sm",
                ),
            ],
            xs=6,
        )
        for name, default in info.params.items()
        if isinstance(default, EDITABLE)
    ]
    out: list = (
        [dbc.Row(fields, className="g-2")]
        if fields
        else [html.P(t("backtest.params_none"), className="small mb-0")]
    )
    if "picks" in info.params:
        out.append(
            html.P(
                t("backtest.picks_note"), className="small text-body-secondary mt-1 mb-0", id=ids.PICKS_NOTE
            )
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


def _field(label: str, control: Any) -> html.Div:
    return html.Div([dbc.Label(label, className="small fw-semibold mb-1 d-block"), control], className="mb-2")


def _dropdown(id_: str, options: list[dict[str, Any]], value: Any, **kw: Any) -> dcc.Dropdown:
    return dcc.Dropdown(id=id_, options=options, value=value, clearable=False, **kw)


def period(last: date | None, preset: str) -> tuple[str | None, str | None]:
    """(start, end) ISO dates of a preset ending on ``last`` (the last stored session)."""
    if last is None:
        return None, None
    return (last - timedelta(days=PRESETS[preset] - 1)).isoformat(), last.isoformat()


def _last_session() -> date | None:
    return report_repo.kr_bar_days(runtime().engine)[1]


# --- the card -------------------------------------------------------------------------------------


def form_card(lang: str, codes: str = DEFAULT_CODES) -> dbc.Card:
    """The whole form, with the last year of stored sessions as the period and ``codes`` as the stocks."""
    infos = strategies()
    body = [
        *_strategy_section(infos),
        _field(t("backtest.mode"), _radio(ids.MODE, [(m, t(f"backtest.mode.{m}")) for m in MODES], "single")),
        _optimise_section(),
        *_universe_section(lang, codes),
        *_period_section(),
        _field(
            t("backtest.data"), _radio(ids.DATA, [(k, t(f"backtest.data.{k}")) for k in DATA_KINDS], "daily")
        ),
        _costs_section(),
        _sizing_section(),
        _field(
            t("backtest.fill"),
            _radio(ids.FILL, [(k, t(f"backtest.fill.{k}")) for k in ("next_open", "close")], "next_open"),
        ),
        _field(t("backtest.cash"), dbc.Input(id=ids.CASH, value="100000000", size="sm")),
        dbc.Button(t("backtest.run"), id=ids.RUN, color="primary", className="w-100 mt-2"),
        html.Div(id=ids.ERROR, className="mt-2"),
    ]
    return dbc.Card(dbc.CardBody(body), className="mb-3", id=ids.FORM)


def _strategy_section(infos: dict[str, StrategyInfo]) -> list:
    default = infos.get(DEFAULT_STRATEGY)
    return [
        _field(t("backtest.strategy"), _dropdown(ids.STRATEGY, _strategy_options(infos), DEFAULT_STRATEGY)),
        html.Div(_description(default), id=ids.STRATEGY_DESC, className="small text-body-secondary mb-2"),
        _field(t("backtest.params"), html.Div(params_form(default), id=ids.PARAMS)),
    ]


def _optimise_section() -> html.Div:
    """Grid search / walk-forward settings (shown for those modes)."""
    days = dbc.Row(
        [
            dbc.Col(_field(t("backtest.train_days"), dbc.Input(id=ids.TRAIN, value="180", size="sm")), xs=6),
            dbc.Col(_field(t("backtest.test_days"), dbc.Input(id=ids.TEST, value="60", size="sm")), xs=6),
        ],
        className="g-2",
        id=ids.WF_DAYS,
        style=HIDDEN,
    )
    metrics = [{"label": t(f"backtest.metric.{m}"), "value": m} for m in METRICS]
    return html.Div(
        [
            html.P(t("backtest.param_list_hint"), className="small text-body-secondary mb-1"),
            _field(t("backtest.metric"), _dropdown(ids.METRIC, metrics, "sharpe")),
            days,
        ],
        id=ids.OPTIMISE,
        style=HIDDEN,
    )


def _universe_section(lang: str, codes_value: str) -> list:
    kinds = [(k, t(f"backtest.universe.{k}")) for k in ("codes", "sector", "report", "ranking")]
    sectors = [{"label": s.name_en if lang == "en" else s.name_ko, "value": s.code} for s in SECTORS]
    days = report_repo.report_dates(runtime().engine)
    reports = [{"label": d.isoformat(), "value": d.isoformat()} for d in days]
    codes = dbc.Input(id=ids.CODES, value=codes_value, placeholder=t("backtest.codes_placeholder"), size="sm")
    report = _dropdown(
        ids.REPORT_DATE, reports, days[0].isoformat() if days else None, placeholder=t("backtest.report_none")
    )
    return [
        _field(t("backtest.universe"), _radio(ids.UNIVERSE, kinds, "codes")),
        html.Div(codes, id=ids.CODES_BOX, className="mb-2"),
        html.Div(
            _dropdown(ids.SECTOR, sectors, SECTORS[0].code), id=ids.SECTOR_BOX, className="mb-2", style=HIDDEN
        ),
        html.Div(report, id=ids.REPORT_BOX, className="mb-2", style=HIDDEN),
        html.Div(
            _field(t("backtest.top"), dbc.Input(id=ids.TOP, value="20", size="sm")),
            id=ids.TOP_BOX,
            style=HIDDEN,
        ),
    ]


def _period_section() -> list:
    start, end = period(_last_session(), "1Y")
    presets = [(p, t(f"backtest.preset.{p}")) for p in (*PRESETS, "custom")]
    dates = dcc.DatePickerRange(
        id=ids.DATES, start_date=start, end_date=end, display_format="YYYY-MM-DD", first_day_of_week=1,
        minimum_nights=0, max_date_allowed=end,
    )  # fmt: skip
    return [
        _field(t("backtest.period"), _radio(ids.PRESET, presets, "1Y")),
        html.Div(dates, className="mb-2"),
    ]


def _costs_section() -> dbc.Row:
    tax = dbc.Input(id=ids.TAX, value="", placeholder=t("backtest.tax_placeholder"), size="sm")
    return dbc.Row(
        [
            dbc.Col(
                _field(t("backtest.commission"), dbc.Input(id=ids.COMMISSION, value="0.015", size="sm")), xs=4
            ),
            dbc.Col(_field(t("backtest.tax"), tax), xs=4),
            dbc.Col(_field(t("backtest.slippage"), dbc.Input(id=ids.SLIPPAGE, value="0", size="sm")), xs=4),
        ],
        className="g-2",
    )


def _sizing_section() -> dbc.Row:
    kinds = [{"label": t(f"backtest.sizing.{k}"), "value": k} for k in ("all_in", "fixed", "percent")]
    return dbc.Row(
        [
            dbc.Col(_field(t("backtest.sizing"), _dropdown(ids.SIZING, kinds, "all_in")), xs=7),
            dbc.Col(
                _field("\u00a0", dbc.Input(id=ids.SIZING_VALUE, value="", size="sm", disabled=True)), xs=5
            ),
        ],
        className="g-2",
    )


# --- callbacks ------------------------------------------------------------------------------------


@callback(
    output={"params": Output(ids.PARAMS, "children"), "description": Output(ids.STRATEGY_DESC, "children")},
    inputs={"name": Input(ids.STRATEGY, "value")},
    prevent_initial_call=True,
)
def _strategy_changed(name: str | None) -> dict[str, Any]:
    info = strategies().get(name or "")
    return {"params": params_form(info), "description": _description(info)}


@callback(
    output={"optimise": Output(ids.OPTIMISE, "style"), "wf_days": Output(ids.WF_DAYS, "style")},
    inputs={"mode": Input(ids.MODE, "value")},
)
def _mode_changed(mode: str) -> dict[str, dict]:
    return {
        "optimise": HIDDEN if mode == "single" else SHOWN,
        "wf_days": SHOWN if mode == "walk_forward" else HIDDEN,
    }


@callback(
    output={
        "codes": Output(ids.CODES_BOX, "style"),
        "sector": Output(ids.SECTOR_BOX, "style"),
        "report": Output(ids.REPORT_BOX, "style"),
        "top": Output(ids.TOP_BOX, "style"),
    },
    inputs={"kind": Input(ids.UNIVERSE, "value")},
)
def _universe_changed(kind: str) -> dict[str, dict]:
    return {
        "codes": SHOWN if kind == "codes" else HIDDEN,
        "sector": SHOWN if kind == "sector" else HIDDEN,
        "report": SHOWN if kind == "report" else HIDDEN,
        "top": SHOWN if kind in ("sector", "ranking") else HIDDEN,
    }


@callback(
    output={"start": Output(ids.DATES, "start_date"), "end": Output(ids.DATES, "end_date")},
    inputs={"preset": Input(ids.PRESET, "value")},
    prevent_initial_call=True,
)
def _preset_changed(preset: str) -> dict[str, Any]:
    if preset not in PRESETS:
        return {"start": no_update, "end": no_update}
    start, end = period(_last_session(), preset)
    return {"start": start, "end": end}


@callback(
    output={
        "disabled": Output(ids.SIZING_VALUE, "disabled"),
        "placeholder": Output(ids.SIZING_VALUE, "placeholder"),
    },
    inputs={"kind": Input(ids.SIZING, "value")},
)
def _sizing_changed(kind: str) -> dict[str, Any]:
    placeholders = {"fixed": "10000000", "percent": "20"}
    return {"disabled": kind not in placeholders, "placeholder": placeholders.get(kind, "")}
