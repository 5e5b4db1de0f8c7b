"""The ``gslts`` command line. Data commands take ``--json``; errors print one line and exit non-zero."""

from __future__ import annotations

import sys

import click

from app.cli.alerts_cmds import alerts
from app.cli.backtest_cmd import backtest
from app.cli.bot_cmds import bot
from app.cli.common import CliError
from app.cli.db_cmds import db
from app.cli.history_cmds import history, us_data
from app.cli.kill_cmds import kill, resume, risk_state
from app.cli.market_cmds import (
    OrderStillPending,
    book,
    broker_group,
    cancel,
    demo_data,
    market,
    modify,
    order,
    order_status,
    orders,
    positions,
    quote,
)
from app.cli.record_cmds import partitions, record, ticks
from app.cli.report_cmds import report, sectors
from app.cli.run_cmd import run
from app.cli.screen_cmds import screen
from app.cli.token_cmds import token
from app.cli.user_cmds import account, risk, user
from trading.config import ConfigError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """GSLTS — Global Sector Linked Trading System."""
    from app.runtime import _runtime, init_runtime

    if _runtime is None:
        init_runtime(kind="cli")


db.add_command(partitions)
for command in (
    db,
    user,
    run,
    demo_data,
    quote,
    book,
    order,
    order_status,
    orders,
    cancel,
    modify,
    positions,
    market,
    broker_group,
    account,
    risk,
    risk_state,
    kill,
    resume,
    report,
    sectors,
    screen,
    record,
    ticks,
    backtest,
    bot,
    history,
    us_data,
    token,
    alerts,
):
    cli.add_command(command)


def main() -> None:
    """Entry point: one clear line on any expected error."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as err:
        click.echo(f"error: {err.format_message()}", err=True)
        sys.exit(err.exit_code or 2)
    except OrderStillPending as err:
        click.echo(f"pending: {err}", err=True)
        sys.exit(3)
    except (CliError, ConfigError) as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(1)
    finally:
        from app import runtime as rt_module

        if rt_module._runtime is not None:
            rt_module._runtime.close()
