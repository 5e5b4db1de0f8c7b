"""/stocks — the stock master: every listed stock with market, sector and linked US ETF."""

from __future__ import annotations

import dash
import dash_ag_grid as dag
from dash import Input, Output, callback, dcc, html

from app.components.grid import grid_options
from app.runtime import runtime
from app.text import t
from db.repositories import stocks as repo
from trading.sectors import SECTOR_BY_CODE

dash.register_page(__name__, path="/stocks", title="GSLTS · 종목", order=50, nav_label="nav.stocks")


def _rows(lang: str) -> list[dict]:
    rows = []
    for s in repo.all_stocks(runtime().engine):
        sector = SECTOR_BY_CODE[s.sector_code]
        rows.append(
            {
                "code": s.code,
                "name": s.name_ko if lang == "ko" else (s.name_en or s.name_ko),
                "name_en": s.name_en or "",
                "market": s.market,
                "sector_code": s.sector_code,
                "sector": sector.name_ko if lang == "ko" else sector.name_en,
                "industry": s.wics_industry,
                "etf": s.us_etf,
                "listed": s.listed_on.isoformat() if s.listed_on else "",
            }
        )
    return rows


def layout(**_query: str) -> html.Div:
    from app.i18n import current_lang

    lang = current_lang()
    rows = _rows(lang)
    sector_opts = [{"label": t("stocks.all"), "value": ""}] + [
        {"label": sd.name_ko if lang == "ko" else sd.name_en, "value": code}
        for code, sd in SECTOR_BY_CODE.items()
    ]
    return html.Div(
        [
            html.H1(t("stocks.title"), className="h4"),
            html.P(t("stocks.intro", n=len(rows)), className="text-body-secondary small"),
            html.Div(
                [
                    dcc.Dropdown(
                        id="stocks-market",
                        options=[
                            {"label": t("stocks.all"), "value": ""},
                            {"label": "KOSPI", "value": "KOSPI"},
                            {"label": "KOSDAQ", "value": "KOSDAQ"},
                        ],
                        value="",
                        clearable=False,
                        style={"minWidth": "10rem"},
                    ),
                    dcc.Dropdown(
                        id="stocks-sector",
                        options=sector_opts,
                        value="",
                        clearable=False,
                        style={"minWidth": "14rem"},
                    ),
                    html.Span(id="stocks-count", className="small text-body-secondary align-self-center"),
                ],
                className="d-flex gap-2 mb-2 flex-wrap",
            ),
            dag.AgGrid(
                id="stocks-grid",
                rowData=rows,
                getRowId="params.data.code",
                columnDefs=[
                    {"field": "code", "headerName": t("col.code"), "width": 100},
                    {"field": "name", "headerName": t("col.name"), "flex": 2, "filter": True},
                    {"field": "market", "headerName": t("col.market"), "width": 110},
                    {"field": "sector", "headerName": t("col.sector"), "flex": 1},
                    {"field": "industry", "headerName": t("col.industry"), "flex": 1},
                    {"field": "etf", "headerName": t("col.etf"), "width": 110},
                    {"field": "listed", "headerName": t("col.listed"), "width": 130},
                ],
                defaultColDef={"sortable": True, "resizable": True},
                dashGridOptions=grid_options(animateRows=False, pagination=True, paginationPageSize=50),
                style={"height": "70vh"},
                className="ag-theme-alpine",
            ),
        ]
    )


@callback(
    Output("stocks-grid", "dashGridOptions"),
    Output("stocks-count", "children"),
    Input("stocks-market", "value"),
    Input("stocks-sector", "value"),
)
def _filter(market: str, sector: str) -> tuple[dict, str]:
    """Filter on the client via AG Grid's external filter (no row data round-trip)."""
    conds = []
    if market:
        conds.append(f"params.data.market === {market!r}")
    if sector:
        conds.append(f"params.data.sector_code === {sector!r}")
    expr = " && ".join(conds) or "true"
    opts = grid_options(
        animateRows=False,
        pagination=True,
        paginationPageSize=50,
        isExternalFilterPresent={"function": "true"},
        doesExternalFilterPass={"function": expr},
    )
    label = " · ".join(x for x in (market, SECTOR_BY_CODE[sector].name_ko if sector else "") if x)
    return opts, label
