"""Stock search for the navbar: code, Korean/English name and 초성 (ㅅㅅㅈㅈ → 삼성전자).

``search_box(where)`` renders an input and a result list; one MATCH callback serves every box.
Keyboard: ↑/↓ move the highlight and Enter opens the highlighted (or first) result; that lives in
``assets/dashboard.js`` so it costs no round trip. Results are ``dcc.Link``s to ``/trade/<code>``.
"""

from __future__ import annotations

from dash import MATCH, Input, Output, callback, dcc, html

from app.components.data import liquidity, search_index
from app.i18n import current_lang
from app.text import t

LIMIT = 10


def search_box(where: str = "nav") -> html.Div:
    """The search input with its (initially empty) result list."""
    return html.Div(
        [
            dcc.Input(
                id={"type": "stock-search", "where": where},
                type="search",
                placeholder=t("search.placeholder"),
                autoComplete="off",
                debounce=False,
                className="form-control form-control-sm stock-search-input",
            ),
            html.Div(
                id={"type": "stock-search-results", "where": where},
                className="list-group stock-search-results shadow",
                role="listbox",
            ),
        ],
        className="stock-search position-relative",
        id=f"stock-search-{where}",
    )


def results(query: str | None, lang: str) -> list:
    """The result links for ``query`` (ranked by trading.search; ties by today's 거래대금)."""
    q = (query or "").strip()
    if not q:
        return []
    hits = search_index().search(q, LIMIT, liquidity())
    if not hits:
        return [html.Div(t("search.none", lang), className="list-group-item small text-body-secondary")]
    return [
        dcc.Link(
            [
                html.Span(h.name_en if lang == "en" and h.name_en else h.name_ko, className="fw-semibold"),
                html.Span(f" {h.code}", className="small text-body-secondary ms-1"),
                html.Span(h.market, className="small text-body-secondary float-end"),
            ],
            href=f"/trade/{h.code}",
            className="list-group-item list-group-item-action stock-search-item py-1"
            + (" active" if i == 0 else ""),
        )
        for i, h in enumerate(hits)
    ]


@callback(
    Output({"type": "stock-search-results", "where": MATCH}, "children"),
    Input({"type": "stock-search", "where": MATCH}, "value"),
    prevent_initial_call=True,
)
def _search(query: str | None) -> list:
    return results(query, current_lang())
