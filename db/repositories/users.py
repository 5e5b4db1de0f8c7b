"""Users (salted password hashes, roles), their login sessions, and the audit log.

A login is a ``user_sessions`` row: the browser's cookie holds a random token, the table only its
SHA-256. Logout revokes that row; a password change, a role change, ``disable`` and ``remove`` revoke
every row of the user, so an old cookie stops working at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from db.engine import session_scope
from db.models import Account, AccountUser, ApiIdempotency, ApiToken, AuditLog, User, UserSession
from trading.orders.context import Role
from trading.timeconv import now_naive_kst

MIN_PASSWORD_LEN = 8
# Verifying against this costs the same as a real user's hash, so an unknown name takes as long to refuse.
_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))


class UserError(ValueError):
    """A user command was refused (English message)."""


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    username: str
    role: Role
    disabled: bool

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def _info(u: User) -> UserInfo:
    return UserInfo(u.id, u.username, Role(u.role), bool(u.disabled))


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LEN:
        raise UserError(f"password must be at least {MIN_PASSWORD_LEN} characters")


def _role(role: str | Role) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise UserError(f"role must be one of {', '.join(r.value for r in Role)}") from None


def count_users(engine: Engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(User)) or 0


def get_user(engine: Engine, username: str) -> UserInfo | None:
    with session_scope(engine) as s:
        u = s.scalar(select(User).where(User.username == username))
        return _info(u) if u else None


def get_user_by_id(engine: Engine, user_id: int) -> UserInfo | None:
    with session_scope(engine) as s:
        u = s.get(User, user_id)
        return _info(u) if u else None


def list_users(engine: Engine) -> list[UserInfo]:
    with session_scope(engine) as s:
        return [_info(u) for u in s.scalars(select(User).order_by(User.id))]


def add_user(engine: Engine, username: str, password: str, role: str | Role = Role.TRADER) -> UserInfo:
    """Create a user; refuses a duplicate name, a short password or an unknown role."""
    if not username or len(username) > 40 or not username.replace("_", "").replace("-", "").isalnum():
        raise UserError("username must be 1-40 letters, digits, '-' or '_'")
    _check_password(password)
    role = _role(role)
    with session_scope(engine) as s:
        if s.scalar(select(User).where(User.username == username)) is not None:
            raise UserError(f"user {username!r} already exists")
        user = User(
            username=username,
            password_hash=generate_password_hash(password),
            role=role.value,
            disabled=False,
            created_at=datetime.now(),
        )
        s.add(user)
        s.flush()
        info = _info(user)
    audit(engine, username, "user.add", {"role": role.value})
    return info


def _require(s: Any, username: str) -> User:
    user = s.scalar(select(User).where(User.username == username))
    if user is None:
        raise UserError(f"no user {username!r}")
    return user


def _revoke_all(s: Any, user_id: int) -> int:
    return s.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=datetime.now())
    ).rowcount


def set_password(engine: Engine, username: str, password: str) -> None:
    """New password; every session of the user ends."""
    _check_password(password)
    with session_scope(engine) as s:
        user = _require(s, username)
        user.password_hash = generate_password_hash(password)
        _revoke_all(s, user.id)
    audit(engine, username, "user.passwd", None)


def set_role(engine: Engine, username: str, role: str | Role, by: str | None = None) -> None:
    role = _role(role)
    with session_scope(engine) as s:
        user = _require(s, username)
        if user.role == Role.ADMIN.value and role is not Role.ADMIN and _active_admins(s) <= 1:
            raise UserError(f"{username} is the last admin")
        user.role = role.value
        _revoke_all(s, user.id)
    audit(engine, by or username, "user.role", {"user": username, "role": role.value})


def _active_admins(s: Any) -> int:
    return (
        s.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN.value, User.disabled.is_(False))
        )
        or 0
    )


def set_disabled(engine: Engine, username: str, disabled: bool, by: str | None = None) -> None:
    """Disable (no login, sessions revoked, no orders) or enable a user."""
    with session_scope(engine) as s:
        user = _require(s, username)
        if disabled and user.role == Role.ADMIN.value and not user.disabled and _active_admins(s) <= 1:
            raise UserError(f"{username} is the last admin")
        user.disabled = disabled
        if disabled:
            _revoke_all(s, user.id)
    audit(engine, by or username, "user.disable" if disabled else "user.enable", {"user": username})


def remove_user(engine: Engine, username: str, by: str | None = None) -> None:
    """Delete a user: sessions, API tokens and account bindings go; their paper account stays, unowned."""
    with session_scope(engine) as s:
        user = _require(s, username)
        if user.role == Role.ADMIN.value and not user.disabled and _active_admins(s) <= 1:
            raise UserError(f"{username} is the last admin")
        s.execute(update(Account).where(Account.owner_user_id == user.id).values(owner_user_id=None))
        s.execute(delete(AccountUser).where(AccountUser.user_id == user.id))
        s.execute(delete(UserSession).where(UserSession.user_id == user.id))
        s.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
        s.execute(delete(ApiIdempotency).where(ApiIdempotency.user_id == user.id))
        s.delete(user)
    audit(engine, by or username, "user.remove", {"user": username})


def verify(engine: Engine, username: str, password: str) -> UserInfo | None:
    """The user if the password matches and the user is enabled, else None. Costs one hash check either
    way (unknown names are checked against a dummy hash), so timing does not tell who exists."""
    with session_scope(engine) as s:
        user = s.scalar(select(User).where(User.username == username)) if username else None
        ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
        if user is None or not ok or user.disabled:
            return None
        user.last_login_at = datetime.now()
        return _info(user)


def ensure_admin(engine: Engine, password: str | None = None) -> str | None:
    """On first start create ``admin``; returns the new password (to print once) or None."""
    if count_users(engine):
        return None
    pw = password or secrets.token_urlsafe(12)
    add_user(engine, "admin", pw, role=Role.ADMIN)
    return pw


# --- sessions ------------------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(engine: Engine, user_id: int, ip: str | None) -> str:
    """A new login of ``user_id``; returns the cookie token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    with session_scope(engine) as s:
        s.add(UserSession(id=_digest(token), user_id=user_id, created_at=datetime.now(), ip=(ip or "")[:45]))
    return token


def session_user(engine: Engine, token: str) -> UserInfo | None:
    """The enabled user of a live (not revoked) session, else None."""
    with engine.connect() as conn:
        row = conn.execute(
            select(User.id, User.username, User.role, User.disabled)
            .join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.id == _digest(token), UserSession.revoked_at.is_(None))
        ).first()
    if row is None or row.disabled:
        return None
    return UserInfo(row.id, row.username, Role(row.role), bool(row.disabled))


def end_session(engine: Engine, token: str) -> None:
    with session_scope(engine) as s:
        s.execute(
            update(UserSession)
            .where(UserSession.id == _digest(token), UserSession.revoked_at.is_(None))
            .values(revoked_at=datetime.now())
        )


def audit(engine: Engine, username: str | None, action: str, detail: dict[str, Any] | None) -> None:
    with session_scope(engine) as s:
        s.add(AuditLog(time=now_naive_kst(), username=username, action=action, detail=detail))
