"""The stored codes the recorder adds to its universe: watchlist entries and shares held."""

from __future__ import annotations

from sqlalchemy import Engine, select

from db.models import PositionRow, Watchlist


def watchlist_codes(engine: Engine) -> set[str]:
    """Every code on any user's watchlist."""
    with engine.connect() as conn:
        return {c for (c,) in conn.execute(select(Watchlist.code).distinct())}


def position_codes(engine: Engine) -> set[str]:
    """Codes with shares held in any stored account (paper, or synced from a broker)."""
    with engine.connect() as conn:
        return {c for (c,) in conn.execute(select(PositionRow.code).where(PositionRow.qty > 0).distinct())}


def watchlist_of(engine: Engine, username: str) -> list[str]:
    """The codes on ``username``'s watchlist, oldest first."""
    from db.models import User

    q = (
        select(Watchlist.code)
        .join(User, User.id == Watchlist.user_id)
        .where(User.username == username)
        .order_by(Watchlist.added_at)
    )
    with engine.connect() as conn:
        return [c for (c,) in conn.execute(q)]
