"""Account names (``accounts.name``) and ownership scopes, in one place.

* a user's paper account: ``paper-u<user id>``;
* the configured broker account: broker, environment and number (``kis-mock-12345678-01``); without a
  number (Kiwoom ties the account to the app key) a hash of the app key stands in for it;
* ownership scopes: ``market`` (the paper market and every paper account in it), ``broker:<name>``.
"""

from __future__ import annotations

import hashlib
from typing import Any

MARKET_SCOPE = "market"


def paper_account(user_id: int) -> str:
    return f"paper-u{user_id}"


def _key_digest(key: object) -> str:
    getter = getattr(key, "get_secret_value", None)
    text = getter() if getter else str(key or "")
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def broker_account(settings: Any) -> str:
    """The configured KIS/Kiwoom account's name (see the module docstring)."""
    if settings.broker == "kis":
        number, key = settings.kis_account, settings.kis_app_key
    else:
        number, key = settings.kiwoom_account, settings.kiwoom_app_key
    number = (number or "").strip() or f"key-{_key_digest(key)}"
    return f"{settings.broker}-{settings.broker_env}-{number}"[:40]


def owner_scope(settings: Any) -> str:
    """What the account owner of these settings holds: the paper market, or the broker account."""
    return MARKET_SCOPE if settings.broker == "paper" else f"broker:{broker_account(settings)}"


def masked(name: str) -> str:
    """An account name for logs: every digit of the account number but the last four hidden."""
    parts = name.split("-", 2)
    if len(parts) < 3 or parts[2].startswith("key-") or parts[0] == "paper":
        return name
    number = parts[2]
    hidden = {i for i, c in enumerate(number) if c.isdigit()}
    hidden -= set(sorted(hidden)[-4:])
    return f"{parts[0]}-{parts[1]}-" + "".join("*" if i in hidden else c for i, c in enumerate(number))
