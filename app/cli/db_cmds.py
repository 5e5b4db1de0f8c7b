"""``gslts db``: migrations and seed data."""

from __future__ import annotations

import click
from sqlalchemy.exc import OperationalError

from app.cli.common import db_error, emit, engine, json_option
from app.runtime import runtime


@click.group()
def db() -> None:
    """Database: migrations and seed data."""


@db.command("upgrade")
@json_option
def upgrade_cmd(as_json: bool) -> None:
    """Apply Alembic migrations up to the newest revision."""
    from db.migrate import current_revision, upgrade

    try:
        upgrade(runtime().settings.database_url)
        rev = current_revision(engine())
    except OperationalError as err:
        raise db_error(err) from None
    emit({"revision": rev}, as_json, f"database at revision {rev}")


@db.command("seed")
@json_option
def seed_cmd(as_json: bool) -> None:
    """Load the stock master, sectors and the US→KR mapping (idempotent)."""
    from db.seed import seed

    try:
        res = seed(engine())
    except OperationalError as err:
        raise db_error(err) from None
    data = {
        "stocks": res.stocks_total,
        "inserted": res.stocks_inserted,
        "updated": res.stocks_updated,
        "sectors_changed": res.sectors_changed,
        "mapping_inserted": res.mapping_inserted,
        "changed": res.changed,
    }
    text = (
        f"stocks: {res.stocks_total} ({res.stocks_inserted} new, {res.stocks_updated} updated); "
        f"sectors changed: {res.sectors_changed}; mapping rows added: {res.mapping_inserted}"
    )
    emit(data, as_json, text)
