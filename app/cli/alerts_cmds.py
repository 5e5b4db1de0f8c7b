"""``gslts alerts``: the dispatcher (``run``, full mode's Procfile entry), destinations, settings, the
notification list, the delivery ledger and price alerts."""

from __future__ import annotations

import signal

import click

from app.cli.common import CliError, emit, json_option, user_option
from app.runtime import runtime


def _user_id(username: str) -> int:
    from db.repositories.users import get_user

    user = get_user(runtime().engine, username)
    if user is None:
        raise CliError(f"no user {username!r} (give --user NAME or set GSLTS_USER)")
    return user.id


def _guard(fn, *args):  # noqa: ANN001, ANN002, ANN202 - a services.alerts.admin call
    from services.alerts.admin import AlertError

    try:
        return fn(*args)
    except AlertError as err:
        raise CliError(str(err)) from None


@click.group("alerts")
def alerts() -> None:
    """Alerts: webhooks, Telegram, settings per event type, the ledger, price alerts."""


@alerts.command("run")
def run_dispatcher() -> None:
    """Run the alerts dispatcher in the foreground (full mode: its own process; Ctrl-C stops it)."""
    from services.alerts.dispatcher import Dispatcher

    rt = runtime()
    d = Dispatcher(rt.engine, rt.settings)
    signal.signal(signal.SIGTERM, lambda *_: d._stop.set())
    click.echo(f"alerts dispatcher {d.owner} running")
    try:
        d.run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        d.stop()


@alerts.command("list")
@user_option
@json_option
def list_destinations(username: str, as_json: bool) -> None:
    """The user's webhooks and Telegram chats (secrets are never shown again)."""
    from db.repositories.alerts import destinations

    rows = destinations(runtime().engine, _user_id(username))
    data = [
        {
            "id": d.id,
            "kind": d.kind,
            "name": d.name,
            "url": d.url,
            "chat_id": d.chat_id,
            "last_status": d.last_status,
        }
        for d in rows
    ]
    text = "\n".join(
        f"#{d['id']} {d['kind']} {d['name']} {d['url'] or d['chat_id']} [{d['last_status'] or '-'}]"
        for d in data
    )
    emit(data, as_json, text or "no destinations")


@alerts.command("webhook-add")
@click.argument("url")
@click.option("--name", default="")
@user_option
@json_option
def webhook_add(url: str, name: str, username: str, as_json: bool) -> None:
    """Add a webhook; prints its HMAC secret once."""
    from services.alerts.admin import add_webhook

    rt = runtime()
    dest_id, secret = _guard(add_webhook, rt.engine, rt.settings, _user_id(username), url, name)
    emit(
        {"id": dest_id, "secret": secret},
        as_json,
        f"webhook #{dest_id} added; its secret (shown once): {secret}",
    )


@alerts.command("telegram-add")
@click.argument("chat_id")
@click.option("--name", default="")
@user_option
@json_option
def telegram_add(chat_id: str, name: str, username: str, as_json: bool) -> None:
    """Add a Telegram chat (it must be in TELEGRAM_ALLOWED_CHAT_IDS)."""
    from services.alerts.admin import add_telegram

    rt = runtime()
    dest_id = _guard(add_telegram, rt.engine, rt.settings, _user_id(username), chat_id, name)
    emit({"id": dest_id}, as_json, f"telegram chat #{dest_id} added")


@alerts.command("remove")
@click.argument("dest_id", type=int)
@user_option
def remove(dest_id: int, username: str) -> None:
    """Remove a webhook or Telegram chat."""
    from services.alerts.admin import remove_destination

    _guard(remove_destination, runtime().engine, _user_id(username), dest_id)
    click.echo(f"destination #{dest_id} removed")


@alerts.command("test")
@click.argument("dest_id", type=int)
@user_option
@json_option
def test_send(dest_id: int, username: str, as_json: bool) -> None:
    """Send a test message to a destination now."""
    from services.alerts.admin import send_test

    rt = runtime()
    r = _guard(send_test, rt.engine, rt.settings, _user_id(username), dest_id)
    emit({"ok": r.ok, "error": r.error}, as_json, "delivered" if r.ok else f"failed: {r.error}")
    if not r.ok:
        raise SystemExit(1)


