"""The result of one stored run: the plain sentence, stat cards, charts, the grid-search heatmap,
walk-forward windows and the trade table (or why there is no result)."""

from __future__ import annotations

from datetime import date
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html

from app.backtest import ids
from app.backtest.explain import explain
from app.backtest.figures import drawdown_figure, equity_figure, graph, grid_figure, monthly_figure
from app.backtest.formatting import period_label
from app.components.grid import grid_options
from app.components.style import direction_class
from app.text import t
from db.repositories.backtests import RunRow
from trading.krx.fmt import pct, pct_or_dash, won, won_words


def render_run(run: RunRow | None, lang: str) -> list:
    """The result area for one run (a message for a run that failed, was cancelled or is active)."""
    if run is None:
        return [html.P(t("backtest.no_run", lang), className="text-body-secondary small")]
    if run.status == "failed":
        korean = (run.result or {}).get("error_ko") if lang == "ko" else None
        return [
            dbc.Alert(
                t("backtest.failed", lang, error=korean or run.error or "?"), color="danger", id=ids.FAILED
            )
        ]
    if run.status == "cancelled":
        return [dbc.Alert(t("backtest.cancelled", lang), color="secondary", id=ids.CANCELLED)]
    if run.status != "done" or not run.result:
        return []
    result, info = run.result, run.result.get("run") or {}
    walk_forward = info.get("mode") == "walk_forward"
    auto = dbc.Button(t("auto.from_backtest", lang), id=ids.AUTO, href=f"/auto?from_run={run.id}",
                      color="primary", outline=True, size="sm", className="ms-auto")  # fmt: skip
    head = html.H2(f"#{run.id} {run.name or run.strategy}", className="h6 text-body-secondary mb-0")
    out: list = [
        html.Div([head, auto], className="d-flex align-items-center mb-2"),
        sentence(run, lang),
    ]
    if info.get("skipped"):
        skipped = t("backtest.skipped", lang, codes=", ".join(info["skipped"]))
        out.append(html.P(skipped, className="small text-body-secondary"))
    out.append(stat_cards(run.stats or {}, walk_forward, lang))
    if result.get("grid"):
        out.append(grid_section(result["grid"], lang))
    out += [
        graph(equity_figure(result, lang), ids.EQUITY),
        graph(drawdown_figure(result, lang), ids.DRAWDOWN),
    ]
    if result.get("monthly"):
        out.append(graph(monthly_figure(result["monthly"], lang), ids.MONTHLY))
    if walk_forward:
        out += [
            html.H3(t("backtest.wf_title", lang), className="h6 mt-3"),
            walk_forward_table(result["walk_forward"], lang),
        ]
    else:
        out += trades_section(result, lang)
    return out


def sentence(run: RunRow, lang: str) -> html.P:
    """The plain-language summary for beginners."""
    stats, info = run.stats or {}, (run.result or {}).get("run", {})
    start, end = date.fromisoformat(info["start"]), date.fromisoformat(info["end"])
    ret, mdd = stats.get("total_return_pct"), stats.get("max_drawdown_pct")
    text = t(
        "backtest.sentence",
        lang,
        label=period_label(start, end, lang),
        start=start,
        end=end,
        ret="{ret}",
        mdd="{mdd}",
    )
    head, _, rest = text.partition("{ret}")
    mid, _, tail = rest.partition("{mdd}")
    parts: list[Any] = [
        head,
        html.B(pct_or_dash(ret, 1), className=direction_class(ret)),
        mid,
        html.B(pct_or_dash(mdd, 1), className=direction_class(mdd)),
        tail,
    ]
    bench = stats.get("benchmark_return_pct")
    if bench is not None:
        b_head, _, b_tail = t("backtest.sentence_bench", lang, bench="{b}").partition("{b}")
        parts += [" ", b_head, html.B(pct(bench, 1), className=direction_class(bench)), b_tail]
    final = stats.get("final_equity")
    if final is not None:
        cash = int(info.get("cash") or stats.get("start_value") or 0)
        money = t(
            "backtest.sentence_money",
            lang,
            cash=won_words(cash, lang),
            final=won_words(int(round(final)), lang),
            n=int(stats.get("trades") or 0),
        )
        parts += [" ", money]
    if info.get("mode") == "walk_forward":
        parts += [" ", t("backtest.sentence_wf", lang)]
    return html.P(parts, id=ids.SENTENCE, className="lead fs-6 mb-3")


