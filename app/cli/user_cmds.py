"""``gslts user``: login users and their roles; ``gslts account``: accounts and who may trade them;
``gslts risk``: the per-account order limits (주문 착오방지)."""

from __future__ import annotations

import click

from app.cli.common import CliError, emit, engine, json_option
from app.runtime import runtime
from db.repositories import accounts as accounts_repo
from db.repositories import users as repo
from services.accounts import default_limits
from trading.orders.context import Role

ROLES = click.Choice([r.value for r in Role])


def _user_call(fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
    try:
        return fn(*args, **kwargs)
    except repo.UserError as err:
        raise CliError(str(err)) from None


@click.group()
def user() -> None:
    """Login users (roles: viewer reads only, trader places orders, admin also manages users)."""


@user.command("add")
@click.argument("name")
@click.option(
    "--password", prompt=True, hide_input=True, confirmation_prompt=True, help="At least 8 characters."
)
@click.option("--role", type=ROLES, default="trader", show_default=True)
@click.option("--admin", is_flag=True, help="Same as --role admin.")
def add_cmd(name: str, password: str, role: str, admin: bool) -> None:
    """Create user NAME (with their own paper account)."""
    _user_call(repo.add_user, engine(), name, password, "admin" if admin else role)
    click.echo(f"user {name} created ({'admin' if admin else role})")


@user.command("passwd")
@click.argument("name")
@click.option(
    "--password", prompt=True, hide_input=True, confirmation_prompt=True, help="At least 8 characters."
)
def passwd_cmd(name: str, password: str) -> None:
    """Set a new password for NAME (their open sessions end)."""
    _user_call(repo.set_password, engine(), name, password)
    click.echo(f"password of {name} changed; their sessions were logged out")


@user.command("role")
@click.argument("name")
@click.argument("role", type=ROLES)
def role_cmd(name: str, role: str) -> None:
    """Give NAME the role ROLE (their open sessions end)."""
    _user_call(repo.set_role, engine(), name, role)
    click.echo(f"{name} is now {role}")


@user.command("disable")
@click.argument("name")
def disable_cmd(name: str) -> None:
    """Disable NAME: no login, sessions ended, no orders."""
    _user_call(repo.set_disabled, engine(), name, True)
    click.echo(f"user {name} disabled; their sessions were logged out")


@user.command("enable")
@click.argument("name")
def enable_cmd(name: str) -> None:
    """Enable NAME again."""
    _user_call(repo.set_disabled, engine(), name, False)
    click.echo(f"user {name} enabled")


@user.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask.")
def remove_cmd(name: str, yes: bool) -> None:
    """Delete NAME (sessions and account bindings go; their paper account's history stays)."""
    if not yes:
        click.confirm(f"remove user {name}?", abort=True)
    _user_call(repo.remove_user, engine(), name)
    click.echo(f"user {name} removed")


@user.command("list")
@json_option
def list_cmd(as_json: bool) -> None:
    """Users with role and state."""
    rows = [
        {"username": u.username, "role": u.role.value, "disabled": u.disabled}
        for u in repo.list_users(engine())
    ]
    text = "\n".join(f"{r['username']:20} {r['role']:8} {'disabled' if r['disabled'] else ''}" for r in rows)
    emit(rows, as_json, text or "no users")


@click.group()
def account() -> None:
    """Trading accounts: each user's paper account, and the broker account an admin binds to users."""


@account.command("list")
@json_option
def account_list(as_json: bool) -> None:
    """Accounts with environment, owner or bound users, and limits."""
    defaults = default_limits(runtime().settings)
    rows = []
    for a in accounts_repo.list_accounts(engine()):
        lim = a.limits(defaults)
        users = (
            [u.username for u in repo.list_users(engine()) if u.id == a.owner_user_id]
            if a.broker == "paper"
            else accounts_repo.bound_users(engine(), a.name)
        )
        rows.append(
            {
                "name": a.name, "broker": a.broker, "env": a.env, "users": users,
                "max_order_qty": lim.max_qty, "max_order_amount": lim.max_amount,
                "max_orders_per_minute": lim.max_per_minute,
            }
        )  # fmt: skip
    text = "\n".join(f"{r['name']:28} {r['broker']:7} {r['env']:6} {', '.join(r['users'])}" for r in rows)
    emit(rows, as_json, text or "no accounts")


@account.command("bind")
@click.argument("account_name")
@click.argument("username")
def account_bind(account_name: str, username: str) -> None:
    """Let USERNAME trade the broker account ACCOUNT_NAME."""
    done = _user_call(accounts_repo.bind, engine(), account_name, username, "cli")
    click.echo(f"{username} {'may now trade' if done else 'could already trade'} {account_name}")


@account.command("unbind")
@click.argument("account_name")
@click.argument("username")
def account_unbind(account_name: str, username: str) -> None:
    """Stop USERNAME trading the broker account ACCOUNT_NAME."""
    done = _user_call(accounts_repo.unbind, engine(), account_name, username, "cli")
    click.echo(f"{username} {'no longer trades' if done else 'was not bound to'} {account_name}")


@click.group()
def risk() -> None:
    """Per-account order limits (주문 착오방지): checked by the order gateway for every entry point."""


def _limits_dict(row: accounts_repo.AccountRow) -> dict:
    lim = row.limits(default_limits(runtime().settings))
    acc = lim.account
    return {
        "account": row.name,
        "max_order_qty": lim.max_qty,
        "max_order_amount": lim.max_amount,
        "max_orders_per_minute": lim.max_per_minute,
        "confirm_above": runtime().settings.order_confirm_amount,
        "max_orders_per_day": acc.max_orders_per_day,
        "max_daily_loss": acc.max_daily_loss,
        "max_stock_pct": acc.max_stock_pct,
        "max_total_pct": acc.max_total_pct,
        "cash_reserve": acc.cash_reserve,
        "state": row.risk.state.value,
    }


def _limits_line(d: dict) -> str:
    extra = "  ".join(
        f"{k}={d[k]:,}" if isinstance(d[k], int) else f"{k}={d[k]:g}"
        for k in accounts_repo.ACCOUNT_LIMITS
        if d[k] is not None
    )
    return (
        f"{d['account']:28} {d['state'].upper():8} qty<={d['max_order_qty']:,}  amount<={d['max_order_amount']:,}  "
        f"{d['max_orders_per_minute']}/min  confirm>{d['confirm_above']:,}" + (f"  {extra}" if extra else "")
    )


@risk.command("show")
@click.option("--account", "account_name", default=None, help="Default: every account.")
@json_option
def risk_show(account_name: str | None, as_json: bool) -> None:
    """The limits in force."""
    rows = [a for a in accounts_repo.list_accounts(engine()) if account_name in (None, a.name)]
    if account_name and not rows:
        raise CliError(f"no account {account_name!r}")
    data = [_limits_dict(a) for a in rows]
    emit(data, as_json, "\n".join(_limits_line(d) for d in data) or "no accounts")


@risk.command("set")
@click.option("--account", "account_name", required=True)
@click.option("--max-order-qty", type=click.IntRange(1), default=None, help="Shares per order.")
@click.option("--max-order-amount", type=click.IntRange(1), default=None, help="Won per order.")
@click.option("--max-orders-per-minute", type=click.IntRange(1), default=None, help="Orders + modifies.")
@click.option(
    "--max-orders-per-day", type=click.IntRange(0), default=None, help="Orders a session (0 = off)."
)
@click.option("--max-daily-loss", type=click.IntRange(0), default=None,
              help="Won: today's P&L at or below minus this halts the account for the day (0 = off).")  # fmt: skip
@click.option("--max-stock-pct", type=click.FloatRange(0, 100), default=None,
              help="One stock's value after a buy, %% of equity (0 = off).")  # fmt: skip
@click.option("--max-total-pct", type=click.FloatRange(0, 100), default=None,
              help="All stocks' value after a buy, %% of equity (0 = off).")  # fmt: skip
@click.option("--cash-reserve", type=click.IntRange(0), default=None, help="Won a buy never uses (0 = off).")
@json_option
def risk_set(account_name: str, max_order_qty: int | None, max_order_amount: int | None,
             max_orders_per_minute: int | None, max_orders_per_day: int | None, max_daily_loss: int | None,
             max_stock_pct: float | None, max_total_pct: float | None, cash_reserve: int | None,
             as_json: bool) -> None:  # fmt: skip
    """Set limits of one account (the others stay); owners see them within 2 s."""
    order_limits = {"max_order_qty": max_order_qty, "max_order_amount": max_order_amount,
                    "max_orders_per_minute": max_orders_per_minute}  # fmt: skip
    account_limits = {"max_orders_per_day": max_orders_per_day, "max_daily_loss": max_daily_loss,
                      "max_stock_pct": max_stock_pct, "max_total_pct": max_total_pct,
                      "cash_reserve": cash_reserve}  # fmt: skip
    given = {k: v for k, v in account_limits.items() if v is not None}
    if all(v is None for v in order_limits.values()) and not given:
        raise CliError("give at least one limit (see --help)")
    row = None
    if any(v is not None for v in order_limits.values()):
        row = _user_call(accounts_repo.set_limits, engine(), account_name, **order_limits, by="cli")
    if given:  # 0 turns a limit off
        values = {k: (None if v == 0 else v) for k, v in given.items()}
        row = _user_call(accounts_repo.set_account_limits, engine(), account_name, values, "cli")
    assert row is not None
    emit(_limits_dict(row), as_json, _limits_line(_limits_dict(row)))
