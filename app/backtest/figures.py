"""The /backtest page's charts: equity vs buy & hold, drawdown, monthly returns, the grid-search
heatmap and the comparison of several runs. Red = up, blue = down, as everywhere in the app."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import dcc

from app.components.style import DOWN, FLAT, UP
from app.text import t
from db.repositories.backtests import RunRow
from trading.backtest import heatmap

STRATEGY_COLOUR = "#7048e8"
DIVERGING = [[0.0, DOWN], [0.5, "#f8f9fa"], [1.0, UP]]
COMPARE_COLOURS = ("#7048e8", "#f08c00", "#2b8a3e", "#d6336c", "#1098ad", "#5c940d", "#862e9c", "#495057")


def graph(fig: go.Figure, id_: str) -> dcc.Graph:
    """A chart without plotly's tool bar."""
    return dcc.Graph(figure=fig, id=id_, config={"displayModeBar": False})


def styled(fig: go.Figure, height: int = 300) -> go.Figure:
    """The page's chart look: transparent, compact, legend on top."""
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


def _title(text: str) -> dict[str, Any]:
    return {"text": text, "font": {"size": 13}}


def equity_figure(result: dict[str, Any], lang: str) -> go.Figure:
    """The strategy's equity and the equal-weight buy & hold of the same stocks, in won."""
    fig = go.Figure()
    x, y = _xy(result.get("equity") or [])
    fig.add_trace(
        go.Scatter(
            x=x, y=y, name=t("backtest.chart.strategy", lang), line={"color": STRATEGY_COLOUR, "width": 2}
        )
    )
    bx, by = _xy((result.get("benchmark") or {}).get("equity") or [])
    if bx:
        fig.add_trace(
            go.Scatter(
                x=bx,
                y=by,
                name=t("backtest.chart.benchmark", lang),
                line={"color": FLAT, "width": 1.5, "dash": "dot"},
            )
        )
    fig.update_yaxes(tickformat=",d", ticksuffix="원" if lang == "ko" else "")
    fig.update_layout(title=_title(t("backtest.chart.equity", lang)))
    return styled(fig)


def drawdown_figure(result: dict[str, Any], lang: str) -> go.Figure:
    """Drawdown from the running peak, in percent."""
    x, y = _xy(result.get("drawdown") or [])
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=y,
            fill="tozeroy",
            line={"color": DOWN, "width": 1},
            name=t("backtest.chart.drawdown", lang),
        )
    )
    fig.update_yaxes(ticksuffix="%")
    fig.update_layout(title=_title(t("backtest.chart.drawdown", lang)), showlegend=False)
    return styled(fig, 220)


def monthly_figure(monthly: dict[str, dict[str, float]], lang: str) -> go.Figure:
    """Monthly returns as a year × month heatmap."""
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
    fig.update_layout(title=_title(t("backtest.chart.monthly", lang)), hovermode="closest")
    return styled(fig, 120 + 40 * len(years))


def grid_figure(grid: dict[str, Any], lang: str) -> go.Figure:
    """The grid-search metric: a heatmap over the first two parameters, or bars for one."""
    table = pd.DataFrame(grid["rows"])
    names = grid["params"]
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
    title = t("backtest.chart.grid", lang, metric=t(f"backtest.metric.{grid['metric']}", lang))
    fig.update_layout(title=_title(title), hovermode="closest")
    return styled(fig, 360)


def comparison_figure(runs: list[RunRow], lang: str) -> go.Figure:
    """Every run's return (percent of its starting cash) over time, on one chart."""
    fig = go.Figure()
    for i, r in enumerate(runs):
        result = r.result or {}
        cash = float((result.get("run") or {}).get("cash") or (r.stats or {}).get("start_value") or 1)
        x, y = _xy(result.get("equity") or [])
        fig.add_trace(
            go.Scatter(
                x=x, y=[(v / cash - 1.0) * 100.0 for v in y], name=f"#{r.id} {r.strategy}",
                line={"color": COMPARE_COLOURS[i % len(COMPARE_COLOURS)], "width": 1.8},
            )
        )  # fmt: skip
    fig.update_yaxes(ticksuffix="%")
    fig.update_layout(title=_title(t("backtest.compare_chart", lang)))
    return styled(fig, 340)
