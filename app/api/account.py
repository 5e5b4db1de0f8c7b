"""The caller's account: balance, positions, fills (the orders are in ``orders.py``)."""

from __future__ import annotations

import time

from app.api.endpoint import Call, Endpoint, api
from app.api.problems import ApiProblem
from app.api.schemas import BalanceOut, FillOut, PositionOut
from app.runtime import runtime
from db.repositories.api_tokens import TokenUser
from services.accounts import account_for_user
from trading.domain import Balance, Fill, Position
from trading.orders.context import Actor, EntryPoint, OrderContext

ACCOUNT_TTL_S = 5.0  # as the pages' ``current_account``: a new binding is seen within 5 s
_accounts: dict[tuple[str, int], tuple[float, str | None]] = {}


def account_name(user: TokenUser) -> str:
    """The account the token's user trades (their paper account, or the bound broker account)."""
    rt = runtime()
    key, now = (str(rt.engine.url), user.user_id), time.monotonic()
    hit = _accounts.get(key)
    if hit is not None and now - hit[0] < ACCOUNT_TTL_S:
        name = hit[1]
    else:
        name = account_for_user(rt.engine, rt.settings, user.user_id, user.username)
        _accounts[key] = (now, name)
    if name is None:
        raise ApiProblem("NOT_FOUND", f"no trading account is bound to {user.username}",
                         "이 사용자에게 연결된 계좌가 없습니다")  # fmt: skip
    return name


def order_context(user: TokenUser, confirm_token: str | None = None) -> OrderContext:
    """The API's order context: the token's user (current role) on their account."""
    return OrderContext(Actor(user.username, user.role), account_name(user), EntryPoint.API, confirm_token)


def reader(user: TokenUser):  # noqa: ANN201 - the Broker protocol (reads)
    return runtime().reader(account_name(user))


def position_out(p: Position) -> PositionOut:
    return PositionOut(code=p.code, qty=p.qty, avg_price=round(p.avg_price, 2), cost=p.cost, price=p.price,
                       value=p.value, pnl=p.pnl, pnl_pct=round(p.pnl_pct, 4))  # fmt: skip


def balance_out(account: str, b: Balance) -> BalanceOut:
    return BalanceOut(account=account, cash=b.cash, orderable=b.orderable, stock_value=b.stock_value,
                      total_value=b.total_value, total_pnl=b.total_pnl,
                      positions=[position_out(p) for p in b.positions])  # fmt: skip


def fill_out(f: Fill) -> FillOut:
    side = str(getattr(f.side, "value", f.side))
    return FillOut(fill_id=f.fill_id, order_id=f.order_id, code=f.code, side=side, price=f.price, qty=f.qty,
                   commission=f.commission, tax=f.tax, time=f.time)  # fmt: skip


@api(Endpoint("GET", "/balance", "Cash, orderable amount and positions", "account", "read", BalanceOut))
def get_balance(call: Call) -> BalanceOut:
    name = account_name(call.user)
    return balance_out(name, runtime().reader(name).balance())


@api(Endpoint("GET", "/positions", "The positions held", "account", "read", list[PositionOut]))
def get_positions(call: Call) -> list[PositionOut]:
    return [position_out(p) for p in reader(call.user).balance().positions]


@api(Endpoint("GET", "/fills", "Today's fills", "account", "read", list[FillOut]))
def get_fills(call: Call) -> list[FillOut]:
    return [fill_out(f) for f in reader(call.user).fills()]
