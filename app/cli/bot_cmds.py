"""`gslts bot list|create|edit|start|pause|stop|show|promote|compare`: automatic trading from the command line.

Every command goes through ``services.bot_admin`` (as /auto does); the runner in the account owner
(`gslts run` or `gslts market`) picks status changes up within a second. A bad config prints one line per
field (``field: message``; with ``--json`` an ``{"errors": {...}}`` object) and exits 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from app.cli.common import CliError, emit, json_option, user_option
from app.runtime import runtime
from services import bot_admin
from services.bot_admin import BotActionError, BotConfigError
from trading.krx.fmt import signed
from trading.timeconv import now_naive_kst


def parse_universe(text: str) -> dict[str, Any]:
    """``codes:005930,000660`` | ``top:20[:KOSPI]`` | ``sector:<code>:10`` | ``report`` | ``watchlist``."""
    kind, _, rest = text.partition(":")
    parts = rest.split(":") if rest else []
    if kind == "codes":
        return {"kind": "codes", "codes": [c for c in rest.split(",") if c.strip()]}
    if kind == "top":
        return {"kind": "top", "n": parts[0] if parts else None, "market": parts[1] if len(parts) > 1 else ""}
    if kind == "sector":
        return {
            "kind": "sector",
            "sector": parts[0] if parts else "",
            "n": parts[1] if len(parts) > 1 else 20,
        }
    return {"kind": kind}


def parse_sizing(text: str) -> dict[str, Any]:
    """``fixed:1000000`` | ``percent:10`` | ``atr:1`` (an ATR period may follow: ``atr:1:20``)."""
    kind, _, rest = text.partition(":")
    parts = rest.split(":") if rest else []
    out: dict[str, Any] = {"kind": kind, "value": parts[0] if parts else None}
    if len(parts) > 1:
        out["atr_period"] = parts[1]
    return out


def _fail(err: Exception, as_json: bool) -> None:
    """Print a refused action or a bad config and exit 1."""
    if isinstance(err, BotConfigError):
        errors = {k: en for k, (_, en) in err.errors.items()}
        if as_json:
            click.echo(json.dumps({"errors": errors}, ensure_ascii=False))
        for key, message in errors.items():
            click.echo(f"error: {key}: {message}", err=True)
        raise SystemExit(1)
    raise CliError(str(err))


def _load_json(text: str | None, what: str) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise CliError(f"{what} is not JSON: {err.msg}") from None
    if not isinstance(value, dict):
        raise CliError(f"{what} must be a JSON object")
    return value


def _base(config: Path | None, from_run: int | None) -> dict[str, Any]:
    """The config to start from: a file, a backtest run, or nothing."""
    if config is not None:
        try:
            return _load_json(config.read_text(encoding="utf-8"), str(config))
        except OSError as err:
            raise CliError(f"cannot read {config}: {err.strerror}") from None
    if from_run is not None:
        return bot_admin.config_from_run(runtime().engine, from_run)
    return {}


def _overlay(raw: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """``raw`` with the options that were given on the command line."""
    out = {**raw}
    for key in ("name", "strategy", "timeframe"):
        if options.get(key) is not None:
            out[key] = options[key]
    if options.get("params") is not None:
        out["params"] = _load_json(options["params"], "--params")
    if options.get("universe"):
        out["universe"] = parse_universe(options["universe"])
    if options.get("sizing"):
        out["sizing"] = parse_sizing(options["sizing"])
    exits = {"stop_loss_pct": "stop_loss", "take_profit_pct": "take_profit", "trailing_pct": "trailing",
             "protect_arm_pct": "protect_arm", "protect_floor_pct": "protect_floor",
             "time_exit_bars": "time_exit"}  # fmt: skip
    limits = {
        "max_positions": "max_positions",
        "cooldown_bars": "cooldown",
        "max_consecutive_losses": "max_losses",
    }
    for section, keys in (("exits", exits), ("limits", limits)):
        given = {k: options[o] for k, o in keys.items() if options.get(o) is not None}
        if given:
            out[section] = {**(out.get(section) or {}), **given}
    return out


def config_options(fn: Any) -> Any:
    """The options shared by `bot create` and `bot edit`."""
    opts = [
        click.option("--name"),
        click.option("--strategy"),
        click.option("--params", help='Strategy parameters as JSON, e.g. \'{"fast": 5, "slow": 20}\'.'),
        click.option(
            "--universe", help="codes:005930,000660 | top:20 | sector:<code>:10 | report | watchlist"
        ),
        click.option("--timeframe", type=click.Choice(["1m", "5m", "15m", "60m", "1d"])),
        click.option("--sizing", help="fixed:1000000 | percent:10 | atr:1"),
        click.option("--stop-loss", "stop_loss", type=float, help="Stop loss, % below the entry."),
        click.option("--take-profit", "take_profit", type=float, help="Take profit, % above the entry."),
        click.option("--trailing", type=float, help="Trailing stop, % below the high since the entry."),
        click.option("--protect-arm", "protect_arm", type=float, help="이익보존: arm at this gain (%)."),
        click.option(
            "--protect-floor", "protect_floor", type=float, help="이익보존: exit back at this gain (%)."
        ),
        click.option("--time-exit", "time_exit", type=int, help="Exit after this many bars held."),
        click.option("--max-positions", "max_positions", type=int),
        click.option("--cooldown", type=int, help="Bars without a new entry in a stock after a stop there."),
        click.option("--max-losses", "max_losses", type=int, help="Stop after this many losses in a row."),
        click.option(
            "--config", type=click.Path(path_type=Path, dir_okay=False), help="A bot config (JSON)."
        ),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn


def _summary_line(d: dict[str, Any]) -> str:
    reason = f" ({d['status_reason']})" if d.get("status_reason") else ""
    return (f"#{d['id']:<4} {d['name'][:24]:24} {d['strategy']:12} {d['timeframe']:4} {d['mode']:6} "
            f"{d['status']}{reason}")  # fmt: skip


@click.group("bot")
def bot() -> None:
    """Automatic trading: bots that trade a strategy on closed bars (paper first)."""


@bot.command("list")
@user_option
@json_option
def bot_list(username: str, as_json: bool) -> None:
    """The bots you may see."""
    try:
        bots = [b.to_dict() for b in bot_admin.list_for(runtime().engine, username)]
    except BotActionError as err:
        raise CliError(str(err)) from None
    emit(bots, as_json, "\n".join(_summary_line(b) for b in bots) or "no bots")


@bot.command("create")
@config_options
@click.option("--from-run", "from_run", type=int, help="Start from the settings of this backtest run.")
@user_option
@json_option
def bot_create(
    username: str, as_json: bool, config: Path | None, from_run: int | None, **options: Any
) -> None:
    """Create a bot (paper mode, stopped): from options, a backtest run (--from-run) or a file (--config)."""
    rt = runtime()
    try:
        raw = _overlay(_base(config, from_run), options)
        if not raw.get("name") and raw.get("strategy"):
            raw["name"] = str(raw["strategy"])
        bot_id = bot_admin.create(rt.engine, rt.settings, username, raw, source="cli")
    except (BotConfigError, BotActionError) as err:
        _fail(err, as_json)
        return
    emit({"id": bot_id, "mode": "paper", "status": "stopped"}, as_json,
         f"created bot {bot_id} (paper, stopped): start it with `gslts bot start {bot_id}`")  # fmt: skip


@bot.command("edit")
@click.argument("bot_id", type=int)
@config_options
@user_option
@json_option
def bot_edit(bot_id: int, username: str, as_json: bool, config: Path | None, **options: Any) -> None:
    """Store a new version of a bot: its current config with the options given (or --config)."""
    engine = runtime().engine
    try:
        current = bot_admin.view(engine, username, bot_id, now_naive_kst().date(), log_limit=1).bot.config
        raw = _overlay(_base(config, None) or dict(current), options)
        version = bot_admin.edit(engine, username, bot_id, raw)
    except (BotConfigError, BotActionError) as err:
        _fail(err, as_json)
        return
    emit({"id": bot_id, "version": version}, as_json, f"bot {bot_id}: version {version}")


def _set(bot_id: int, action: str, username: str, as_json: bool) -> None:
    try:
        status = bot_admin.set_status(runtime().engine, username, bot_id, action)
    except BotActionError as err:
        raise CliError(str(err)) from None
    emit({"id": bot_id, "status": status}, as_json, f"bot {bot_id}: {status}")


@bot.command("start")
@click.argument("bot_id", type=int)
@user_option
@json_option
def bot_start(bot_id: int, username: str, as_json: bool) -> None:
    """Start a bot (it reconciles with the account first, then trades on the next closed bar)."""
    _set(bot_id, "start", username, as_json)


@bot.command("pause")
@click.argument("bot_id", type=int)
@user_option
@json_option
def bot_pause(bot_id: int, username: str, as_json: bool) -> None:
    """Pause a bot: no new entries; its exits are still watched."""
    _set(bot_id, "pause", username, as_json)


@bot.command("stop")
@click.argument("bot_id", type=int)
@user_option
@json_option
def bot_stop(bot_id: int, username: str, as_json: bool) -> None:
    """Stop a bot (its positions stay in the account)."""
    _set(bot_id, "stop", username, as_json)


@bot.command("show")
@click.argument("bot_id", type=int)
@click.option("--log", "log_limit", type=int, default=20, show_default=True, help="Decision log lines.")
@user_option
@json_option
def bot_show(bot_id: int, log_limit: int, username: str, as_json: bool) -> None:
    """A bot: status, positions, orders, today's P&L and its decision log (newest first)."""
    rt = runtime()
    try:
        view = bot_admin.view(
            rt.engine, username, bot_id, now_naive_kst().date(), log_limit=max(log_limit, 1)
        )
    except BotActionError as err:
        raise CliError(str(err)) from None
    d = view.to_dict()
    d["decisions"] = d["decisions"][:log_limit]
    lines = [_summary_line(d), f"account {d['account']} · P&L today {signed(d['pnl_today'])} won · "
             f"paper days {d['paper_days']}/{rt.settings.bot_paper_days}"]  # fmt: skip
    lines += [f"  position {p['code']} {p['qty']} @ {p['avg_price']:,}" for p in d["positions"]]
    lines += [
        f"  order {o['code']} {o['side']} {o['qty']} {o['purpose']} {o['state']}" for o in d["orders"][:10]
    ]
    lines += [
        f"  {x['time'][11:19]} {x['kind']:7} {x['code'] or '':6} {x['message_en']}" for x in d["decisions"]
    ]
    emit(d, as_json, "\n".join(lines))


