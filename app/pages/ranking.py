"""/ranking — today's TOP 50/100 by 거래대금, live (PRD §4.3), the home page after login.

Rows come from ``market_data().ranking`` every ``settings.ranking_refresh_ms``. The grid has
``getRowId`` = the stock code, so a new ``rowData`` is applied as an in-place update (AG Grid keeps
the user's sort, scroll and selection; no flicker). Filters: market, sectors (multi-select) and the
sectors marked up (강세) in the latest morning sector report. A row click opens ``/trade/<code>``.
"""

from __future__ import annotations

import time

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, dcc, html

from app.components.data import latest_up_sectors, market_data, sector_code_of, sector_name, stock, stocks
from app.components.grid import grid_options
from app.components.help import term
from app.components.style import grid_direction_rules
from app.i18n import current_lang
from app.runtime import runtime
from app.text import t
from trading.domain import RankRow
from trading.sectors import SECTORS

dash.register_page(__name__, path="/ranking", title="GSLTS · 랭킹", order=10, nav_label="nav.ranking")

TOPS = (50, 100)


def rows_for(
    ranking: list[RankRow], lang: str, sectors: set[str] | None = None, limit: int = 50
) -> list[dict]:
    """Grid rows from ranking rows, keeping only ``sectors`` (codes) when given, at most ``limit``."""
    out = []
    for r in ranking:
        sc = sector_code_of(r.sector)
        if sectors is not None and sc not in sectors:
            continue
        meta = stock(r.code)
        name = meta.name(lang) if meta else r.name
        out.append(
            {
                "code": r.code,
                "rank": r.rank,
                "label": f"{name} ({r.code})",
                "market": r.market,
                "sector_code": sc,
                "sector": sector_name(sc, lang),
                "price": r.price,
                "change": r.change,
                "change_pct": round(r.change_pct, 2),
                "value": r.value,
                "volume": r.volume,
            }
        )
        if len(out) >= limit:
            break
    return out


def _fetch(
    top: int, market: str, sectors: list[str] | None, up_only: bool, up_codes: list[str]
) -> list[dict]:
    chosen: set[str] | None = set(sectors) if sectors else None
    if up_only:
        chosen = set(up_codes) if chosen is None else chosen & set(up_codes)
    mkt = market or None
    md = market_data()
    # With a sector filter the TOP N is taken inside the chosen sectors (a broker feed is told, so it
    # fetches the 거래대금 of the sectors' stocks outside its TOP 100).
    limit = top if chosen is None else len(stocks()) or 5000
    want = getattr(md, "want_sectors", None)
    if chosen and want is not None:
        want(chosen)
    return rows_for(md.ranking(limit=limit, market=mkt), current_lang(), chosen, top)


def _columns(lang: str) -> list[dict]:
    updown = grid_direction_rules("params.data.change")
    num = {"type": "rightAligned", "cellClass": "num"}
    return [
        {"field": "rank", "headerName": t("col.rank"), "width": 80, "sort": "asc", **num},
        {"field": "label", "headerName": t("col.name_code"), "flex": 2, "minWidth": 170},
        {
            "field": "price",
            "headerName": t("col.price"),
            "valueFormatter": {"function": "GSLTS.int(params.value)"},
            "cellClassRules": updown,
            "width": 110,
            **num,
        },
        {
            "field": "change",
            "headerName": t("col.change"),
            "valueFormatter": {"function": "GSLTS.signed(params.value)"},
            "cellClassRules": updown,
            "width": 100,
            **num,
        },
        {
            "field": "change_pct",
            "headerName": t("col.change_pct"),
            "valueFormatter": {"function": "GSLTS.pct(params.value)"},
            "cellClassRules": updown,
            "width": 100,
            **num,
        },
        {
            "field": "value",
            "headerName": t("col.value"),
            "valueFormatter": {"function": f"GSLTS.amount(params.value, {lang!r})"},
            "width": 120,
            **num,
        },
        {
            "field": "volume",
            "headerName": t("col.volume"),
            "valueFormatter": {"function": "GSLTS.int(params.value)"},
            "width": 120,
            **num,
        },
        {"field": "sector", "headerName": t("col.sector"), "flex": 1, "minWidth": 110},
    ]


