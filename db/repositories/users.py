"""Users (salted password hashes) and the audit log."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from db.engine import session_scope
from db.models import AuditLog, User

MIN_PASSWORD_LEN = 8


class UserError(ValueError):
    """A user command was refused (English message)."""


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LEN:
        raise UserError(f"password must be at least {MIN_PASSWORD_LEN} characters")


def count_users(engine: Engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(User)) or 0


def get_user(engine: Engine, username: str) -> User | None:
    with session_scope(engine) as s:
        return s.scalar(select(User).where(User.username == username))


def get_user_by_id(engine: Engine, user_id: int) -> User | None:
    with session_scope(engine) as s:
        return s.get(User, user_id)


def add_user(engine: Engine, username: str, password: str, is_admin: bool = False) -> User:
    """Create a user; refuses a duplicate name or a short password."""
    if not username or len(username) > 40 or not username.replace("_", "").replace("-", "").isalnum():
        raise UserError("username must be 1-40 letters, digits, '-' or '_'")
    _check_password(password)
    with session_scope(engine) as s:
        if s.scalar(select(User).where(User.username == username)) is not None:
            raise UserError(f"user {username!r} already exists")
        user = User(
            username=username,
            password_hash=generate_password_hash(password),
            is_admin=is_admin,
            created_at=datetime.now(),
        )
        s.add(user)
    audit(engine, username, "user.add", {"admin": is_admin})
    return user


def set_password(engine: Engine, username: str, password: str) -> None:
    _check_password(password)
    with session_scope(engine) as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise UserError(f"no user {username!r}")
        user.password_hash = generate_password_hash(password)
    audit(engine, username, "user.passwd", None)


def verify(engine: Engine, username: str, password: str) -> User | None:
    """The user if the password matches (constant-time compare), else None."""
    user = get_user(engine, username)
    if user is None:
        check_password_hash(generate_password_hash("x"), password)  # same cost for unknown users
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    with session_scope(engine) as s:
        row = s.get(User, user.id)
        if row is not None:
            row.last_login_at = datetime.now()
    return user


def ensure_admin(engine: Engine, password: str | None = None) -> str | None:
    """On first start create ``admin``; returns the new password (to print once) or None."""
    if count_users(engine):
        return None
    pw = password or secrets.token_urlsafe(12)
    add_user(engine, "admin", pw, is_admin=True)
    return pw


def audit(engine: Engine, username: str | None, action: str, detail: dict[str, Any] | None) -> None:
    with session_scope(engine) as s:
        s.add(AuditLog(time=datetime.now(), username=username, action=action, detail=detail))
