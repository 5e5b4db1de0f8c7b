"""``gslts backtest``: run a strategy on stored daily bars or a CSV file and print the statistics."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click
import pandas as pd

from app.cli.common import CliError, engine, json_option


def _param(values: tuple[str, ...]) -> dict[str, object]:
    out: dict[str, object] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise CliError(f"--param wants key=value, got {item!r}")
        try:
            out[key] = json.loads(raw)
        except ValueError:
            out[key] = raw
    return out


def _db_bars(codes: list[str], start: date, end: date) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    from db.repositories.bars import daily_bars
    from db.repositories.stocks import get_stock

    data, markets = {}, {}
    for code in codes:
        stock = get_stock(engine(), code)
        if stock is None:
            raise CliError(f"unknown stock code {code!r}")
        bars = daily_bars(engine(), code, start, end)
        if not bars:
            raise CliError(f"no daily bars for {code} between {start} and {end} (run `gslts demo-data`?)")
        frame = pd.DataFrame(
            {"Open": [b.open for b in bars], "High": [b.high for b in bars], "Low": [b.low for b in bars],
             "Close": [b.close for b in bars], "Volume": [b.volume for b in bars]},
            index=pd.DatetimeIndex([pd.Timestamp(b.time.date()) for b in bars]),
        )  # fmt: skip
        data[code], markets[code] = frame, stock.market
    return data, markets


@click.command()
@click.option("--strategy", required=True, help="Strategy name (built-in or a file in strategies/).")
@click.option("--codes", default=None, help="Comma-separated stock codes (stored daily bars).")
@click.option("--csv", "csv_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--param", "params", multiple=True, help="Strategy parameter key=value (repeatable).")
@click.option("--fill", type=click.Choice(["next_open", "close"]), default="next_open", show_default=True)
@click.option(
    "--commission", type=float, default=None, help="Rate per side (0.00015 = 0.015%); default by broker."
)
@click.option(
    "--tax", type=float, default=None, help="Sell tax rate; default the KRX table by date and market."
)
@click.option("--slippage-ticks", type=click.IntRange(0, 100), default=0, show_default=True)
@click.option("--cash", type=click.IntRange(1), default=100_000_000, show_default=True)
@json_option
def backtest(
    strategy, codes, csv_path, start, end, params, fill, commission, tax, slippage_ticks, cash, as_json
) -> None:  # noqa: ANN001, PLR0913
    """Backtest a strategy; --json prints statistics and a trades list."""
    from trading.backtest import BacktestSettings, read_csv_bars, run_backtest
    from trading.strategies.registry import get_strategy

    if (codes is None) == (csv_path is None):
        raise CliError("give exactly one of --codes or --csv")
    if end < start:
        raise CliError("--end is before --start")
    try:
        get_strategy(strategy)
    except KeyError as err:
        raise CliError(str(err).strip("'\"")) from None
    if csv_path is not None:
        frame = read_csv_bars(csv_path)
        data = {csv_path.stem: frame.loc[(frame.index >= start) & (frame.index <= end)]}
        markets: dict[str, str | None] = {csv_path.stem: None}
    else:
        data, markets = _db_bars(
            [c.strip().upper() for c in codes.split(",") if c.strip()], start.date(), end.date()
        )
    try:
        settings = BacktestSettings(
            markets=markets,
            fill=fill,
            commission=commission,
            tax=tax,
            slippage_ticks=slippage_ticks,
            cash=cash,
        )
        result = run_backtest(data, strategy, _param(params), settings)
    except ValueError as err:
        raise CliError(str(err)) from None
    out = result.to_dict()
    if as_json:
        click.echo(
            json.dumps(
                {**out["stats"], "stats": out["stats"], "trades": out["trades"]},
                ensure_ascii=False,
                default=str,
            )
        )
        return
    for key, value in out["stats"].items():
        click.echo(f"{key:>24}: {value}")
    click.echo(f"{'trades':>24}: {len(out['trades'])}")
