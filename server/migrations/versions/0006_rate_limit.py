"""login rate limit: attempts per client IP and minute, in the database so every worker shares them

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 01:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("window_start", sa.Float(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_rate_limit_window_start", "rate_limit", ["window_start"])


def downgrade() -> None:
    op.drop_index("ix_rate_limit_window_start", "rate_limit")
    op.drop_table("rate_limit")