def _stat_card(key: str, value: str, cls: str = "", why: str = "") -> dbc.Col:
    body = dbc.CardBody(
        [
            html.Div(t(f"backtest.stat.{key}"), className="small text-body-secondary"),
            html.Div(value, className=f"fs-5 fw-semibold num text-start {cls}", id=f"{ids.STAT_PREFIX}{key}"),
            html.Div(why, className="small text-body-secondary stat-why", id=f"{ids.STAT_PREFIX}{key}-why"),
        ],
        className="p-2",
    )
    return dbc.Col(dbc.Card(body), xs=6, md=4, xl=3)


def stat_cards(stats: dict[str, Any], walk_forward: bool = False, lang: str = "ko") -> dbc.Row:
    """Key statistics as cards (percentages red/blue by sign), each with its meaning and a judgement."""
    cards = []

    def _card(key: str, value: str, cls: str = "") -> dbc.Col:
        return _stat_card(key, value, cls, explain(key, stats, lang))

    for key in ("total_return_pct", "cagr_pct", "max_drawdown_pct", "benchmark_return_pct"):
        x = stats.get(key)
        cards.append(_card(key, pct_or_dash(x), direction_class(x)))
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
    return dbc.Row(cards, className="g-2 mb-3", id=ids.STATS)


def grid_section(grid: dict[str, Any], lang: str) -> html.Div:
    """The best combination of a grid search and its heatmap."""
    best = ", ".join(f"{k}={v}" for k, v in grid["best"].items())
    return html.Div(
        [
            html.P(t("backtest.grid_best", lang, params=best), className="small mb-1", id=ids.GRID_BEST),
            graph(grid_figure(grid, lang), ids.GRID),
        ]
    )


def walk_forward_table(wf: dict[str, Any], lang: str) -> dbc.Table:
    """One row per walk-forward window: periods, chosen parameters, out-of-sample return."""
    heads = [html.Th(t(f"backtest.{k}", lang)) for k in ("col.window", "col.is", "col.oos", "col.chosen")]
    head = html.Thead(html.Tr([*heads, html.Th(t("backtest.col.oos_return", lang), className="num")]))
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
                    html.Td(pct_or_dash(ret), className=f"num {direction_class(ret)}"),
                ]
            )
        )
    return dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, responsive=True, id=ids.WALK_FORWARD)


def _time_text(iso: str | None, daily: bool) -> str:
    if not iso:
        return ""
    return iso[:10] if daily else iso[:16].replace("T", " ")


def trade_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The stored trades with a "name (code)" label and times cut to the data's resolution."""
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


def trades_section(result: dict[str, Any], lang: str) -> list:
    """The trades heading, a note when the stored list was cut, and the table."""
    out: list = [html.H3(t("backtest.trades", lang), className="h6 mt-3")]
    if result.get("trades_total"):
        cut = t("backtest.trades_cut", lang, total=result["trades_total"], shown=len(result["trades"]))
        out.append(html.P(cut, className="small"))
    out.append(trades_grid(result, lang))
    return out


def trades_grid(result: dict[str, Any], lang: str) -> dag.AgGrid:
    updown = {"text-up": "params.value > 0", "text-down": "params.value < 0"}
    num = {"type": "rightAligned", "cellClass": "num"}
    money = {"valueFormatter": {"function": "GSLTS.int(params.value)"}, **num}
    cols = [
        {"field": "label", "headerName": t("backtest.col.code", lang), "minWidth": 150, "flex": 2},
        {"field": "entry_time", "headerName": t("backtest.col.entry_time", lang), "minWidth": 120, "flex": 1},
        {"field": "exit_time", "headerName": t("backtest.col.exit_time", lang), "minWidth": 120, "flex": 1},
        {"field": "entry_price", "headerName": t("backtest.col.entry_price", lang), "width": 110, **money},
        {"field": "exit_price", "headerName": t("backtest.col.exit_price", lang), "width": 110, **money},
        {"field": "size", "headerName": t("backtest.col.size", lang), "width": 90, **money},
        {"field": "pnl", "headerName": t("backtest.col.pnl", lang), "width": 130, "cellClassRules": updown,
         **{**money, "valueFormatter": {"function": "GSLTS.signed(params.value)"}}},
        {"field": "return_pct", "headerName": t("backtest.col.return_pct", lang), "width": 100, "cellClassRules": updown,
         "valueFormatter": {"function": "GSLTS.pct(params.value)"}, **num},
        {"field": "commission", "headerName": t("backtest.col.commission", lang), "width": 100, **money},
        {"field": "tax", "headerName": t("backtest.col.tax", lang), "width": 100, **money},
    ]  # fmt: skip
    return dag.AgGrid(
        id=ids.TRADES,
        rowData=trade_rows(result),
        columnDefs=cols,
        defaultColDef={"sortable": True, "resizable": True},
        dashGridOptions=grid_options(animateRows=False, pagination=True, paginationPageSize=20),
        style={"height": "420px"},
        className="ag-theme-alpine",
    )