@alerts.command("set")
@click.argument("event_type")
@click.argument("mode", type=click.Choice(["on", "silent", "off"]))
@user_option
def set_mode(event_type: str, mode: str, username: str) -> None:
    """Set the mode of an event type (e.g. order.filled on)."""
    from services.alerts.admin import set_mode as set_

    _guard(set_, runtime().engine, _user_id(username), event_type, mode)
    click.echo(f"{event_type}: {mode}")


@alerts.command("settings")
@user_option
@json_option
def settings_(username: str, as_json: bool) -> None:
    """The mode of every event type."""
    from db.repositories.alerts import modes

    data = {str(k): str(v) for k, v in modes(runtime().engine, _user_id(username)).items()}
    emit(data, as_json, "\n".join(f"{k:16} {v}" for k, v in data.items()))


@alerts.command("ledger")
@click.option("--limit", type=click.IntRange(1, 1000), default=50)
@user_option
@json_option
def ledger_(limit: int, username: str, as_json: bool) -> None:
    """The delivery ledger: each event × destination with its status and attempts."""
    from db.repositories.alerts import ledger

    rows = ledger(runtime().engine, _user_id(username), limit)
    data = [
        {
            "id": r.id,
            "event": r.event_type,
            "dedupe_id": r.dedupe_id,
            "channel": r.channel,
            "destination": r.destination,
            "status": r.status,
            "attempts": r.attempts,
            "message_id": r.message_id,
            "created_at": r.created_at,
            "sent_at": r.sent_at,
            "next_attempt_at": r.next_attempt_at,
            "error": r.last_error,
        }  # fmt: skip
        for r in rows
    ]
    text = "\n".join(
        f"{d['created_at']:%m-%d %H:%M:%S} {d['event']:14} {d['channel']:8} {d['destination']:20} {d['status']:9} "
        f"x{d['attempts']} {d['error'] or ''}"
        for d in data
    )
    emit(data, as_json, text or "no deliveries")


@alerts.command("notifications")
@click.option("--after", type=int, default=None, help="Only those after this id (oldest first).")
@user_option
@json_option
def notifications_(after: int | None, username: str, as_json: bool) -> None:
    """The notification centre's list."""
    from db.repositories.alerts import events_after, notifications

    eng, uid = runtime().engine, _user_id(username)
    rows = notifications(eng, uid) if after is None else events_after(eng, uid, after)
    data = [{"id": n.id, "type": n.type, "time": n.time, "read": n.read, "data": n.payload} for n in rows]
    emit(
        data, as_json, "\n".join(f"#{d['id']} {d['time']:%m-%d %H:%M:%S} {d['type']}" for d in data) or "none"
    )


@alerts.command("price-add")
@click.argument("code")
@click.argument("kind", type=click.Choice(["above", "below", "move_pct", "top_n"]))
@click.argument("value", type=float)
@user_option
def price_add(code: str, kind: str, value: float, username: str) -> None:
    """Add a price alert: above/below PRICE, move_pct PCT, top_n N."""
    from services.alerts.admin import add_price_alert

    alert_id = _guard(add_price_alert, runtime().engine, _user_id(username), code, kind, value)
    click.echo(f"price alert #{alert_id} added")


@alerts.command("price-list")
@user_option
@json_option
def price_list(username: str, as_json: bool) -> None:
    from db.repositories.alerts import price_alerts

    rows = price_alerts(runtime().engine, _user_id(username))
    data = [{"id": a.id, "code": a.code, "kind": a.kind, "value": a.value, "status": a.status} for a in rows]
    emit(
        data,
        as_json,
        "\n".join(f"#{d['id']} {d['code']} {d['kind']} {d['value']:g} {d['status']}" for d in data) or "none",
    )


@alerts.command("price-remove")
@click.argument("alert_id", type=int)
@user_option
def price_remove(alert_id: int, username: str) -> None:
    from services.alerts.admin import delete_price_alert

    _guard(delete_price_alert, runtime().engine, _user_id(username), alert_id)
    click.echo(f"price alert #{alert_id} removed")
