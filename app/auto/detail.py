"""One bot on /auto: 시작/일시정지/정지, its positions, orders and decision log (refreshed on the page's
interval), and promotion from paper to the broker's mock or real account behind a confirmation."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from app.auto import ids
from app.auto.session import today, username
from app.auto.table import status_text
from app.components.callbacks import reply
from app.components.data import can_trade, market_data, stock
from app.i18n import current_lang
from app.runtime import runtime
from app.text import t
from services import bot_admin
from services.bot_admin import BotActionError, BotView
from trading.krx.fmt import qty, signed, won

HIDDEN = {"display": "none"}
LOG_ROWS = 100


def _button(label: str, id_: str, color: str) -> dbc.Button:
    return dbc.Button(label, id=id_, color=color, size="sm", outline=True, className="me-1")


def detail_card(lang: str) -> dbc.Card:
    """The selected bot's card; its contents fill in on the page's interval."""
    controls = html.Div(
        [
            _button(t("auto.start", lang), ids.START, "success"),
            _button(t("auto.pause", lang), ids.PAUSE, "warning"),
            _button(t("auto.stop", lang), ids.STOP, "danger"),
            _button(t("auto.load_edit", lang), ids.LOAD_EDIT, "secondary"),
        ],
        className="mb-2",
        style={} if can_trade() else HIDDEN,
    )
    promote = html.Div(
        [
            html.Span("", id=ids.PAPER_DAYS, className="me-2 small fw-semibold"),
            html.Span(
                [
                    dcc.Dropdown(
                        id=ids.PROMOTE_MODE,
                        options=[{"label": t(f"auto.mode.{m}", lang), "value": m} for m in ("mock", "real")],
                        value="mock",
                        clearable=False,
                        style={"width": "9rem", "display": "inline-block", "verticalAlign": "middle"},
                    ),
                    _button(t("auto.promote", lang), ids.PROMOTE, "primary"),
                ],
                style={} if can_trade() else HIDDEN,
            ),
            dcc.ConfirmDialog(id=ids.PROMOTE_CONFIRM, message=""),
        ],
        className="d-flex align-items-center gap-2 mb-2",
    )
    body = [
        html.Div(t("auto.select", lang), id=ids.SUMMARY, className="mb-2"),
        html.Div([controls, promote], id=ids.DETAIL, style=HIDDEN),
        html.Div(id=ids.MESSAGE, className="small mb-2"),
        html.H3(t("auto.positions", lang), className="h6 mt-2"),
        html.Div(id=ids.POSITIONS),
        html.H3(t("auto.orders", lang), className="h6 mt-2"),
        html.Div(id=ids.ORDERS),
        html.H3(t("auto.decisions", lang), className="h6 mt-2"),
        html.Div(id=ids.DECISIONS, style={"maxHeight": "420px", "overflowY": "auto"}),
        html.H3(t("auto.comparisons", lang), className="h6 mt-3"),
        html.Div(id=ids.COMPARISONS),
    ]
    return dbc.Card(dbc.CardBody(body), className="mt-3")


def _name(code: str | None, lang: str) -> str:
    if not code:
        return ""
    meta = stock(code)
    return f"{meta.name(lang)} ({code})" if meta else code


def _table(heads: list[str], rows: list[html.Tr], empty: str, id_: str) -> Any:
    if not rows:
        return html.P(empty, className="small text-body-secondary", id=f"{id_}-empty")
    head = html.Thead(html.Tr([html.Th(h) for h in heads]))
    return dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, responsive=True, className="small mb-0")


def _price(code: str) -> int | None:
    """The stock's last price from the market data pages read (None when it has none now)."""
    try:
        return market_data().quote(code).price or None
    except Exception:  # noqa: BLE001 - no quote (a broker feed without the stock yet): shown as —
        return None


def unrealised(view: BotView, prices: dict[str, int | None]) -> int:
    """The open positions' 평가손익 at ``prices`` (those with a price), won."""
    return sum(p.qty * price - p.cost for p in view.positions if (price := prices.get(p.code)) is not None)


def _signed_td(amount: int | None) -> html.Td:
    if amount is None:
        return html.Td("—", className="num")
    return html.Td(
        signed(amount), className="num " + ("text-up" if amount > 0 else "text-down" if amount < 0 else "")
    )


