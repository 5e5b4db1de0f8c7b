"""/sectors — the US ETF → Korean sector mapping; admins can enable/disable, reweight, add and remove rows."""

from __future__ import annotations

from collections import Counter

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from flask_login import current_user

from app.components.data import stocks
from app.i18n import current_lang
from app.runtime import runtime
from app.text import t
from db.repositories import reports as report_repo
from db.repositories import stocks as repo
from trading.report.config import US_SYMBOLS
from trading.sectors import SECTOR_BY_CODE, SECTORS

dash.register_page(__name__, path="/sectors", title="GSLTS · 섹터", order=60, nav_label="nav.sectors")


def _is_admin() -> bool:
    return bool(getattr(current_user, "is_authenticated", False) and getattr(current_user, "is_admin", False))


def _table() -> dbc.Table:
    lang = current_lang()
    engine = runtime().engine
    counts = Counter(m.sector_code for m in stocks().values())
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
                    html.Td(sd.name_ko if lang == "ko" else sd.name_en, className="text-nowrap"),
                    html.Td(f"{counts.get(m.sector_code, 0):,}", className="num"),
                    html.Td(f"{m.weight:.2f}", className="num"),
                    html.Td(t("common.yes") if m.enabled else t("common.no")),
                ],
                className="" if m.enabled else "text-body-secondary",
            )
        )
    return dbc.Table(
        [header, html.Tbody(body)], id="sector-map-table", hover=True, size="sm", responsive=True
    )


def _form() -> dbc.Card:
    lang = current_lang()
    sector_opts = [
        {"label": f"{s.name_ko if lang == 'ko' else s.name_en} ({s.code})", "value": s.code} for s in SECTORS
    ]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(t("sectors.edit"), className="h6"),
                dbc.Row(
                    [
                        dbc.Col(
                            dcc.Dropdown(id="map-etf", options=list(US_SYMBOLS), placeholder="ETF"), md=2
                        ),
                        dbc.Col(
                            dcc.Dropdown(id="map-sector", options=sector_opts, placeholder=t("col.sector")),
                            md=3,
                        ),
                        dbc.Col(
                            dbc.Input(id="map-weight", type="number", min=0.05, max=5, step=0.05, value=1.0),
                            md=2,
                        ),
                        dbc.Col(dbc.Checkbox(id="map-enabled", label=t("col.enabled"), value=True), md=2),
                        dbc.Col(
                            [
                                dbc.Button(t("sectors.save"), id="map-save", size="sm", color="primary"),
                                dbc.Button(
                                    t("sectors.remove"),
                                    id="map-remove",
                                    size="sm",
                                    color="danger",
                                    outline=True,
                                    className="ms-2",
                                ),
                            ],
                            md=3,
                        ),
                    ],
                    className="g-2 align-items-center",
                ),
                html.Div(id="map-status", className="small mt-2"),
            ]
        ),
        className="mb-3",
        id="sector-map-form",
    )


def layout(**_query: str) -> html.Div:
    admin = _is_admin()
    return html.Div(
        [
            html.H1(t("sectors.title"), className="h4"),
            html.P(t("sectors.intro"), className="text-body-secondary small"),
            _form()
            if admin
            else html.P(
                t("sectors.readonly"), className="small text-body-secondary", id="sector-map-readonly"
            ),
            html.Div(_table(), id="sector-map-wrap"),
        ]
    )


@callback(
    Output("map-status", "children"),
    Output("sector-map-wrap", "children"),
    Input("map-save", "n_clicks"),
    Input("map-remove", "n_clicks"),
    State("map-etf", "value"),
    State("map-sector", "value"),
    State("map-weight", "value"),
    State("map-enabled", "value"),
    prevent_initial_call=True,
)
def _change(_save: int | None, _remove: int | None, etf: str | None, sector: str | None, weight, enabled):  # noqa: ANN001, ANN202
    if not _is_admin():
        return html.Span(t("sectors.denied"), className="text-danger"), _table()
    if not etf or not sector:
        return html.Span(t("sectors.need"), className="text-danger"), dash.no_update
    engine = runtime().engine
    try:
        if dash.ctx.triggered_id == "map-remove":
            report_repo.remove_mapping(engine, etf, sector, user=current_user.username)
            msg = t("sectors.removed", etf=etf, sector=sector)
        else:
            w = float(weight) if weight not in (None, "") else None
            row = report_repo.set_mapping(
                engine, etf, sector, weight=w, enabled=bool(enabled), user=current_user.username
            )
            state = t("sectors.on") if row["enabled"] else t("sectors.off")
            msg = t("sectors.saved", etf=row["etf"], sector=row["sector_code"], w=row["weight"], state=state)
    except (report_repo.MappingError, ValueError) as err:
        return html.Span(str(err), className="text-danger", id="map-error"), dash.no_update
    return html.Span(msg, className="text-success", id="map-ok"), _table()
