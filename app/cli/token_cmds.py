"""``gslts token create|list|revoke``: REST API tokens (shown once; only their hash is stored)."""

from __future__ import annotations

import click

from app.cli.common import CliError, emit, engine, json_option
from db.repositories import api_tokens as repo
from db.repositories.users import UserError, get_user


def _user(name: str):  # noqa: ANN202 - db.repositories.users.UserInfo
    user = get_user(engine(), name)
    if user is None:
        raise CliError(f"no user {name!r}")
    return user


@click.group()
def token() -> None:
    """REST API tokens (/api/v1): scopes read, trade, admin, never beyond the user's role."""


@token.command("create")
@click.argument("name")
@click.option("--user", "username", envvar="GSLTS_USER", default="admin", show_default=True,
              help="Whose token (env GSLTS_USER).")  # fmt: skip
@click.option("--scopes", default="read", show_default=True, help="Comma-separated: read, trade, admin.")
@json_option
def create_cmd(name: str, username: str, scopes: str, as_json: bool) -> None:
    """Create token NAME; the token is printed once — store it now."""
    user = _user(username)
    try:
        info, secret = repo.create_token(engine(), user, name, repo.parse_scopes(scopes, user.role))
    except UserError as err:
        raise CliError(str(err)) from None
    text = (f"token {info.id} ({info.name}, {', '.join(info.scopes)}) for {user.username}:\n{secret}\n"
            "it is shown only this once")  # fmt: skip
    emit(info.to_dict() | {"token": secret}, as_json, text)


@token.command("list")
@click.option("--user", "username", default=None, help="Only this user's tokens (default: everyone's).")
@click.option("--all", "include_revoked", is_flag=True, help="Include revoked tokens.")
@json_option
def list_cmd(username: str | None, include_revoked: bool, as_json: bool) -> None:
    """List tokens (never the token itself: its prefix identifies it)."""
    user_id = _user(username).id if username else None
    rows = repo.list_tokens(engine(), user_id, include_revoked)
    lines = [
        f"{r.id:>4}  {r.username:<12} {r.name:<24} gslts_{r.prefix}_…  {','.join(r.scopes):<16} "
        f"used {r.last_used_at or '-'}{'  REVOKED' if r.revoked_at else ''}"
        for r in rows
    ]
    emit([r.to_dict() for r in rows], as_json, "\n".join(lines) or "no tokens")


@token.command("revoke")
@click.argument("token_id", type=int)
@json_option
def revoke_cmd(token_id: int, as_json: bool) -> None:
    """Revoke token TOKEN_ID (requests with it are refused within a second)."""
    try:
        info = repo.revoke_token(engine(), token_id, None, "cli")
    except UserError as err:
        raise CliError(str(err)) from None
    emit(info.to_dict(), as_json, f"token {info.id} ({info.name}) of {info.username} revoked")