def positions_table(view: BotView, lang: str, prices: dict[str, int | None]) -> Any:
    rows = [
        html.Tr(
            [
                html.Td(_name(p.code, lang)),
                html.Td(qty(p.qty), className="num"),
                html.Td(won(round(p.avg_price)), className="num"),
                html.Td(won(price) if (price := prices.get(p.code)) is not None else "—", className="num"),
                _signed_td(p.qty * price - p.cost if price is not None else None),
                html.Td(p.bars_held, className="num"),
            ],
            className="auto-position",
        )  # fmt: skip
        for p in view.positions
    ]
    heads = [
        t(f"auto.col.{k}", lang) for k in ("code", "qty", "avg_price", "price", "unrealised", "bars_held")
    ]
    return _table(heads, rows, t("auto.no_positions", lang), ids.POSITIONS)


def orders_table(view: BotView, lang: str) -> Any:
    rows = [
        html.Tr(
            [
                html.Td(o.created_at.strftime("%H:%M:%S") if o.created_at else ""),
                html.Td(_name(o.code, lang)),
                html.Td(
                    t(f"auto.side.{o.side}", lang), className="text-up" if o.side == "buy" else "text-down"
                ),
                html.Td(qty(o.qty), className="num"),
                html.Td(o.purpose),
                html.Td(o.state, className="auto-order-state"),
                html.Td(qty(o.filled_qty), className="num"),
                html.Td(o.reason or ""),
            ],
            className="auto-order",
        )
        for o in view.orders[:50]
    ]
    keys = ("time", "code", "side", "qty", "purpose", "state", "filled", "reason")
    return _table([t(f"auto.col.{k}", lang) for k in keys], rows, t("auto.no_orders", lang), ids.ORDERS)


def decisions_table(view: BotView, lang: str) -> Any:
    rows = [
        html.Tr(
            [
                html.Td(d.time.strftime("%H:%M:%S")),
                html.Td(_name(d.code, lang)),
                html.Td(d.kind),
                html.Td(d.message_en if lang == "en" else d.message_ko),
                html.Td(d.reason or ""),
            ],
            className=ids.DECISION_ROW,
            **{"data-kind": d.kind},
        )
        for d in view.decisions[:LOG_ROWS]
    ]
    keys = ("time", "code", "kind", "message", "reason")
    return _table([t(f"auto.col.{k}", lang) for k in keys], rows, t("auto.no_decisions", lang), ids.DECISIONS)


def comparisons_table(view: BotView, lang: str) -> Any:
    """The evening backtest-vs-live comparisons: trades matched, missed and extra, and the slippage."""
    rows = []
    for day, r in view.comparisons:
        won_, bps = r.get("avg_slippage_won"), r.get("avg_slippage_bps")
        slip = "-" if won_ is None else f"{won_:+,.1f} ({bps:+.1f}bp)"
        cells = [day.isoformat(), r.get("matched", 0), r.get("missed", 0), r.get("extra", 0), slip]
        rows.append(html.Tr([html.Td(c, className="num" if i else "") for i, c in enumerate(cells)],
                            className="auto-comparison"))  # fmt: skip
    keys = ("day", "matched", "missed", "extra", "slippage")
    return _table(
        [t(f"auto.col.{k}", lang) for k in keys], rows, t("auto.no_comparisons", lang), ids.COMPARISONS
    )


def _colored(amount: int, lang: str) -> html.Span:
    return html.Span(t("auto.won", lang, amount=signed(amount)),
                     className="text-up" if amount > 0 else "text-down" if amount < 0 else "")  # fmt: skip


def summary(view: BotView, lang: str, prices: dict[str, int | None]) -> html.Div:
    """Name, version, account, today's realised P&L and the open positions' 평가손익, the status."""
    bot = view.bot
    pnl = _colored(view.pnl_today, lang)
    head, _, tail = t("auto.summary", lang, name=bot.name, version=bot.version, account=bot.account,
                      pnl="{pnl}").partition("{pnl}")  # fmt: skip
    extra = [t("auto.unrealised", lang), _colored(unrealised(view, prices), lang)] if view.positions else []
    status = html.B(
        f" · {status_text(bot.status, bot.status_reason, lang)}",
        className="text-danger" if bot.status == "halted" else "",
        id=f"{ids.SUMMARY}-status",
    )
    return html.Div([f"#{bot.id} ", head, pnl, tail, *extra, status], **{"data-status": bot.status})


