"""Helpers shared by the CLI commands."""

from __future__ import annotations

import json
from typing import Any

import click
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from app.runtime import runtime


class CliError(RuntimeError):
    """An expected failure: printed as one line, exit code 1."""


def engine() -> Engine:
    return runtime().engine


def emit(data: Any, as_json: bool, text: str | None = None) -> None:
    """Print ``data`` as JSON (``--json``) or ``text`` for people."""
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, default=str))
    else:
        click.echo(text if text is not None else str(data))


def db_error(err: OperationalError) -> CliError:
    msg = str(err.orig) if err.orig is not None else str(err)
    return CliError(f"database error: {msg.splitlines()[0]}")


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


user_option = click.option(
    "--user",
    "username",
    envvar="GSLTS_USER",
    default="admin",
    show_default=True,
    help="Act as this GSLTS user: their account and their rights (env GSLTS_USER).",
)


def cli_context(username: str, token: str | None = None):  # noqa: ANN201 - trading.orders.context.OrderContext
    """Who is ordering from the CLI, and for which account; a clear error when that user cannot trade."""
    from db.repositories.users import get_user
    from services.accounts import account_for_user
    from trading.orders.context import Actor, EntryPoint, OrderContext

    rt = runtime()
    user = get_user(rt.engine, username)
    if user is None:
        raise CliError(f"no user {username!r} (give --user NAME or set GSLTS_USER)")
    if user.disabled:
        raise CliError(f"user {username!r} is disabled")
    account = account_for_user(rt.engine, rt.settings, user.id, user.username)
    if account is None:
        raise CliError(
            f"no trading account is bound to {username!r}; an admin binds it with "
            f"`gslts account bind ACCOUNT {username}`"
        )
    return OrderContext(Actor(user.username, user.role), account, EntryPoint.CLI, token)
