"""accounts: the risk manager's state (ACTIVE / REDUCING / HALTED), why, by whom and when, and its
account-level limits (orders per day, daily loss, exposure per stock and in total, cash reserve)

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-30 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIMITS = (
    ("max_orders_per_day", sa.Integer()),
    ("max_daily_loss", sa.BigInteger()),
    ("max_stock_pct", sa.Float()),
    ("max_total_pct", sa.Float()),
    ("cash_reserve", sa.BigInteger()),
)


def upgrade() -> None:
    op.add_column("accounts", sa.Column("risk_state", sa.String(10), nullable=False, server_default="active"))
    op.add_column("accounts", sa.Column("risk_reason", sa.String(200), nullable=True))
    op.add_column("accounts", sa.Column("risk_changed_by", sa.String(40), nullable=True))
    op.add_column("accounts", sa.Column("risk_changed_at", sa.DateTime(), nullable=True))
    op.add_column("accounts", sa.Column("risk_until", sa.Date(), nullable=True))
    op.add_column(
        "accounts", sa.Column("risk_sells_allowed", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    for name, kind in LIMITS:
        op.add_column("accounts", sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    for name, _ in reversed(LIMITS):
        op.drop_column("accounts", name)
    for column in ("risk_sells_allowed", "risk_until", "risk_changed_at", "risk_changed_by", "risk_reason",
                   "risk_state"):  # fmt: skip
        op.drop_column("accounts", column)
