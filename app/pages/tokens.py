"""/tokens — the user's REST API tokens: create (shown once), list, revoke. Korean first.

Only ``db/repositories/api_tokens.py`` is called; the scopes offered are those the user's role allows
(a viewer gets read only), and the repository checks them again.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, html
from dash.exceptions import PreventUpdate
from flask_login import current_user

from app.api.auth import forget_tokens
from app.runtime import runtime
from app.text import t
from db.repositories import api_tokens as repo
from db.repositories.users import UserError, get_user_by_id

dash.register_page(__name__, path="/tokens", title="GSLTS · API 토큰", order=950)

CREATE, NAME, SCOPES, TABLE, SECRET, FEEDBACK = (
    "token-create", "token-name", "token-scopes", "token-table", "token-secret", "token-feedback",
)  # fmt: skip
REVOKE = "token-revoke"


def _table(user_id: int) -> Any:
    rows = repo.list_tokens(runtime().engine, user_id)
    if not rows:
        return html.P(t("tokens.none"), className="text-body-secondary", id="token-none")
    head = html.Thead(html.Tr([html.Th(t(f"tokens.col_{k}")) for k in ("name", "prefix", "scopes", "created", "used")]
                              + [html.Th("")]))  # fmt: skip
    body = html.Tbody([
        html.Tr([
            html.Td(r.name), html.Td(html.Code(f"gslts_{r.prefix}_…")), html.Td(", ".join(r.scopes)),
            html.Td(f"{r.created_at:%Y-%m-%d %H:%M}"), html.Td(f"{r.last_used_at:%Y-%m-%d %H:%M}" if r.last_used_at else "-"),
            html.Td(dbc.Button(t("tokens.revoke"), id={"type": REVOKE, "id": r.id}, color="danger", outline=True,
                               size="sm", n_clicks=0)),
        ], id=f"token-row-{r.id}")
        for r in rows
    ])  # fmt: skip
    return dbc.Table([head, body], size="sm", hover=True, className="num-table")


def layout(**_query: str) -> html.Div:
    if not current_user.is_authenticated:
        return html.Div()
    options = [{"label": t(f"tokens.scope_{s}"), "value": s} for s in repo.allowed_scopes(current_user.role)]
    form = dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label(t("tokens.name"), html_for=NAME),
                    dbc.Input(id=NAME, placeholder=t("tokens.name_ph"), maxlength=60),
                ],
                md=5,
            ),  # fmt: skip
            dbc.Col(
                [
                    dbc.Label(t("tokens.scopes")),
                    dbc.Checklist(id=SCOPES, options=options, value=["read"], inline=True),
                ],
                md=5,
            ),  # fmt: skip
            dbc.Col(
                dbc.Button(t("tokens.create"), id=CREATE, color="primary", n_clicks=0),
                md=2,
                className="d-flex align-items-end",
            ),  # fmt: skip
        ],
        className="g-2 mb-3",
    )
    return html.Div(
        [
            html.H1(t("tokens.title"), className="h4"),
            html.P(
                [t("tokens.intro"), " ", html.A(t("tokens.docs"), href="/api/v1/docs", id="token-docs")],
                className="text-body-secondary",
            ),  # fmt: skip
            form,
            html.Div(id=SECRET),
            html.Div(id=FEEDBACK, role="alert"),
            html.Div(_table(current_user.user_id), id=TABLE),
        ],
        className="container py-3",
    )


def _created(secret: str) -> dbc.Alert:
    return dbc.Alert([html.Div(t("tokens.created"), className="fw-semibold"),
                      html.Code(secret, id="token-secret-value", className="user-select-all")],
                     color="success")  # fmt: skip


@callback(
    Output(SECRET, "children"),
    Output(FEEDBACK, "children"),
    Output(TABLE, "children"),
    Input(CREATE, "n_clicks"),
    Input({"type": REVOKE, "id": ALL}, "n_clicks"),
    State(NAME, "value"),
    State(SCOPES, "value"),
    prevent_initial_call=True,
)
def _act(_create: int, _revokes: list[int], name: str | None, scopes: list[str] | None):  # noqa: ANN202
    if not current_user.is_authenticated or not ctx.triggered or not ctx.triggered[0].get("value"):
        raise PreventUpdate
    engine, trig = runtime().engine, ctx.triggered_id
    user = get_user_by_id(engine, current_user.user_id)
    if user is None:
        raise PreventUpdate
    if isinstance(trig, dict) and trig.get("type") == REVOKE:
        try:
            info = repo.revoke_token(engine, int(trig["id"]), user.id, user.username)
        except UserError:
            raise PreventUpdate from None
        forget_tokens()
        note = dbc.Alert(t("tokens.revoked", name=info.name), color="info")
        return "", note, _table(user.id)
    name = (name or "").strip()
    if not name or len(name) > 60:
        return "", dbc.Alert(t("tokens.bad_name"), color="danger"), dash.no_update
    try:
        _, secret = repo.create_token(engine, user, name, repo.parse_scopes(scopes or [], user.role))
    except UserError:
        return "", dbc.Alert(t("tokens.bad_scope"), color="danger"), dash.no_update
    return _created(secret), "", _table(user.id)
