"""The trade page's chart: candles and volume (daily or 1/5/15/60-minute), moving averages, and today's
quarter lines (PRD §11.3) as lines and as clickable chips (a chip's price becomes the order price).

The figure (``app/components/chart.py``) is built when its shape changes (code, interval, averages, bar
count, language); otherwise the 1 s refresh sends a Patch of the last bar and, when they moved, the
quarter lines.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import dash_bootstrap_components as dbc
from dash import Input, Output, Patch, State, callback, ctx, dcc, html, no_update

from app.components.callbacks import reply
from app.components.chart import MA_WINDOWS, figure, ql_annotations, ql_shapes, volume_colour
from app.components.data import StockMeta, market_data, market_reader, stock
from app.components.help import term
from app.i18n import current_lang
from app.text import t
from app.trade import ids
from trading.brokers.errors import BrokerError
from trading.domain import Bar, Quote
from trading.quarter_lines import QuarterLines, quarter_lines

INTERVALS = ("D", "1", "5", "15", "60")
DAILY_LOOKBACK_DAYS = 200
_DAILY_TTL_S = 60.0
_daily_cache: dict[tuple[str, date], tuple[float, list[Bar]]] = {}


# --- data -----------------------------------------------------------------------------------------


def quarter(q: Quote, meta: StockMeta) -> QuarterLines | None:
    """Today's quarter lines from the quote's open/high/low (None before the first trade)."""
    if q.low <= 0 or q.high <= 0:
        return None
    return quarter_lines(
        q.open or q.price, q.high, q.low, on=q.time.date(), market=meta.market, etf=meta.is_etf
    )


def _daily_bars(code: str, q: Quote) -> list[Bar]:
    """Stored daily bars (broker.daily_bars, cached a minute) with today's bar from the live quote."""
    today = q.time.date()
    key = (code, today)
    hit = _daily_cache.get(key)
    if hit is None or time.monotonic() - hit[0] > _DAILY_TTL_S:
        try:
            bars = market_reader().daily_bars(code, today - timedelta(days=DAILY_LOOKBACK_DAYS), today)
        except BrokerError:
            bars = []
        _daily_cache[key] = hit = (time.monotonic(), bars)
    bars = [b for b in hit[1] if b.time.date() != today]
    if q.volume > 0:
        t0 = q.time.replace(hour=0, minute=0, second=0, microsecond=0)
        bars.append(Bar(code, t0, q.open, q.high, q.low, q.price, q.volume, q.value))
    return bars


def bars_for(code: str, interval: str, q: Quote) -> list[Bar]:
    if interval == "D":
        return _daily_bars(code, q)
    return list(market_data().intraday_bars(code, int(interval)))


# --- layout ---------------------------------------------------------------------------------------


def chart_card() -> dbc.Card:
    """Interval buttons, MA switches, the graph (filled by the callback) and the quarter-line chips."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [
                        dbc.RadioItems(
                            id=ids.TRADE_INTERVAL,
                            options=[
                                {"label": t("chart.daily") if i == "D" else t("chart.min", n=i), "value": i}
                                for i in INTERVALS
                            ],
                            value="5",
                            inline=True,
                            className="btn-group btn-group-sm",
                            inputClassName="btn-check",
                            labelClassName="btn btn-outline-secondary btn-sm",
                            labelCheckedClassName="active",
                        ),
                        dbc.Checklist(
                            id=ids.TRADE_MA,
                            options=[{"label": f"MA{n}", "value": n} for n in MA_WINDOWS],
                            value=[],
                            inline=True,
                            switch=True,
                            className="small ms-2",
                        ),
                    ],
                    className="d-flex flex-wrap align-items-center gap-1 mb-1",
                ),
                dcc.Graph(
                    id=ids.TRADE_CHART,
                    config={"displayModeBar": False, "responsive": True},
                    className="trade-chart",
                ),
                html.Div(
                    [
                        html.Span(term(t("chart.quarter"), "quarter", "chart"), className="small me-1"),
                        html.Span(id=ids.TRADE_QL),
                    ],
                    className="d-flex flex-wrap align-items-center gap-1 mt-1",
                ),
                html.Div(
                    t("chart.quarter_why"), className="small text-body-secondary mt-1", id="trade-ql-why"
                ),
            ],
            className="p-2",
        ),
        className="h-100",
    )


def _ql_chips(ql: QuarterLines | None) -> list:
    if ql is None:
        return []
    return [
        html.Button(
            f"{t('ql.' + key)} {price:,}",
            id=ids.ql_chip(key),
            className=f"btn btn-outline-secondary btn-sm py-0 px-1 {ids.QL_LEVEL_CLASS}",
            **{"data-price": str(price)},
        )
        for key, price in ql.levels()
    ]


# --- refresh --------------------------------------------------------------------------------------

CHART = dict(
    figure=Output(ids.TRADE_CHART, "figure"),
    chips=Output(ids.TRADE_QL, "children"),
    meta=Output(ids.TRADE_CHART_META, "data"),
)


@callback(
    output=CHART,
    inputs=[
        Input(ids.TRADE_SLOW, "n_intervals"),
        Input(ids.TRADE_INTERVAL, "value"),
        Input(ids.TRADE_MA, "value"),
    ],
    state=[State(ids.TRADE_CODE, "data"), State(ids.TRADE_CHART_META, "data")],
)
def _chart(_n: int | None, interval: str, mas: list[int] | None, code: str, meta: dict | None) -> dict:
    sm = stock(code)
    q = market_data().quote(code)
    bars = bars_for(code, interval, q)
    ql = quarter(q, sm) if sm else None
    mas = sorted(mas or [])
    ql_list = [p for _, p in ql.levels()] if ql else []
    new_meta = {
        "code": code,
        "interval": interval,
        "mas": mas,
        "n": len(bars),
        "ql": ql_list,
        "lang": current_lang(),
    }
    chips = _ql_chips(ql) if not meta or meta.get("ql") != ql_list else no_update
    same_shape = meta and all(meta.get(k) == new_meta[k] for k in ("code", "interval", "mas", "n", "lang"))
    if not same_shape or not bars or ctx.triggered_id != ids.TRADE_SLOW:
        fig = figure(bars, ql, mas, None if interval == "D" else int(interval))
        return reply(CHART, figure=fig, chips=chips, meta=new_meta)
    last, i = bars[-1], len(bars) - 1
    p = Patch()
    for field, value in (("open", last.open), ("high", last.high), ("low", last.low), ("close", last.close)):
        p["data"][0][field][i] = value
    p["data"][1]["y"][i] = last.volume
    p["data"][1]["marker"]["color"][i] = volume_colour(last)
    closes = [b.close for b in bars]
    for k, n in enumerate(mas):
        p["data"][2 + k]["y"][i] = sum(closes[-n:]) / n if len(closes) >= n else None
    if meta.get("ql") != ql_list:
        p["layout"]["shapes"] = ql_shapes(ql)
        p["layout"]["annotations"] = ql_annotations(ql)
    return reply(CHART, figure=p, chips=chips, meta=new_meta)
