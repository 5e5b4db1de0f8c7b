"""The kill switch from the CLI: `gslts kill`, `gslts resume`, `gslts risk state` (through the gateway)."""

from __future__ import annotations

import click

from app.cli.common import cli_context, emit, json_option, user_option
from app.cli.market_cmds import _call
from app.runtime import runtime
from trading.orders.results import RiskReport


def _report(r: RiskReport, as_json: bool, head: str) -> None:
    data = {
        "account": r.account,
        "state": r.state,
        "reason": r.reason,
        "by": r.by,
        "cancelled": list(r.cancelled),
        "failed": list(r.failed),
    }
    lines = [f"{head}: {r.account} is {r.state.upper()}" + (f" ({r.reason})" if r.reason else "")]
    if r.cancelled or r.failed:
        lines.append(
            f"cancelled {len(r.cancelled)} open order(s)"
            + (f": {', '.join(r.cancelled)}" if r.cancelled else "")
        )
    lines += [f"NOT cancelled {f}" for f in r.failed]
    emit(data, as_json, "\n".join(lines))


@click.command("kill")
@click.option("--reason", default="", help="Why (kept with the state and in the audit log).")
@user_option
@json_option
def kill(reason: str, username: str, as_json: bool) -> None:
    """Kill switch: HALT the account (no new orders or modifies) and cancel all its open orders.
    Only `gslts resume` undoes it."""
    r = _call(runtime().gateway().kill, cli_context(username), reason or "kill switch (CLI)")
    _report(r, as_json, "killed")
    if r.failed:
        raise SystemExit(1)


@click.command("resume")
@click.option("--reason", default="", help="Why trading may go on.")
@user_option
@json_option
def resume(reason: str, username: str, as_json: bool) -> None:
    """Put a HALTED or REDUCING account back to ACTIVE."""
    r = _call(runtime().gateway().set_risk_state, cli_context(username), "active", reason)
    _report(r, as_json, "resumed")


@click.command("risk-state")
@click.argument("state", required=False, type=click.Choice(["active", "reducing", "halted"]))
@click.option("--reason", default="")
@user_option
@json_option
def risk_state(state: str | None, reason: str, username: str, as_json: bool) -> None:
    """Show the account's risk state, or set it: active, reducing (only sells within the shares held,
    and cancels) or halted (only cancels; open orders stay — `gslts kill` also cancels them)."""
    gw, ctx = runtime().gateway(), cli_context(username)
    r = _call(gw.risk_state, ctx) if state is None else _call(gw.set_risk_state, ctx, state, reason)
    _report(r, as_json, "state")
