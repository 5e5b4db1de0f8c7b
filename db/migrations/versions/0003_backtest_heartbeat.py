"""backtest runs: a heartbeat and an attempt count, so a run whose worker died is found and ended

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("backtest_runs", sa.Column("heartbeat_at", sa.DateTime(), nullable=True))
    op.add_column("backtest_runs", sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_backtest_runs_status", "backtest_runs", ["status"])


def downgrade() -> None:
    op.drop_index("ix_backtest_runs_status", table_name="backtest_runs")
    op.drop_column("backtest_runs", "attempts")
    op.drop_column("backtest_runs", "heartbeat_at")
