"""``gslts user``: manage login users."""

from __future__ import annotations

import click

from app.cli.common import CliError, engine
from db.repositories import users as repo


@click.group()
def user() -> None:
    """Login users."""


@user.command("add")
@click.argument("name")
@click.option(
    "--password", prompt=True, hide_input=True, confirmation_prompt=True, help="At least 8 characters."
)
@click.option("--admin", is_flag=True, help="Give admin rights.")
def add_cmd(name: str, password: str, admin: bool) -> None:
    """Create user NAME."""
    try:
        repo.add_user(engine(), name, password, is_admin=admin)
    except repo.UserError as err:
        raise CliError(str(err)) from None
    click.echo(f"user {name} created")


@user.command("passwd")
@click.argument("name")
@click.option(
    "--password", prompt=True, hide_input=True, confirmation_prompt=True, help="At least 8 characters."
)
def passwd_cmd(name: str, password: str) -> None:
    """Set a new password for NAME."""
    try:
        repo.set_password(engine(), name, password)
    except repo.UserError as err:
        raise CliError(str(err)) from None
    click.echo(f"password of {name} changed")
