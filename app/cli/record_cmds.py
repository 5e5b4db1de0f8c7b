"""``gslts record`` (the recorder process), ``gslts ticks`` (export, ``rebuild-bars``) and
``gslts db partitions``."""

from __future__ import annotations

import csv
import json
import logging
import sys
import threading
from datetime import date, datetime

import click
from sqlalchemy.exc import OperationalError

from app.cli.common import CliError, db_error, emit, engine, json_option
from app.runtime import runtime
from trading.domain import is_valid_code
from trading.timeconv import as_kst


def _broker():  # noqa: ANN202 - the Broker protocol
    """Market reads of the configured broker (the paper market: its owner, or this process owns it).
    Full mode with KIS/Kiwoom: the market process (its broker feed's channels and cache), never a
    second broker websocket session (KIS allows one per app key)."""
    rt = runtime()
    s = rt.settings
    if s.broker != "paper" and s.redis_url:
        from services.secret import deployment_secret
        from trading.brokers.redis_rpc import RedisTransport
        from trading.brokers.rpc import RpcBroker

        return RpcBroker(RedisTransport(s.redis_url, deployment_secret(s)), s.broker, s.rpc_timeout_s)
    return rt.reader(None)


@click.command("record")
@click.option("--top", "top_n", default=100, show_default=True, help="Record the top N by 거래대금.")
@click.option("--all", "record_all", is_flag=True, help="Record every listed stock (paper market).")
@click.option("--cap", type=int, help="Subscriptions per connection (default: the broker's limit).")
@click.option("--connections", type=int, help="Connections allowed (default: paper 64, others 1).")
@click.option("--no-books", is_flag=True, help="Ticks only, no order-book snapshots.")
@click.option("--universe-every", default=180.0, show_default=True, help="Seconds between universe updates.")
@click.option("--writer/--no-writer", default=True, help="Run the batch writer in this process.")
def record(top_n: int, record_all: bool, cap: int | None, connections: int | None, no_books: bool,
           universe_every: float, writer: bool) -> None:  # fmt: skip
    """Record realtime ticks into tick_data (Procfile: recorder)."""
    from workers.recorder.runner import stop_on_signals
    from workers.recorder.service import Recorder, RecorderOptions

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    rt = runtime()
    all_codes: list[str] = []
    if record_all:
        from trading.market.stocks import load_listing

        all_codes = [s.code for s in load_listing()]
    opts = RecorderOptions(
        top_n=top_n, record_all=record_all, all_codes=all_codes, universe_every_s=universe_every,
        cap_per_connection=cap, max_connections=connections, books=not no_books, run_writer=writer,
    )  # fmt: skip
    broker = _broker()
    transport = getattr(broker, "transport", None)
    if hasattr(transport, "resume_as"):  # full mode: read ticks from the market's durable log
        transport.resume_as("recorder")
    stop = threading.Event()
    stop_on_signals(stop)
    mode = "redis stream" if rt.settings.redis_url else "spool file"
    click.echo(f"recording from {broker.name} via {mode}; Ctrl-C to stop", err=True)
    try:
        Recorder(rt.settings, broker, rt.engine, opts).run(stop)
    finally:
        broker.close()


def _when(value: str) -> datetime:
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not an ISO time: {value}") from None
    return as_kst(t)


