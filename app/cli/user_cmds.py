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
    return {
        "account": row.name,
        "max_order_qty": lim.max_qty,
        "max_order_amount": lim.max_amount,
        "max_orders_per_minute": lim.max_per_minute,
        "confirm_above": runtime().settings.order_confirm_amount,
    }


@risk.command("show")
@click.option("--account", "account_name", default=None, help="Default: every account.")
@json_option
def risk_show(account_name: str | None, as_json: bool) -> None:
    """The limits in force."""
    rows = [a for a in accounts_repo.list_accounts(engine()) if account_name in (None, a.name)]
    if account_name and not rows:
        raise CliError(f"no account {account_name!r}")
    data = [_limits_dict(a) for a in rows]
    text = "\n".join(
        f"{d['account']:28} qty<={d['max_order_qty']:,}  amount<={d['max_order_amount']:,}  "
        f"{d['max_orders_per_minute']}/min  confirm>{d['confirm_above']:,}"
        for d in data
    )
    emit(data, as_json, text or "no accounts")


@risk.command("set")
@click.option("--account", "account_name", required=True)
@click.option("--max-order-qty", type=click.IntRange(1), default=None, help="Shares per order.")
@click.option("--max-order-amount", type=click.IntRange(1), default=None, help="Won per order.")
@click.option("--max-orders-per-minute", type=click.IntRange(1), default=None, help="Orders + modifies.")
@json_option
def risk_set(
    account_name: str,
    max_order_qty: int | None,
    max_order_amount: int | None,
    max_orders_per_minute: int | None,
    as_json: bool,
) -> None:
    """Set limits of one account (the others stay); owners see them within 2 s."""
    if max_order_qty is None and max_order_amount is None and max_orders_per_minute is None:
        raise CliError("give at least one of --max-order-qty, --max-order-amount, --max-orders-per-minute")
    row = _user_call(
        accounts_repo.set_limits, engine(), account_name, max_order_qty=max_order_qty,
        max_order_amount=max_order_amount, max_orders_per_minute=max_orders_per_minute, by="cli",
    )  # fmt: skip
    d = _limits_dict(row)
    emit(d, as_json, f"{d['account']}: qty<={d['max_order_qty']:,} amount<={d['max_order_amount']:,} "
                     f"{d['max_orders_per_minute']}/min")  # fmt: skip
