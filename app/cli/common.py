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