@bot.command("promote")
@click.argument("bot_id", type=int)
@click.argument("mode", type=click.Choice(["mock", "real", "paper"]))
@click.option("--confirm", is_flag=True, help="Required to move a bot to the broker's mock or real account.")
@user_option
@json_option
def bot_promote(bot_id: int, mode: str, confirm: bool, username: str, as_json: bool) -> None:
    """Move a bot from paper to the broker's mock or real account (needs BOT_PAPER_DAYS paper days, a
    configured broker of that environment, and --confirm), or back to paper."""
    rt = runtime()
    try:
        account = bot_admin.promote(rt.engine, rt.settings, username, bot_id, mode, confirm)
    except BotActionError as err:
        raise CliError(str(err)) from None
    emit({"id": bot_id, "mode": mode, "account": account}, as_json,
         f"bot {bot_id}: {mode} on {account} (stopped)")  # fmt: skip


@bot.command("compare")
@click.argument("bot_id", type=int)
@click.option("--day", "day", default=None, help="YYYY-MM-DD (default: the bot's last evaluated day).")
@user_option
@json_option
def bot_compare(bot_id: int, day: str | None, username: str, as_json: bool) -> None:
    """Backtest vs live now: replay the day's bars through the backtest engine and match its trades with the
    bot's orders (what the 18:30 `bot-compare` job stores for /auto)."""
    from datetime import date as date_type

    from workers.bot_jobs import bars_reader, compare_bot

    rt = runtime()
    try:
        view = bot_admin.view(rt.engine, username, bot_id, now_naive_kst().date(), log_limit=1)
    except BotActionError as err:
        raise CliError(str(err)) from None
    try:
        when = date_type.fromisoformat(day) if day else None
    except ValueError:
        raise CliError(f"--day must be YYYY-MM-DD, got {day!r}") from None
    if when is None:
        last = view.bot.last_bar_at
        if last is None:
            raise CliError(f"bot {bot_id} has not evaluated a bar yet")
        when = last.date()
    reader, container = bars_reader(rt.engine, rt.settings)
    try:
        result = compare_bot(rt.engine, reader, bot_id, when)
    finally:
        if container is not None:
            container.close()
    if result is None:
        raise CliError(f"bot {bot_id} was not evaluated on {when}")
    text = (f"bot {bot_id} {when}: matched {result['matched']}, missed {result['missed']}, extra {result['extra']}; "
            f"exits matched {result['exits_matched']}, missed {result['exits_missed']}, extra {result['exits_extra']}; "
            f"stop exits {result['live_stop_exits']}; entry slippage {result['avg_slippage_bps']} bp")  # fmt: skip
    emit({"id": bot_id, "day": when.isoformat(), **result}, as_json, text)
