"""``gslts screen run``: a stock screen over the stored daily bars of every stock."""

from __future__ import annotations

import json
from typing import Any

import click
from sqlalchemy.exc import OperationalError

from app.cli.common import CliError, db_error, emit, engine, json_option
from trading.krx.fmt import amount_en
from trading.screen.spec import DIRECTIONS, MARKETS, US_LINKED, ScreenError
from trading.sectors import SECTORS

_CROSS = click.Choice(DIRECTIONS, case_sensitive=False)


def spec_from_options(opts: dict[str, Any]) -> dict[str, Any]:
    """The screen dict of ``--spec`` with the single options laid over it."""
    try:
        spec = json.loads(opts["spec"]) if opts.get("spec") else {}
    except json.JSONDecodeError as err:
        raise CliError(f"--spec is not valid JSON: {err.msg}") from None
    if not isinstance(spec, dict):
        raise CliError("--spec must be a JSON object")
    sub = {
        "rsi": {"period": opts["rsi_period"], "min": opts["rsi_min"], "max": opts["rsi_max"]},
        "macd_cross": {
            "direction": opts["macd"],
            "within": opts["macd_within"],
            "fast": opts["macd_fast"],
            "slow": opts["macd_slow"],
            "signal": opts["macd_signal"],
        },  # fmt: skip
        "ma_cross": {
            "direction": opts["ma"],
            "within": opts["ma_within"],
            "fast": opts["ma_fast"],
            "slow": opts["ma_slow"],
        },  # fmt: skip
    }
    for key, values in sub.items():
        given = {k: v for k, v in values.items() if v is not None}
        if given:
            spec[key] = {**(spec.get(key) or {}), **given}
    for key in ("value_rank_max", "price_min", "price_max", "us_linked", "limit"):
        if opts[key] is not None:
            spec[key] = opts[key]
    if opts["sector"]:
        spec["sectors"] = list(opts["sector"])
    if opts["market"]:
        spec["markets"] = list(opts["market"])
    return spec


def _text(result: dict[str, Any]) -> str:
    lines = [
        f"screen as of {result['as_of'] or '-'} over {result['stocks']} stocks: {len(result['hits'])} hits"
    ]
    if result["spec"].get("us_linked"):
        sectors = ", ".join(result["us_sectors"]) or "none"
        lines.append(
            f"  US-linked {result['spec']['us_linked']} sectors (report {result['report_day'] or 'none'}): {sectors}"
        )
    for h in result["hits"]:
        extra = " ".join(f"{k}={v}" for k, v in h["matched"].items())
        lines.append(
            f"{h['value_rank']:>5}. {h['code']} {h['name_en']} [{h['sector']} {h['market']}] "
            f"{h['close']:,} {h['change_pct']:+.2f}% value {amount_en(h['value'])} {extra}".rstrip()
        )
    return "\n".join(lines)


@click.group("screen")
def screen() -> None:
    """Stock screens over the daily bars of every stock."""


@screen.command("run")
@click.option(
    "--spec", help='The whole screen as JSON, e.g. \'{"rsi": {"max": 30}}\' (options below override it).'
)
@click.option("--rsi-period", type=int, help="RSI period (default 14).")
@click.option("--rsi-min", type=float, help="RSI at least this.")
@click.option("--rsi-max", type=float, help="RSI at most this.")
@click.option("--macd", type=_CROSS, help="MACD crossed its signal line: golden (up) or dead (down).")
@click.option("--macd-within", type=int, help="... in the last N sessions (default 3).")
@click.option("--macd-fast", type=int, help="MACD fast EMA (default 12).")
@click.option("--macd-slow", type=int, help="MACD slow EMA (default 26).")
@click.option("--macd-signal", type=int, help="MACD signal EMA (default 9).")
@click.option("--ma", type=_CROSS, help="The fast SMA crossed the slow one: golden or dead.")
@click.option("--ma-fast", type=int, help="Fast SMA (default 5).")
@click.option("--ma-slow", type=int, help="Slow SMA (default 20).")
@click.option("--ma-within", type=int, help="... in the last N sessions (default 3).")
@click.option("--value-rank-max", type=int, help="In the TOP N by trading value of the last session.")
@click.option(
    "--sector", multiple=True, help=f"Sector code or name (repeatable): {', '.join(s.code for s in SECTORS)}."
)
@click.option(
    "--market", multiple=True, type=click.Choice(MARKETS, case_sensitive=False), help="Market (repeatable)."
)
@click.option("--price-min", type=int, help="Close at least this (won).")
@click.option("--price-max", type=int, help="Close at most this (won).")
@click.option(
    "--us-linked", type=click.Choice(US_LINKED), help="Sectors the latest morning report expects up/down."
)
@click.option("--limit", type=int, help="At most this many results (default 50).")
@json_option
def run_screen_cmd(as_json: bool, **opts: Any) -> None:
    """Screen every stock on its stored daily bars; results by trading value, largest first."""
    from services.screens import run

    spec = spec_from_options(opts)
    try:
        result = run(engine(), spec).to_dict()
    except ScreenError as err:
        raise CliError(
            "bad screen: " + "; ".join(f"{k}: {en}" for k, (_, en) in err.errors.items())
        ) from None
    except OperationalError as err:
        raise db_error(err) from None
    emit(result, as_json, _text(result))
