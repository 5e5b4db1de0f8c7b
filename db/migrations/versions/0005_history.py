"""history: daily_bars.source, the track record in the database, backfill progress

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-30 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Bars stored before this revision came from `gslts demo-data`: simulated.
    op.add_column(
        "daily_bars", sa.Column("source", sa.String(16), nullable=False, server_default="simulated")
    )
    op.create_table(
        "track_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("end_day", sa.Date(), nullable=True),
        sa.Column("kr_source", sa.String(16), nullable=False),
        sa.Column("us_source", sa.String(16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_track_records_computed_at", "track_records", ["computed_at"])
    op.create_table(
        "history_progress",
        sa.Column("job", sa.String(64), nullable=False),
        sa.Column("code", sa.String(6), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("job", "code"),
    )


def downgrade() -> None:
    op.drop_table("history_progress")
    op.drop_index("ix_track_records_computed_at", table_name="track_records")
    op.drop_table("track_records")
    op.drop_column("daily_bars", "source")
