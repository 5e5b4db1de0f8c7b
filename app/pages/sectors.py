"""/sectors — the US ETF → Korean sector mapping, with how many stocks each sector holds."""

from __future__ import annotations

from collections import Counter

import dash
import dash_bootstrap_components as dbc
from dash import html

from app.i18n import current_lang, t
from app.runtime import runtime
from db.repositories import stocks as repo
from trading.sectors import SECTOR_BY_CODE

dash.register_page(__name__, path="/sectors", title="GSLTS · 섹터", order=60, nav_label="nav.sectors")


def layout(**_query: str) -> html.Div:
    lang = current_lang()
    engine = runtime().engine
    counts = Counter(s.sector_code for s in repo.all_stocks(engine))
    header = html.Thead(
        html.Tr(
            [
                html.Th("ETF"),
                html.Th(""),
                html.Th(t("col.sector")),
                html.Th(t("col.stocks"), className="num"),
                html.Th(t("col.weight"), className="num"),
                html.Th(t("col.enabled")),
            ]
        )
    )
    body = []
    for m in repo.sector_mapping(engine):
        sd = SECTOR_BY_CODE[m.sector_code]
        body.append(
            html.Tr(
                [
                    html.Td(html.B(m.etf)),
                    html.Td(m.etf_name, className="small text-body-secondary"),
                    html.Td(sd.name_ko if lang == "ko" else sd.name_en),
                    html.Td(f"{counts.get(m.sector_code, 0):,}", className="num"),
                    html.Td(f"{m.weight:.2f}", className="num"),
                    html.Td(t("yes") if m.enabled else t("no")),
                ]
            )
        )
    return html.Div(
        [
            html.H1(t("sectors.title"), className="h4"),
            html.P(t("sectors.intro"), className="text-body-secondary small"),
            dbc.Table(
                [header, html.Tbody(body)], id="sector-map-table", hover=True, size="sm", responsive=True
            ),
        ]
    )