DETAIL_OUT = {
    "summary": Output(ids.SUMMARY, "children"),
    "detail_style": Output(ids.DETAIL, "style"),
    "paper_days": Output(ids.PAPER_DAYS, "children"),
    "positions": Output(ids.POSITIONS, "children"),
    "orders": Output(ids.ORDERS, "children"),
    "decisions": Output(ids.DECISIONS, "children"),
    "comparisons": Output(ids.COMPARISONS, "children"),
}


@callback(
    output=DETAIL_OUT,
    inputs={
        "_tick": Input(ids.POLL, "n_intervals"),
        "_message": Input(ids.MESSAGE, "children"),
        "selected": Input(ids.SELECTED, "data"),
    },
)
def _refresh(_tick: int | None, _message: Any, selected: int | None) -> dict[str, Any]:
    lang = current_lang()
    if selected is None:
        return reply(DETAIL_OUT, summary=t("auto.select", lang), detail_style=HIDDEN, positions=[], orders=[],
                     decisions=[], comparisons=[])  # fmt: skip
    rt = runtime()
    try:
        view = bot_admin.view(rt.engine, username(), int(selected), today(), log_limit=LOG_ROWS)
    except BotActionError as err:
        return reply(DETAIL_OUT, summary=err.ko if lang == "ko" else str(err), detail_style=HIDDEN)
    days = ""
    if view.bot.mode == "paper":
        days = t("auto.paper_days", lang, days=view.paper_days, need=rt.settings.bot_paper_days)
    prices = {p.code: _price(p.code) for p in view.positions}
    return reply(
        DETAIL_OUT, summary=summary(view, lang, prices), detail_style={}, paper_days=days,
        positions=positions_table(view, lang, prices), orders=orders_table(view, lang),
        decisions=decisions_table(view, lang), comparisons=comparisons_table(view, lang),
    )  # fmt: skip


ACTION_OUT = {
    "message": Output(ids.MESSAGE, "children"),
    "confirm": Output(ids.PROMOTE_CONFIRM, "displayed"),
    "confirm_text": Output(ids.PROMOTE_CONFIRM, "message"),
}


def _alert(text: str, color: str) -> dbc.Alert:
    return dbc.Alert(text, color=color, className="py-1 px-2 mb-0 small", id=f"{ids.MESSAGE}-alert")


@callback(
    output=ACTION_OUT,
    inputs={
        "_start": Input(ids.START, "n_clicks"),
        "_pause": Input(ids.PAUSE, "n_clicks"),
        "_stop": Input(ids.STOP, "n_clicks"),
        "_promote": Input(ids.PROMOTE, "n_clicks"),
        "_confirmed": Input(ids.PROMOTE_CONFIRM, "submit_n_clicks"),
    },
    state={"selected": State(ids.SELECTED, "data"), "mode": State(ids.PROMOTE_MODE, "value")},
    prevent_initial_call=True,
)
def _act(_start: Any, _pause: Any, _stop: Any, _promote: Any, _confirmed: Any, selected: int | None,
         mode: str | None) -> dict[str, Any]:  # fmt: skip
    """시작/일시정지/정지 at once; 전환 asks first (refused at once with the reason when not allowed)."""
    lang = current_lang()
    if selected is None:
        return reply(ACTION_OUT, message=_alert(t("auto.no_selection", lang), "warning"))
    rt, user, bot_id, trigger = runtime(), username(), int(selected), ctx.triggered_id
    try:
        if trigger == ids.PROMOTE:
            bot_admin.check_promote(rt.engine, rt.settings, user, bot_id, mode or "mock")
            text = t("auto.promote_confirm", lang, id=bot_id, mode=t(f"auto.mode.{mode}", lang))
            return reply(ACTION_OUT, confirm=True, confirm_text=text, message="")
        if trigger == ids.PROMOTE_CONFIRM:
            account = bot_admin.promote(rt.engine, rt.settings, user, bot_id, mode or "mock", confirm=True)
            return reply(
                ACTION_OUT, message=_alert(t("auto.promoted", lang, id=bot_id, account=account), "success")
            )
        action = {ids.START: "start", ids.PAUSE: "pause", ids.STOP: "stop"}.get(str(trigger))
        if action is None:
            return reply(ACTION_OUT, message=no_update)
        status = bot_admin.set_status(rt.engine, user, bot_id, action)
    except BotActionError as err:
        return reply(ACTION_OUT, message=_alert(err.ko if lang == "ko" else str(err), "danger"))
    text = t("auto.status_set", lang, id=bot_id, status=t(f"auto.status.{status}", lang))
    return reply(ACTION_OUT, message=_alert(text, "success"))