def layout(**_query: str) -> html.Div:
    lang = current_lang()
    settings = runtime().settings
    up = latest_up_sectors()
    if up is None:
        up_tip, up_disabled, up_codes = t("ranking.us_up_none"), True, []
    elif not up.codes:
        up_tip, up_disabled, up_codes = t("ranking.us_up_empty"), True, []
    else:
        names = ", ".join(sector_name(c, lang) for c in up.codes)
        up_tip, up_disabled, up_codes = (
            t("ranking.us_up_tip", day=up.session_date.isoformat(), sectors=names),
            False,
            list(up.codes),
        )
    try:
        rows = _fetch(TOPS[0], "", None, False, up_codes)
        error = None
    except Exception as err:  # noqa: BLE001 - the page still renders and the refresh retries
        rows, error = [], str(err)
    filters = html.Div(
        [
            dbc.RadioItems(
                id="ranking-top",
                options=[{"label": t("ranking.top", n=n), "value": n} for n in TOPS],
                value=TOPS[0],
                inline=True,
                className="btn-group btn-group-sm",
                inputClassName="btn-check",
                labelClassName="btn btn-outline-secondary btn-sm",
                labelCheckedClassName="active",
            ),
            dcc.Dropdown(
                id="ranking-market",
                options=[
                    {"label": t("ranking.all"), "value": ""},
                    {"label": "KOSPI", "value": "KOSPI"},
                    {"label": "KOSDAQ", "value": "KOSDAQ"},
                ],
                value="",
                clearable=False,
                searchable=False,
                style={"minWidth": "8rem"},
            ),
            dcc.Dropdown(
                id="ranking-sectors",
                options=[
                    {"label": s.name_en if lang == "en" else s.name_ko, "value": s.code} for s in SECTORS
                ],
                value=[],
                multi=True,
                placeholder=t("ranking.sectors"),
                style={"minWidth": "16rem"},
            ),
            html.Span(
                dbc.Switch(
                    id="ranking-us-up",
                    label=t("ranking.us_up"),
                    value=False,
                    disabled=up_disabled,
                    className="mb-0",
                ),
                id="ranking-us-up-wrap",
                className="align-self-center",
                tabIndex=0,
            ),  # fmt: skip
            dbc.Tooltip(up_tip, target="ranking-us-up-wrap", placement="bottom", id="ranking-us-up-tip"),
            html.Span(id="ranking-count", className="small text-body-secondary align-self-center ms-auto"),
        ],
        className="d-flex flex-wrap gap-2 mb-2 align-items-center",
    )
    return html.Div(
        [
            html.H1(t("ranking.title"), className="h4"),
            html.P(
                [t("ranking.intro"), " ", term(t("col.value"), "value", "rank")],
                className="text-body-secondary small mb-2",
            ),
            filters,
            dbc.Alert(t("ranking.unavailable", err=error), color="warning", className="small")
            if error
            else None,
            dag.AgGrid(
                id="ranking-grid",
                rowData=rows,
                getRowId="params.data.code",
                columnDefs=_columns(lang),
                defaultColDef={"sortable": True, "resizable": True, "suppressMovable": True},
                dashGridOptions=grid_options(
                    animateRows=False,
                    suppressCellFocus=True,
                    rowBuffer=100,
                    suppressColumnVirtualisation=True,
                ),
                style={"height": "72vh"},
                className="ag-theme-alpine ranking-grid",
            ),
            dcc.Store(id="ranking-up-codes", data=up_codes),
            dcc.Interval(id="ranking-refresh", interval=settings.ranking_refresh_ms),
        ],
        id="ranking-page",
    )


@callback(
    Output("ranking-grid", "rowData"),
    Output("ranking-count", "children"),
    Input("ranking-refresh", "n_intervals"),
    Input("ranking-top", "value"),
    Input("ranking-market", "value"),
    Input("ranking-sectors", "value"),
    Input("ranking-us-up", "value"),
    State("ranking-up-codes", "data"),
)
def _refresh(_n, top, market, sectors, up_only, up_codes):  # noqa: ANN001, ANN202
    rows = _fetch(int(top or TOPS[0]), market or "", sectors, bool(up_only), up_codes or [])
    count = t("ranking.count", n=len(rows), ms=runtime().settings.ranking_refresh_ms)
    if not ranking_stale():
        return rows, count
    badge = dbc.Badge(t("ranking.stale"), color="warning", className="ms-2", id="ranking-stale",
                      title=t("ranking.stale_hint"))  # fmt: skip
    return rows, [count, badge]


def ranking_stale() -> bool:
    """KIS/Kiwoom: the broker feed's status is missing or old, or its ranking has not been refreshed for
    three rounds (services/broker_feed.py); the paper market is never stale."""
    s = runtime().settings
    if s.broker == "paper":
        return False
    status_of = getattr(market_data(), "feed_status", None)
    status = status_of() if status_of is not None else None
    if not status or time.time() - float(status.get("at", 0)) > s.broker_stale_s:
        return True
    age = status.get("ranking_age_s")
    return age is None or age > 3 * s.broker_ranking_refresh_s + 5


clientside_callback(
    """function (cell) {
        if (!cell || !cell.rowId) { return window.dash_clientside.no_update; }
        return "/trade/" + cell.rowId;
    }""",
    Output("url", "pathname", allow_duplicate=True),
    Input("ranking-grid", "cellClicked"),
    prevent_initial_call=True,
)
