"""``gslts history`` (daily bars: import CSV files, backfill from the broker, the end-of-day bars now)
and ``gslts us-data refresh`` (US sector data on demand)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click
from sqlalchemy.exc import OperationalError

from app.cli.common import CliError, db_error, emit, json_option
from app.runtime import runtime
from trading.brokers.errors import BrokerError
from trading.domain import KST
from trading.market.us_data import UsDataError


def _day(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError(f"bad {name} {text!r}: use YYYY-MM-DD") from None


@click.group("history")
def history() -> None:
    """Daily bars of every stock: import, backfill, end of day."""


@history.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@json_option
def history_import(directory: Path, as_json: bool) -> None:
    """Import the daily-bar CSV files of DIRECTORY (format: README "Importing history").

    A file with a bad line is reported (file:line: reason) and nothing of it is stored; the other
    files are. Running it again gives the same rows. Exit code 1 when any file failed.
    """
    from workers.history_jobs import import_dir

    try:
        result = import_dir(runtime().engine, directory)
    except OperationalError as err:
        raise db_error(err) from None
    data = result.to_dict()
    lines = []
    for f in data["files"]:
        if f["ok"]:
            lines.append(f"ok   {f['file']}: {f['rows']} rows ({f['first']}..{f['last']})")
        else:
            lines.append(f"FAIL {f['file']}: nothing stored")
            lines += [f"     {e}" for e in f["errors"]]
    lines.append(f"{data['rows']} rows from {len(data['files'])} files; {data['failed_files']} failed")
    emit(data, as_json, "\n".join(lines))
    if not data["files"]:
        raise CliError(f"no *.csv files in {directory}")
    if not result.ok:
        raise CliError(f"{data['failed_files']} file(s) not imported (see above)")


@history.command("backfill")
@click.option("--from", "from_text", required=True, metavar="YYYY-MM-DD", help="First session.")
@click.option("--to", "to_text", metavar="YYYY-MM-DD", help="Last session (default: the last closed one).")
@click.option("--codes", help="Comma-separated stock codes (default: every listed stock).")
@click.option("--restart", is_flag=True, help="Forget this backfill's progress and fetch every stock again.")
@json_option
def history_backfill(
    from_text: str, to_text: str | None, codes: str | None, restart: bool, as_json: bool
) -> None:
    """Fetch daily bars from the broker (KIS/Kiwoom daily-chart API), resumably.

    One stock at a time under the adapter's rate limit; each stock's bars and its progress are stored
    together, so an interrupted run continues where it stopped when started again.
    """
    from db.repositories import history as repo
    from workers.history_jobs import backfill, backfill_job_key

    rt = runtime()
    start, end = _day(from_text, "--from"), _day(to_text, "--to")
    assert start is not None
    if rt.settings.broker == "paper":
        raise CliError(
            "backfill reads from KIS or Kiwoom (BROKER=kis|kiwoom); "
            "the paper market has no real history: use `gslts history import DIR`"
        )
    code_list = [c.strip() for c in codes.split(",") if c.strip()] if codes else None
    if restart:
        repo.clear_progress(rt.engine, backfill_job_key(rt.settings.broker, start, end))
    try:
        out = backfill(rt.engine, rt.settings, rt.reader(), start, end, code_list)
    except ValueError as err:
        raise CliError(str(err)) from None
    except BrokerError as err:
        raise CliError(f"{type(err).__name__}: {err} (run again to continue)") from None
    except OperationalError as err:
        raise db_error(err) from None
    text = (
        f"{out['job']}: {out['fetched']} stocks fetched ({out['rows']} bars), {out['skipped_done']} done earlier, "
        f"{out['failures']} failed; {out['done']}/{out['stocks']} done in {out['seconds']}s"
        + (f"; {out['stopped']} — run again to continue" if out["stopped"] else "")
    )
    emit(out, as_json, text)
    if not out["complete"]:
        raise CliError("backfill incomplete: run the same command again to continue")


@history.command("eod")
@json_option
def history_eod(as_json: bool) -> None:
    """Write the last closed session's daily bars of every stock now (what the eod-bars job does)."""
    from workers.history_jobs import write_session_bars

    rt = runtime()
    try:
        reader = None if rt.settings.eod_bars_source == "recorder" else rt.reader()
        out = write_session_bars(rt.engine, rt.settings, reader, datetime.now(KST))
    except BrokerError as err:
        raise CliError(f"{type(err).__name__}: {err}") from None
    except OperationalError as err:
        raise db_error(err) from None
    emit(out, as_json, f"{out['status']}: {out.get('rows', 0)} daily bars of {out.get('day')}")


@click.group("us-data")
def us_data() -> None:
    """US sector ETF and index data (yfinance, then the configured fallback)."""


@us_data.command("refresh")
@json_option
def us_data_refresh(as_json: bool) -> None:
    """Fetch the US sessions not yet stored now: yfinance, then US_DATA_FALLBACK (kis | none).

    Symbols neither source answers stay missing (the report names them); nothing is simulated.
    """
    from db.repositories import reports as repo
    from workers.report_jobs import demo_mode, fetch_and_store_us

    rt = runtime()
    if demo_mode(rt.engine, rt.settings):
        raise CliError(
            "demo mode: the US series is simulated; a real refresh would mix real and simulated data"
        )
    try:
        status = fetch_and_store_us(rt.engine, rt.settings, datetime.now(KST))
    except UsDataError as err:
        raise CliError(str(err)) from None
    except OperationalError as err:
        raise db_error(err) from None
    last = repo.last_us_days(rt.engine)
    data = {"status": status, "last_days": {k: v.isoformat() for k, v in sorted(last.items())}}
    emit(data, as_json, status)
