"""Several finished runs side by side: key statistics in a table and their return curves."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from app.backtest import ids
from app.backtest.figures import comparison_figure, graph
from app.backtest.formatting import stat_text
from app.components.style import direction_class
from app.text import t
from db.repositories.backtests import RunRow

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


def render_comparison(selected: list[RunRow], lang: str) -> list:
    """Key statistics side by side and every run's return curve on one chart (finished runs only)."""
    done = [r for r in selected if r.status == "done" and r.result]
    if len(done) < 2:
        return [
            html.P(
                t("backtest.compare_none", lang), className="small text-body-secondary", id=ids.COMPARE_NONE
            )
        ]
    head = html.Thead(
        html.Tr(
            [html.Th(t("backtest.stat", lang))]
            + [html.Th(f"#{r.id} {r.strategy}", title=r.name or "", className="num") for r in done]
        )
    )
    body = []
    for key in COMPARE_STATS:
        cells = [html.Td(t(f"backtest.stat.{key}", lang))]
        for r in done:
            x = (r.stats or {}).get(key)
            cls = direction_class(x) if key.endswith("_pct") and key != "win_rate_pct" else ""
            cells.append(html.Td(stat_text(key, x), className=f"num {cls}"))
        body.append(html.Tr(cells))
    return [
        html.H2(t("backtest.compare", lang), className="h6"),
        dbc.Table([head, html.Tbody(body)], size="sm", hover=True, responsive=True, id=ids.COMPARE_TABLE),
        graph(comparison_figure(done, lang), ids.COMPARE_CHART),
    ]
