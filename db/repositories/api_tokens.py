"""REST API tokens and the stored answers of idempotent POSTs.

A token is ``gslts_<prefix>_<secret>``: shown once when created, only its SHA-256 is stored. Its scopes
(read, trade, admin) are limited again by the user's role whenever it is used; a disabled user's or a
revoked token authenticates nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError

from db.engine import session_scope
from db.models import ApiIdempotency, ApiToken, User
from db.repositories.users import UserError, UserInfo, audit
from trading.orders.context import Role

SCOPES = ("read", "trade", "admin")
TOKEN_PREFIX = "gslts_"
MAX_TOKENS_PER_USER = 50


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: int
    user_id: int
    username: str
    name: str
    prefix: str
    scopes: tuple[str, ...]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "user": self.username,
            "name": self.name,
            "prefix": self.prefix,
            "scopes": list(self.scopes),
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "last_used_at": self.last_used_at.isoformat(timespec="seconds") if self.last_used_at else None,
            "revoked_at": self.revoked_at.isoformat(timespec="seconds") if self.revoked_at else None,
        }


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def allowed_scopes(role: Role) -> tuple[str, ...]:
    """The scopes a user of ``role`` may hold: viewers read, traders also trade, admins everything."""
    if role is Role.ADMIN:
        return SCOPES
    return ("read", "trade") if role.can_trade else ("read",)


def parse_scopes(raw: str | list[str] | tuple[str, ...], role: Role) -> tuple[str, ...]:
    """Scopes in canonical order; ``UserError`` for an unknown one or one the role may not hold."""
    items = [s.strip().lower() for s in (raw.split(",") if isinstance(raw, str) else raw) if s.strip()]
    if not items:
        raise UserError("a token needs at least one scope: read, trade, admin")
    unknown = [s for s in items if s not in SCOPES]
    if unknown:
        raise UserError(f"unknown scope {unknown[0]!r}: use read, trade, admin")
    over = [s for s in items if s not in allowed_scopes(role)]
    if over:
        raise UserError(f"a {role.value} may not hold the {over[0]!r} scope")
    return tuple(s for s in SCOPES if s in items)


def _info(t: ApiToken, username: str) -> TokenInfo:
    scopes = tuple(s for s in t.scopes.split(",") if s)
    return TokenInfo(t.id, t.user_id, username, t.name, t.prefix, scopes, t.created_at, t.last_used_at,
                     t.revoked_at)  # fmt: skip


def create_token(engine: Engine, user: UserInfo, name: str, scopes: tuple[str, ...]) -> tuple[TokenInfo, str]:
    """A new token of ``user``; returns it and the secret (never stored, shown once)."""
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise UserError("a token name must be 1-60 characters")
    if user.disabled:
        raise UserError(f"user {user.username!r} is disabled")
    scopes = parse_scopes(scopes, user.role)
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with session_scope(engine) as s:
        live = s.scalars(
            select(ApiToken.id).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        ).all()
        if len(live) >= MAX_TOKENS_PER_USER:
            raise UserError(f"{user.username} already has {MAX_TOKENS_PER_USER} tokens; revoke one first")
        row = ApiToken(user_id=user.id, name=name, prefix=prefix, token_hash=digest(secret),
                       scopes=",".join(scopes), created_at=datetime.now())  # fmt: skip
        s.add(row)
        s.flush()
        info = _info(row, user.username)
    audit(engine, user.username, "token.create", {"token": info.id, "name": name, "scopes": list(scopes)})
    return info, secret


def list_tokens(engine: Engine, user_id: int | None = None, include_revoked: bool = False) -> list[TokenInfo]:
    """Tokens of ``user_id`` (None: every user's), newest first."""
    q = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id.desc())
    if user_id is not None:
        q = q.where(ApiToken.user_id == user_id)
    if not include_revoked:
        q = q.where(ApiToken.revoked_at.is_(None))
    with session_scope(engine) as s:
        return [_info(t, name) for t, name in s.execute(q)]


def revoke_token(engine: Engine, token_id: int, user_id: int | None, by: str) -> TokenInfo:
    """Revoke a token (of ``user_id``; None: any user's, for admins); ``UserError`` if there is none."""
    with session_scope(engine) as s:
        q = (
            select(ApiToken, User.username)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.id == token_id)
        )
        if user_id is not None:
            q = q.where(ApiToken.user_id == user_id)
        found = s.execute(q).first()
        if found is None:
            raise UserError(f"no token {token_id}")
        row, username = found
        if row.revoked_at is None:
            row.revoked_at = datetime.now()
        info = _info(row, username)
    audit(engine, by, "token.revoke", {"token": token_id, "user": info.username})
    return info


@dataclass(frozen=True, slots=True)
class TokenUser:
    """Who a presented token acts as: its user (current role) and its scopes."""

    token_id: int
    user_id: int
    username: str
    role: Role
    scopes: tuple[str, ...]


def token_user(engine: Engine, secret: str) -> TokenUser | None:
    """The live token ``secret`` of an enabled user, else None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 120:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            select(
                ApiToken.id, ApiToken.scopes, User.id.label("uid"), User.username, User.role, User.disabled
            )
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == digest(secret), ApiToken.revoked_at.is_(None))
        ).first()
    if row is None or row.disabled:
        return None
    scopes = tuple(s for s in row.scopes.split(",") if s)
    return TokenUser(row.id, row.uid, row.username, Role(row.role), scopes)


def touch_token(engine: Engine, token_id: int) -> None:
    """Record that the token was used now (callers do this at most once a minute per token)."""
    with session_scope(engine) as s:
        s.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=datetime.now()))


# --- idempotent POSTs ------------------------------------------------------------------------------

IDEMPOTENCY_TTL = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    fingerprint: str
    status: int
    body: dict[str, Any]


def stored_answer(engine: Engine, user_id: int, key: str) -> StoredAnswer | None:
    """The answer stored under (user, key) within the last 24 hours."""
    with session_scope(engine) as s:
        row = s.get(ApiIdempotency, (user_id, digest(key)))
        if row is None or row.created_at < datetime.now() - IDEMPOTENCY_TTL:
            return None
        return StoredAnswer(row.fingerprint, row.status, row.body)


def store_answer(engine: Engine, user_id: int, key: str, answer: StoredAnswer) -> StoredAnswer:
    """Keep ``answer`` under (user, key); when another request stored one first, that one is returned."""
    hashed = digest(key)
    try:
        with session_scope(engine) as s:
            s.execute(delete(ApiIdempotency).where(
                ApiIdempotency.user_id == user_id, ApiIdempotency.key == hashed,
                ApiIdempotency.created_at < datetime.now() - IDEMPOTENCY_TTL,
            ))  # fmt: skip
            s.add(ApiIdempotency(user_id=user_id, key=hashed, fingerprint=answer.fingerprint,
                                 status=answer.status, body=answer.body, created_at=datetime.now()))  # fmt: skip
    except IntegrityError:
        return stored_answer(engine, user_id, key) or answer
    return answer