class TicksGroup(click.Group):
    """``gslts ticks CODE --from --to`` exports (the default); ``gslts ticks rebuild-bars`` rebuilds."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["export", *args]
        return super().parse_args(ctx, args)


@click.group("ticks", cls=TicksGroup)
def ticks() -> None:
    """Recorded ticks: export them (ticks CODE --from T --to T) or rebuild minute bars from them."""


@ticks.command("export")
@click.argument("code")
@click.option("--from", "start", required=True, help="Start (inclusive), ISO time, KST if no zone.")
@click.option("--to", "end", required=True, help="End (exclusive), ISO time, KST if no zone.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV with a header.")
@json_option
def export(code: str, start: str, end: str, as_csv: bool, as_json: bool) -> None:
    """Export the ticks of CODE in [--from, --to)."""
    from db.repositories.ticks import iter_tick_rows

    code = code.strip().upper()
    if not is_valid_code(code):
        raise CliError(f"not a stock code: {code}")
    t0, t1 = _when(start), _when(end)
    if t1 <= t0:
        raise CliError("--to must be after --from")
    cols = ("code", "time", "seq", "price", "volume", "cum_volume", "cum_value", "strength")
    try:
        rows = iter_tick_rows(engine(), code, t0, t1)
        if as_json:
            click.echo(
                json.dumps(
                    [
                        dict(zip(cols, (r[0], r[1].isoformat(timespec="milliseconds"), *r[2:]), strict=True))
                        for r in rows
                    ]
                )
            )
        elif as_csv:
            w = csv.writer(sys.stdout, lineterminator="\n")
            w.writerow(cols)
            for r in rows:
                w.writerow((r[0], r[1].isoformat(sep=" ", timespec="milliseconds"), *r[2:]))
        else:
            n = 0
            for r in rows:
                n += 1
                click.echo(
                    f"{r[1].isoformat(sep=' ', timespec='milliseconds')}  #{r[2]:<7} {r[3]:>10,}원 × {r[4]:,}"
                )
            click.echo(f"{n} ticks", err=True)
    except OperationalError as err:
        raise db_error(err) from None


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not a date (YYYY-MM-DD): {value}") from None


@ticks.command("rebuild-bars")
@click.option("--day", "day", required=True, help="KST trading day, YYYY-MM-DD.")
@click.option("--code", help="Only this stock (default: every stock with ticks that day).")
@json_option
def rebuild_bars(day: str, code: str | None, as_json: bool) -> None:
    """Rebuild the day's minute bars from tick_data (after a crash, or to check them)."""
    from db.repositories.ticks import minute_bar_mismatches, rebuild_minute_bars

    d = _day(day)
    if code is not None:
        code = code.strip().upper()
        if not is_valid_code(code):
            raise CliError(f"not a stock code: {code}")
    eng = engine()
    try:
        before = minute_bar_mismatches(eng, d)
        res = rebuild_minute_bars(eng, d, code)
        after = minute_bar_mismatches(eng, d)
    except OperationalError as err:
        raise db_error(err) from None
    data = {"day": d.isoformat(), "code": code, "ticks": res.ticks, "deleted": res.deleted,
            "written": res.written, "mismatches_before": before, "mismatches_after": after}  # fmt: skip
    scope = code or "all codes"
    text = (
        f"{d} ({scope}): no ticks recorded; minute bars left as they are"
        if res.ticks == 0
        else f"{d} ({scope}): {res.ticks:,} ticks → {res.written:,} minute bars rebuilt "
        f"(replaced {res.deleted:,}); mismatches {before:,} → {after:,}"
    )
    emit(data, as_json, text)


@click.command("partitions")
@click.option("--exact", is_flag=True, help="Count rows (slow) instead of the InnoDB estimate.")
@click.option("--maintain", is_flag=True, help="Create the next 7 sessions and drop expired ones first.")
@click.option("--retention-days", default=90, show_default=True)
@json_option
def partitions(exact: bool, maintain: bool, retention_days: int, as_json: bool) -> None:
    """List tick_data partitions (name, bound, rows)."""
    from dataclasses import asdict

    from db.partitions import is_partitioned, list_partitions, maintain_partitions

    eng = engine()
    if not is_partitioned(eng):
        emit(
            {"partitioned": False, "partitions": []},
            as_json,
            "SQLite: tick_data is not partitioned (nothing to list)",
        )
        return
    try:
        if maintain:
            maintain_partitions(eng, 7, retention_days)
        parts = list_partitions(eng, exact=exact)
    except OperationalError as err:
        raise db_error(err) from None
    lines = [f"{'name':<12} {'bound (<)':<12} {'rows':>12}"] + [
        f"{p.name:<12} {p.bound:<12} {p.rows:>12,}" for p in parts
    ]
    emit({"partitioned": True, "partitions": [asdict(p) for p in parts]}, as_json, "\n".join(lines))
