"""Fencing tokens of the ownership scopes (``owner_fences``): a counter per scope that only grows.

An owner takes the next token when it acquires its lease; the journal and the paper store write only
while their token is the current one (see trading/orders/lease.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from db.models import OwnerFence
from trading.domain import KST
from trading.timeconv import naive_kst

FENCES = OwnerFence.__table__


def next_fence(engine: Engine, scope: str, owner: str) -> int:
    """Make ``owner`` the current holder of ``scope`` with a new, larger token; returns the token."""
    for _ in range(3):
        now = naive_kst(datetime.now(KST))
        try:
            with engine.begin() as conn:
                cur = conn.execute(
                    select(FENCES.c.fence).where(FENCES.c.scope == scope).with_for_update()
                ).scalar()
                if cur is None:
                    conn.execute(
                        insert(FENCES).values(scope=scope, fence=1, owner=owner[:120], acquired_at=now)
                    )
                    return 1
                token = int(cur) + 1
                conn.execute(
                    update(FENCES)
                    .where(FENCES.c.scope == scope)
                    .values(fence=token, owner=owner[:120], acquired_at=now)
                )
                return token
        except IntegrityError:  # two first owners raced on the insert: read the winner's row
            continue
    raise RuntimeError(f"could not take a fencing token for {scope}")


def current_fence(engine: Engine, scope: str) -> tuple[int, str] | None:
    """(token, owner) of ``scope``, or None when nobody ever owned it."""
    with engine.connect() as conn:
        row = conn.execute(select(FENCES.c.fence, FENCES.c.owner).where(FENCES.c.scope == scope)).first()
    return (int(row.fence), str(row.owner)) if row else None
