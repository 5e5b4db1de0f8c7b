"""``gslts run``: the embedded default — migrate, seed, create the first admin, serve on 127.0.0.1."""

from __future__ import annotations

import click

from app.cli.common import CliError
from app.runtime import runtime


def prepare_database() -> None:
    """Migrate and seed; on the very first start create ``admin`` and print its password once."""
    from db.migrate import upgrade
    from db.repositories.users import ensure_admin
    from db.seed import seed

    rt = runtime()
    upgrade(rt.settings.database_url)
    seed(rt.engine)
    if rt.settings.broker == "paper":
        from app.cli.market_cmds import ensure_demo_data

        ensure_demo_data(rt.engine, rt.settings)
        _demo_report()
    password = ensure_admin(
        rt.engine, rt.settings.admin_password.get_secret_value() if rt.settings.admin_password else None
    )
    if password and not rt.settings.admin_password:
        click.echo("=" * 60)
        click.echo("First start: created user 'admin' with password:")
        click.echo(f"    {password}")
        click.echo("It is shown only this once. Change it with: gslts user passwd admin")
        click.echo("=" * 60)


def _demo_report() -> None:
    """Demo market: make sure the report of the session it will trade exists (a weekend start included)."""
    from trading.market.clock import DemoClock
    from workers.report_jobs import ensure_demo_report

    rt = runtime()
    if rt.settings.market_clock != "demo":
        return
    day = DemoClock().session_date()
    status = ensure_demo_report(rt.engine, rt.settings, day)
    if status.startswith("ok"):
        click.echo(f"Demo: {status}")


@click.command()
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default from PORT, 8050).")
@click.option("--host", default=None, help="Bind address (default 127.0.0.1).")
def run(port: int | None, host: str | None) -> None:
    """Start the app on the embedded default (SQLite, in-process market and tasks)."""
    from app.serve import serve
    from services.embedded import announce

    prepare_database()
    rt = runtime()
    settings = rt.settings
    if settings.embedded:
        _check_single_owner(rt)
    host, port = host or settings.host, port or settings.port
    announce(settings, host, port)
    serve(host, port)


def _check_single_owner(rt) -> None:  # noqa: ANN001 - services.container.Container
    """A second ``gslts run`` on the same data dir refuses at once (the server process takes the lease)."""
    from services.embedded import running_owner_url
    from services.ownership import FileLease
    from trading.orders.naming import owner_scope

    lease = FileLease(rt.settings.data_dir, owner_scope(rt.settings), rt.engine)
    if not lease.try_acquire():
        who = lease.holder()
        url = running_owner_url(rt.settings)
        raise CliError(
            f"another GSLTS process ({who.get('holder', 'unknown')}, pid {who.get('pid', '?')}) owns the "
            f"market of the data dir {rt.settings.data_dir}"
            + (f"; it serves {url}" if url else "")
            + ". Stop it first, or use another DATA_DIR"
        )
    lease.release()
