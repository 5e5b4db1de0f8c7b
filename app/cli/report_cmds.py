"""``gslts report`` (the morning sector report on demand) and ``gslts sectors`` (the US→KR mapping)."""

from __future__ import annotations

import getpass
from datetime import date, datetime

import click
from sqlalchemy.exc import OperationalError

from app.cli.common import CliError, db_error, emit, engine, json_option
from app.runtime import runtime
from db.repositories import reports as repo
from trading.domain import KST
from trading.krx.calendar import next_krx_session
from trading.krx.fmt import amount_kr, pct
from trading.report import ReportDateError
from trading.report.text import direction_text, note_text, sector_name
from workers.report_jobs import build_and_store


def _parse_day(text: str | None) -> date:
    if text is None:
        return next_krx_session(datetime.now(KST).date(), include_self=True)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError(f"bad date {text!r}: use YYYY-MM-DD") from None


def _report_text(r: dict) -> str:
    sim = " · 시뮬레이션(SIMULATED)" if r["simulated"] else ""
    kinds = f" · 데이터 한국 {r.get('kr_data', 'none')} / 미국 {r.get('us_data', 'none')}"
    lines = [
        f"섹터 리포트 {r['session_date']} · 미국 {r['us_session_date'] or '-'} · {r['data_source']}{sim}{kinds}"
    ]
    if r.get("us_missing"):
        lines.append(f"  ! 미국 데이터 없음(missing): {', '.join(r['us_missing'])}")
    lines += [f"  ! {note_text(n)}" for n in ([r["stale_note"]] if r["stale_note"] else []) + r["notes"]]
    lines.append(
        "미국 섹터: " + ", ".join(f"{m['symbol']} {pct(m['return_pct'])}" for m in r["us_sectors"][:5])
    )
    calls = [k for k in r["kr_sectors"] if k["direction"] != "neutral"]
    lines.append(
        "한국 섹터: " + (", ".join(f"{k['name_ko']} {direction_text(k['direction'])}" for k in calls) or "-")
    )
    for i, p in enumerate(r["picks"], start=1):
        lines.append(
            f"{i:>2}. {p['code']} {p['name']} [{sector_name(p['sector_code'])}] "
            f"거래대금 {p['value_rank']}위 {amount_kr(p['value'])} score {p['score']:.3f}"
        )
    return "\n".join(lines)


@click.command("report")
@click.option(
    "--date", "day_text", metavar="YYYY-MM-DD", help="KRX session (default: today or the next session)."
)
@json_option
def report(day_text: str | None, as_json: bool) -> None:
    """Build and store the morning sector report for a KRX session."""
    day = _parse_day(day_text)
    rt = runtime()
    try:
        data = build_and_store(rt.engine, rt.settings, day)
    except ReportDateError as err:
        raise CliError(str(err)) from None
    except OperationalError as err:
        raise db_error(err) from None
    emit(data, as_json, _report_text(data))


@click.group("sectors", invoke_without_command=True)
@json_option
@click.pass_context
def sectors(ctx: click.Context, as_json: bool) -> None:
    """List the US ETF → Korean sector mapping (subcommands change it)."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        rows = repo.map_rows(engine())
    except OperationalError as err:
        raise db_error(err) from None
    data = [
        {"etf": m.etf, "sector_code": m.sector_code, "weight": m.weight, "enabled": m.enabled} for m in rows
    ]
    text = "\n".join(
        f"{m.etf:<6} → {m.sector_code:<8} {sector_name(m.sector_code):<10} weight {m.weight:g}"
        f"{'' if m.enabled else '  (disabled)'}"
        for m in rows
    )
    emit(data, as_json, text)


def _cli_user() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:40]
    except (KeyError, OSError):
        return "cli"


@sectors.command("set")
@click.argument("etf")
@click.argument("sector")
@click.option("--weight", type=float, help="Weight (0 < W <= 5; new rows default to 1).")
@click.option("--enable/--disable", "enabled", default=None, help="Use the row or not.")
def set_cmd(etf: str, sector: str, weight: float | None, enabled: bool | None) -> None:
    """Add or change the mapping row ETF → SECTOR."""
    try:
        row = repo.set_mapping(engine(), etf, sector, weight=weight, enabled=enabled, user=_cli_user())
    except repo.MappingError as err:
        raise CliError(str(err)) from None
    state = "enabled" if row["enabled"] else "disabled"
    click.echo(f"{row['etf']} → {row['sector_code']}: weight {row['weight']:g}, {state}")


@sectors.command("remove")
@click.argument("etf")
@click.argument("sector")
def remove_cmd(etf: str, sector: str) -> None:
    """Remove the mapping row ETF → SECTOR."""
    try:
        row = repo.remove_mapping(engine(), etf, sector, user=_cli_user())
    except repo.MappingError as err:
        raise CliError(str(err)) from None
    click.echo(f"removed {row['etf']} → {row['sector_code']}")
