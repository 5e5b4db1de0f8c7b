"""The candlestick chart: candles + volume, optional moving averages, today's quarter lines.

The x axis is categorical (one slot per bar, no gaps for nights and weekends). Quarter lines are
the figure's first six shapes and annotations, so a refresh patches them in place.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from app.components.style import DOWN, FLAT, UP, direction_colour
from app.text import t
from trading.domain import Bar
from trading.quarter_lines import QuarterLines

MA_WINDOWS = (5, 20, 60)
MA_COLOURS = {5: "#f59f00", 20: "#7048e8", 60: "#2b8a3e"}
QL_DASH = {"high": "solid", "q3": "dot", "mid": "dash", "q1": "dot", "low": "solid", "open": "dashdot"}
QL_COLOURS = {"high": UP, "q3": FLAT, "mid": "#495057", "q1": FLAT, "low": DOWN, "open": "#f08c00"}


def x_label(bar: Bar, interval: int | None) -> str:
    """Daily bars: "2026-07-01"; intraday: "07-01 09:05"."""
    return bar.time.strftime("%Y-%m-%d") if interval is None else bar.time.strftime("%m-%d %H:%M")


def moving_average(closes: Sequence[int], n: int) -> list[float | None]:
    out: list[float | None] = []
    total = 0
    for i, c in enumerate(closes):
        total += c
        if i >= n:
            total -= closes[i - n]
        out.append(total / n if i >= n - 1 else None)
    return out


def ql_shapes(ql: QuarterLines | None) -> list[dict]:
    if ql is None:
        return []
    return [
        {
            "type": "line",
            "xref": "x domain",
            "yref": "y",
            "x0": 0,
            "x1": 1,
            "y0": price,
            "y1": price,
            "line": {"color": QL_COLOURS[key], "width": 1, "dash": QL_DASH[key]},
        }
        for key, price in ql.levels()
    ]


def ql_annotations(ql: QuarterLines | None) -> list[dict]:
    if ql is None:
        return []
    return [
        {
            "xref": "x domain",
            "yref": "y",
            "x": 0,
            "y": price,
            "xanchor": "left",
            "yanchor": "bottom",
            "bgcolor": "rgba(255,255,255,0.55)",
            "text": f"{t('ql.' + key)} {price:,}",
            "showarrow": False,
            "font": {"size": 10, "color": QL_COLOURS[key]},
        }
        for key, price in ql.levels()
    ]


def volume_colour(bar: Bar) -> str:
    """A volume bar's colour: its candle's (red when it closed at or above its open)."""
    return direction_colour(bar.close - bar.open)


def figure(
    bars: Sequence[Bar], ql: QuarterLines | None, mas: Sequence[int], interval: int | None
) -> go.Figure:
    """The whole figure for ``bars`` (oldest first)."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.78, 0.22], vertical_spacing=0.02)
    xs = [x_label(b, interval) for b in bars]
    closes = [b.close for b in bars]
    fig.add_trace(
        go.Candlestick(
            x=xs,
            open=[b.open for b in bars],
            high=[b.high for b in bars],
            low=[b.low for b in bars],
            close=closes,
            increasing={"line": {"color": UP}, "fillcolor": UP},
            decreasing={"line": {"color": DOWN}, "fillcolor": DOWN},
            name="OHLC",
            showlegend=False,
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            x=xs,
            y=[b.volume for b in bars],
            marker={"color": [volume_colour(b) for b in bars]},
            name=t("trade.volume"),
            showlegend=False,
        ),
        row=2,
        col=1,
    )
    for n in mas:
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=moving_average(closes, n),
                mode="lines",
                line={"width": 1, "color": MA_COLOURS.get(n, "#888")},
                name=f"MA{n}",
            ),
            row=1,
            col=1,
        )
    fig.update_layout(
        shapes=ql_shapes(ql),
        annotations=ql_annotations(ql),
        margin={"l": 4, "r": 4, "t": 8, "b": 4},
        xaxis_rangeslider_visible=False,
        legend={"orientation": "h", "y": 1.02, "x": 0, "font": {"size": 10}},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        uirevision="keep",
        hovermode="x unified",
        font={"size": 11},
    )
    fig.update_xaxes(type="category", nticks=8, showgrid=False)
    fig.update_yaxes(tickformat=",d", gridcolor="rgba(128,128,128,0.15)", side="right")
    return fig
