"""Rendering of stored backtest runs for /backtest: the plain sentence, stat cards, charts, trade
table, grid-search heatmap, walk-forward windows and the side-by-side comparison.

Red = up/positive, blue = down/negative (the ``text-up`` / ``text-down`` classes; the same
colours in the charts). Amounts are integer won.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from app.components.grid import grid_options
from app.text_backtest import tb
from db.repositories.backtests import RunRow
from trading.backtest import heatmap
from trading.krx.fmt import pct, won

UP, DOWN, FLAT = "#d7263d", "#1565c0", "#868e96"
STRATEGY_COLOUR = "#7048e8"
DIVERGING = [[0.0, DOWN], [0.5, "#f8f9fa"], [1.0, UP]]
COMPARE_COLOURS = ("#7048e8", "#f08c00", "#2b8a3e", "#d6336c", "#1098ad", "#5c940d", "#862e9c", "#495057")


def signed_cls(x: float | None) -> str:
    if x is None:
        return ""
    return "text-up" if x > 0 else "text-down" if x < 0 else "text-flat"


def won_words(amount: int, lang: str) -> str:
    """Readable money: "1억 2,345만원" / "KRW 123,450,000" (Korean drops the part below 만원)."""
    if lang == "en":
        return f"KRW {amount:,}"
    sign, a = ("-" if amount < 0 else ""), abs(int(amount))
    eok, man = divmod(a // 10_000, 10_000)
    if eok and man:
        return f"{sign}{eok:,}억 {man:,}만원"
    if eok:
        return f"{sign}{eok:,}억원"
    if man:
        return f"{sign}{man:,}만원"
    return f"{sign}{a:,}원"


def period_label(start: date, end: date, lang: str) -> str:
    """ "1년", "6개월", "45일" for the span from ``start`` to ``end``."""
    days = (end - start).days + 1
    months = round(days / 30.44)
    if months >= 12 and months % 12 in (0, 1, 11):
        unit, n = "years", round(months / 12)
    elif months >= 1:
        unit, n = "months", months
    else:
        unit, n = "days", days
    return tb(unit, lang, n=n, s="" if n == 1 else "s")


def _pct_or_dash(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else pct(x, digits)


def sentence(run: RunRow, lang: str) -> html.P:
    """The plain-language summary for beginners."""
    stats, info = run.stats or {}, (run.result or {}).get("run", {})
    start, end = date.fromisoformat(info["start"]), date.fromisoformat(info["end"])
    ret, mdd = stats.get("total_return_pct"), stats.get("max_drawdown_pct")
    parts: list[Any] = []
    text = tb(
        "sentence", lang, label=period_label(start, end, lang), start=start, end=end, ret="{ret}", mdd="{mdd}"
    )
    head, _, rest = text.partition("{ret}")
    mid, _, tail = rest.partition("{mdd}")
    parts += [
        head,
        html.B(_pct_or_dash(ret, 1), className=signed_cls(ret)),
        mid,
        html.B(_pct_or_dash(mdd, 1), className=signed_cls(mdd)),
        tail,
    ]
    bench = stats.get("benchmark_return_pct")
    if bench is not None:
        b_head, _, b_tail = tb("sentence_bench", lang, bench="{b}").partition("{b}")
        parts += [" ", b_head, html.B(pct(bench, 1), className=signed_cls(bench)), b_tail]
    final = stats.get("final_equity")
    if final is not None:
        cash = int(info.get("cash") or stats.get("start_value") or 0)
        parts += [
            " ",
            tb(
                "sentence_money",
                lang,
                cash=won_words(cash, lang),
                final=won_words(int(round(final)), lang),
                n=int(stats.get("trades") or 0),
            ),
        ]
    if info.get("mode") == "walk_forward":
        parts += [" ", tb("sentence_wf", lang)]
    return html.P(parts, id="bt-sentence", className="lead fs-6 mb-3")


def _card(key: str, value: str, cls: str = "") -> dbc.Col:
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.Div(tb(f"stat.{key}"), className="small text-body-secondary"),
                    html.Div(value, className=f"fs-5 fw-semibold num text-start {cls}", id=f"bt-stat-{key}"),
                ],
                className="p-2",
            )
        ),
        xs=6,
        md=4,
        xl=3,
    )


def stat_cards(stats: dict[str, Any], walk_forward: bool = False) -> dbc.Row:
    """Key statistics as cards (percentages red/blue by sign)."""
    cards = []
    for key in ("total_return_pct", "cagr_pct", "max_drawdown_pct", "benchmark_return_pct"):
        x = stats.get(key)
        cards.append(_card(key, _pct_or_dash(x), signed_cls(x)))
    sharpe = stats.get("sharpe")
    cards.append(_card("sharpe", "-" if sharpe is None else f"{sharpe:.2f}"))
    win = stats.get("win_rate_pct")
    if not walk_forward:
        cards.append(_card("win_rate_pct", "-" if win is None else f"{win:.1f}%"))
    cards.append(_card("trades", f"{int(stats.get('trades') or 0):,}"))
    final = stats.get("final_equity")
    cards.append(_card("final_equity", "-" if final is None else won(int(round(final)))))
    if walk_forward:
        eff = stats.get("efficiency")
        cards.append(_card("efficiency", "-" if eff is None else f"{eff:.2f}"))
    else:
        costs = int(round((stats.get("commission_total") or 0) + (stats.get("tax_total") or 0)))
        cards.append(_card("costs", won(costs)))
    return dbc.Row(cards, className="g-2 mb-3", id="bt-stats")


def _layout(fig: go.Figure, height: int = 300) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 8, "r": 8, "t": 30, "b": 8},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        legend={"orientation": "h", "y": 1.1, "x": 0},
        hovermode="x unified",
        font={"size": 11},
    )
    return fig


def _xy(points: list[list[Any]]) -> tuple[list[str], list[float]]:
    return [p[0] for p in points], [p[1] for p in points]


def equity_figure(result: dict[str, Any], lang: str) -> go.Figure:
    fig = go.Figure()
    x, y = _xy(result.get("equity") or [])
    fig.add_trace(
        go.Scatter(x=x, y=y, name=tb("chart.strategy", lang), line={"color": STRATEGY_COLOUR, "width": 2})
    )
    bx, by = _xy((result.get("benchmark") or {}).get("equity") or [])
    if bx:
        fig.add_trace(
            go.Scatter(
                x=bx,
                y=by,
                name=tb("chart.benchmark", lang),
                line={"color": FLAT, "width": 1.5, "dash": "dot"},
            )
        )
    fig.update_yaxes(tickformat=",d", ticksuffix="원" if lang == "ko" else "")
    fig.update_layout(title={"text": tb("chart.equity", lang), "font": {"size": 13}})
    return _layout(fig)


def drawdown_figure(result: dict[str, Any], lang: str) -> go.Figure:
    x, y = _xy(result.get("drawdown") or [])
    fig = go.Figure(
        go.Scatter(
            x=x, y=y, fill="tozeroy", line={"color": DOWN, "width": 1}, name=tb("chart.drawdown", lang)
        )
    )
    fig.update_yaxes(ticksuffix="%")
    fig.update_layout(title={"text": tb("chart.drawdown", lang), "font": {"size": 13}}, showlegend=False)
    return _layout(fig, 220)


def monthly_figure(monthly: dict[str, dict[str, float]], lang: str) -> go.Figure:
    years = sorted(monthly)
    z = [[monthly[y].get(str(m)) for m in range(1, 13)] for y in years]
    text = [["" if v is None else f"{v:+.1f}" for v in row] for row in z]
    months = [f"{m}월" if lang == "ko" else pd.Timestamp(2000, m, 1).strftime("%b") for m in range(1, 13)]
    fig = go.Figure(
        go.Heatmap(
            z=z, x=months, y=years, text=text, texttemplate="%{text}", colorscale=DIVERGING, zmid=0,
            hovertemplate="%{y} %{x}: %{z:.2f}%<extra></extra>", showscale=False,
        )
    )  # fmt: skip
    fig.update_yaxes(type="category", autorange="reversed")
    fig.update_layout(title={"text": tb("chart.monthly", lang), "font": {"size": 13}}, hovermode="closest")
    return _layout(fig, 120 + 40 * len(years))


def grid_section(grid: dict[str, Any], lang: str) -> html.Div:
    """The grid-search table as a heatmap (two parameters) or bars (one)."""
    table = pd.DataFrame(grid["rows"])
    names, metric = grid["params"], grid["metric"]
    title = tb("chart.grid", lang, metric=tb(f"metric.{metric}", lang))
    if len(names) >= 2:
        pivot = heatmap(table, x=names[0], y=names[1])
        fig = go.Figure(
            go.Heatmap(
                z=pivot.to_numpy(), x=[str(c) for c in pivot.columns], y=[str(i) for i in pivot.index],
                colorscale=DIVERGING, zmid=0, texttemplate="%{z:.2f}",
                hovertemplate=f"{names[0]}=%{{x}}, {names[1]}=%{{y}}: %{{z:.3f}}<extra></extra>",
            )
        )  # fmt: skip
        fig.update_xaxes(title=names[0], type="category")
        fig.update_yaxes(title=names[1], type="category")
    else:
        fig = go.Figure(
            go.Bar(x=[str(v) for v in table[names[0]]], y=table["metric"], marker={"color": STRATEGY_COLOUR})
        )
        fig.update_xaxes(title=names[0], type="category")
    fig.update_layout(title={"text": title, "font": {"size": 13}}, hovermode="closest")
    best = ", ".join(f"{k}={v}" for k, v in grid["best"].items())
    return html.Div(
        [html.P(tb("grid_best", lang, params=best), className="small mb-1", id="bt-grid-best"),
         dcc.Graph(figure=_layout(fig, 360), id="bt-grid", config={"displayModeBar": False})]
    )  # fmt: skip


def walk_forward_table(wf: dict[str, Any], lang: str) -> dbc.Table:
    head = html.Thead(
        html.Tr([html.Th(tb(k, lang)) for k in ("col.window", "col.is", "col.oos", "col.chosen")] + [html.Th(tb("col.oos_return", lang), className="num")])
    )  # fmt: skip
    rows = []
    for w in wf.get("windows", []):
        ret = w.get("oos_return_pct")
        rows.append(
            html.Tr(
                [
                    html.Td(int(w["window"]) + 1),
                    html.Td(f"{str(w['is_start'])[:10]} ~ {str(w['is_end'])[:10]}"),
                    html.Td(f"{str(w['oos_start'])[:10]} ~ {str(w['oos_end'])[:10]}"),
                    html.Td(", ".join(f"{k}={v}" for k, v in (w.get("params") or {}).items())),
                    html.Td(_pct_or_dash(ret), className=f"num {signed_cls(ret)}"),
                ]
            )
        )
    return dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, responsive=True, id="bt-wf")


def _time_text(iso: str | None, daily: bool) -> str:
    if not iso:
        return ""
    return iso[:10] if daily else iso[:16].replace("T", " ")


def trade_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    daily = (result.get("run") or {}).get("data", "daily") == "daily"
    names = (result.get("run") or {}).get("names", {})
    return [
        {
            **t,
            "label": f"{names.get(t['code'], t['code'])} ({t['code']})",
            "entry_time": _time_text(t.get("entry_time"), daily),
            "exit_time": _time_text(t.get("exit_time"), daily),
        }
        for t in result.get("trades") or []
    ]


def trades_grid(result: dict[str, Any], lang: str) -> dag.AgGrid:
    updown = {"text-up": "params.value > 0", "text-down": "params.value < 0"}
    num = {"type": "rightAligned", "cellClass": "num"}
    money = {"valueFormatter": {"function": "GSLTS.int(params.value)"}, **num}
    cols = [
        {"field": "label", "headerName": tb("col.code", lang), "minWidth": 150, "flex": 2},
        {"field": "entry_time", "headerName": tb("col.entry_time", lang), "minWidth": 120, "flex": 1},
        {"field": "exit_time", "headerName": tb("col.exit_time", lang), "minWidth": 120, "flex": 1},
        {"field": "entry_price", "headerName": tb("col.entry_price", lang), "width": 110, **money},
        {"field": "exit_price", "headerName": tb("col.exit_price", lang), "width": 110, **money},
        {"field": "size", "headerName": tb("col.size", lang), "width": 90, **money},
        {"field": "pnl", "headerName": tb("col.pnl", lang), "width": 130, "cellClassRules": updown,
         **{**money, "valueFormatter": {"function": "GSLTS.signed(params.value)"}}},
        {"field": "return_pct", "headerName": tb("col.return_pct", lang), "width": 100, "cellClassRules": updown,
         "valueFormatter": {"function": "GSLTS.pct(params.value)"}, **num},
        {"field": "commission", "headerName": tb("col.commission", lang), "width": 100, **money},
        {"field": "tax", "headerName": tb("col.tax", lang), "width": 100, **money},
    ]  # fmt: skip
    return dag.AgGrid(
        id="bt-trades",
        rowData=trade_rows(result),
        columnDefs=cols,
        defaultColDef={"sortable": True, "resizable": True},
        dashGridOptions=grid_options(animateRows=False, pagination=True, paginationPageSize=20),
        style={"height": "420px"},
        className="ag-theme-alpine",
    )


def _graph(fig: go.Figure, id_: str) -> dcc.Graph:
    return dcc.Graph(figure=fig, id=id_, config={"displayModeBar": False})


def render_run(run: RunRow | None, lang: str) -> list:
    """The result area for one run (a message for a run that failed, was cancelled or is active)."""
    if run is None:
        return [html.P(tb("no_run", lang), className="text-body-secondary small")]
    if run.status == "failed":
        korean = (run.result or {}).get("error_ko") if lang == "ko" else None
        return [
            dbc.Alert(tb("failed", lang, error=korean or run.error or "?"), color="danger", id="bt-failed")
        ]
    if run.status == "cancelled":
        return [dbc.Alert(tb("cancelled", lang), color="secondary", id="bt-cancelled")]
    if run.status != "done" or not run.result:
        return []
    result, stats = run.result, run.stats or {}
    info = result.get("run") or {}
    wf = info.get("mode") == "walk_forward"
    out: list = [
        html.H2(f"#{run.id} {run.name or run.strategy}", className="h6 text-body-secondary"),
        sentence(run, lang),
    ]
    if info.get("skipped"):
        out.append(
            html.P(
                tb("skipped", lang, codes=", ".join(info["skipped"])), className="small text-body-secondary"
            )
        )
    out.append(stat_cards(stats, walk_forward=wf))
    if result.get("grid"):
        out.append(grid_section(result["grid"], lang))
    out += [
        _graph(equity_figure(result, lang), "bt-equity"),
        _graph(drawdown_figure(result, lang), "bt-drawdown"),
    ]
    if result.get("monthly"):
        out.append(_graph(monthly_figure(result["monthly"], lang), "bt-monthly"))
    if wf:
        out += [
            html.H3(tb("wf_title", lang), className="h6 mt-3"),
            walk_forward_table(result["walk_forward"], lang),
        ]
    else:
        out.append(html.H3(tb("trades", lang), className="h6 mt-3"))
        if result.get("trades_total"):
            shown = len(result["trades"])
            out.append(
                html.P(tb("trades_cut", lang, total=result["trades_total"], shown=shown), className="small")
            )
        out.append(trades_grid(result, lang))
    return out


# --- comparison -----------------------------------------------------------------------------

COMPARE_STATS = (
    "total_return_pct",
    "cagr_pct",
    "max_drawdown_pct",
    "benchmark_return_pct",
    "sharpe",
    "win_rate_pct",
    "trades",
    "final_equity",
)


def _stat_text(key: str, x: Any) -> str:
    if x is None:
        return "-"
    if key == "trades":
        return f"{int(x):,}"
    if key == "final_equity":
        return won(int(round(x)))
    if key == "sharpe":
        return f"{x:.2f}"
    if key == "win_rate_pct":
        return f"{x:.1f}%"
    return pct(x)


def render_comparison(selected: list[RunRow], lang: str) -> list:
    """Key statistics side by side and every run's return curve on one chart."""
    done = [r for r in selected if r.status == "done" and r.result]
    if len(done) < 2:
        return [html.P(tb("compare_none", lang), className="small text-body-secondary", id="bt-compare-none")]
    head = html.Thead(
        html.Tr(
            [html.Th(tb("stat", lang))]
            + [html.Th(f"#{r.id} {r.strategy}", title=r.name or "", className="num") for r in done]
        )
    )
    body = []
    for key in COMPARE_STATS:
        cells = [html.Td(tb(f"stat.{key}", lang))]
        for r in done:
            x = (r.stats or {}).get(key)
            cls = signed_cls(x) if key.endswith("_pct") and key != "win_rate_pct" else ""
            cells.append(html.Td(_stat_text(key, x), className=f"num {cls}"))
        body.append(html.Tr(cells))
    fig = go.Figure()
    for i, r in enumerate(done):
        cash = float((r.result.get("run") or {}).get("cash") or (r.stats or {}).get("start_value") or 1)
        x, y = _xy(r.result.get("equity") or [])
        fig.add_trace(
            go.Scatter(
                x=x, y=[(v / cash - 1.0) * 100.0 for v in y], name=f"#{r.id} {r.strategy}",
                line={"color": COMPARE_COLOURS[i % len(COMPARE_COLOURS)], "width": 1.8},
            )
        )  # fmt: skip
    fig.update_yaxes(ticksuffix="%")
    fig.update_layout(title={"text": tb("compare_chart", lang), "font": {"size": 13}})
    return [
        html.H2(tb("compare", lang), className="h6"),
        dbc.Table([head, html.Tbody(body)], size="sm", hover=True, responsive=True, id="bt-compare-table"),
        _graph(_layout(fig, 340), "bt-compare-chart"),
    ]
