"""accounts: the risk manager's state (ACTIVE / REDUCING / HALTED), why, by whom and when

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


def upgrade() -> None:
    op.add_column("accounts", sa.Column("risk_state", sa.String(10), nullable=False, server_default="active"))
    op.add_column("accounts", sa.Column("risk_reason", sa.String(200), nullable=True))
    op.add_column("accounts", sa.Column("risk_changed_by", sa.String(40), nullable=True))
    op.add_column("accounts", sa.Column("risk_changed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    for column in ("risk_changed_at", "risk_changed_by", "risk_reason", "risk_state"):
        op.drop_column("accounts", column)
