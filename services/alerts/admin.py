"""What the /alerts page, the bell, ``gslts alerts`` and the REST API call: destinations (webhooks with their
HMAC secret, Telegram chats on the allow-list), a test send, settings per event type, the notification
centre, the ledger and price alerts. Bad input raises ``AlertError`` (English message; ``key`` names the
UI text ``alerts.err.<key>``) and changes nothing."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Engine

from db.repositories import alerts as repo
from services.alerts.secret_box import SecretBox, new_secret
from services.alerts.senders import SendResult, TelegramSender, WebhookSender
from trading.alerts.events import Channel, EventType, Mode
from trading.alerts.outgoing import Item, Message
from trading.alerts.price_rules import KINDS, check_rule
from trading.config import Settings
from trading.timeconv import now_naive_kst

MAX_DESTINATIONS = 10  # per user and kind
CHAT_ID = re.compile(r"^-?\d{1,20}$")
CODE = re.compile(r"^[0-9A-Z]{6}$")


class AlertError(ValueError):
    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


def _count(engine: Engine, user_id: int, kind: Channel) -> int:
    return len(repo.destinations(engine, user_id, kind))


def add_webhook(
    engine: Engine, settings: Settings, user_id: int, url: str, name: str = ""
) -> tuple[int, str]:
    """A new webhook; returns (id, secret) — the secret is shown once, stored only encrypted."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
        raise AlertError("url", "webhook URL must be http(s)://host/... (at most 500 characters)")
    if _count(engine, user_id, Channel.WEBHOOK) >= MAX_DESTINATIONS:
        raise AlertError("too_many", f"at most {MAX_DESTINATIONS} webhooks per user")
    secret = new_secret()
    fields = {"name": (name or parts.netloc)[:60], "url": url, "secret_enc": SecretBox(settings).seal(secret)}
    return repo.add_destination(engine, user_id, Channel.WEBHOOK, fields), secret


def add_telegram(engine: Engine, settings: Settings, user_id: int, chat_id: str, name: str = "") -> int:
    chat_id = (chat_id or "").strip()
    if not CHAT_ID.match(chat_id):
        raise AlertError("chat_id", "a Telegram chat id is a number (e.g. 123456789 or -100123...)")
    if chat_id not in settings.telegram_chats:
        raise AlertError("chat_not_allowed", "chat id not in TELEGRAM_ALLOWED_CHAT_IDS")
    if any(d.chat_id == chat_id for d in repo.destinations(engine, user_id, Channel.TELEGRAM)):
        raise AlertError("chat_dup", "this chat is already added")
    return repo.add_destination(
        engine, user_id, Channel.TELEGRAM, {"name": (name or chat_id)[:60], "chat_id": chat_id}
    )


def remove_destination(engine: Engine, user_id: int, dest_id: int) -> None:
    if not repo.remove_destination(engine, user_id, dest_id):
        raise AlertError("no_destination", f"no destination {dest_id} of yours")


def send_test(engine: Engine, settings: Settings, user_id: int, dest_id: int) -> SendResult:
    """Send a test message to one of the user's destinations now (not through the ledger)."""
    dest = repo.get_destination(engine, dest_id)
    if dest is None or dest.user_id != user_id:
        raise AlertError("no_destination", f"no destination {dest_id} of yours")
    now = now_naive_kst()
    item = Item(
        EventType.SYSTEM_HEALTH.value,
        f"test:{dest_id}:{now:%Y%m%d%H%M%S%f}",
        now,
        {"text": "GSLTS 테스트 알림"},
    )
    msg = Message(item.dedupe_id, (item,))
    with httpx.Client(timeout=settings.alert_http_timeout_s) as client:
        sender = (
            TelegramSender(client, settings)
            if dest.kind == Channel.TELEGRAM
            else WebhookSender(client, SecretBox(settings))
        )
        return sender.send(dest, msg)


def set_mode(engine: Engine, user_id: int, event_type: str, mode: str) -> None:
    try:
        kind, value = EventType(event_type), Mode(mode)
    except ValueError:
        raise AlertError("mode", f"unknown event type or mode: {event_type}={mode} (on|silent|off)") from None
    repo.set_mode(engine, user_id, kind, value)


def add_price_alert(engine: Engine, user_id: int, code: str, kind: str, value: float) -> int:
    """A price alert on ``code``: ``above``/``below`` a price (won), ``move_pct`` ±% from the previous
    close, ``top_n`` entering the 거래대금 TOP N."""
    code = (code or "").strip().upper()
    if not CODE.match(code):
        raise AlertError("code", "stock code must be 6 characters (e.g. 005930)")
    if kind not in KINDS:
        raise AlertError("kind", f"kind must be one of {', '.join(KINDS)}")
    problem = check_rule(kind, value)
    if problem:
        raise AlertError(f"value_{kind}", problem)
    return repo.add_price_alert(engine, user_id, code, kind, float(value))


def delete_price_alert(engine: Engine, user_id: int, alert_id: int) -> None:
    if not repo.delete_price_alert(engine, user_id, alert_id):
        raise AlertError("no_alert", f"no price alert {alert_id} of yours")


def events_after(engine: Engine, user_id: int, after_id: int, limit: int = 100) -> list[repo.Notification]:
    """The user's events after the cursor (oldest first): the REST API's list and its SSE stream."""
    return repo.events_after(engine, user_id, after_id, limit)
