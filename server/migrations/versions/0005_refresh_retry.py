"""refresh retry: an exchanged refresh token remembers the client's retry_key and the pair it issued

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 01:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retry_key_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("child_refresh_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("child_access_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("token", schema=None) as batch_op:
        batch_op.drop_column("child_access_hash")
        batch_op.drop_column("child_refresh_hash")
        batch_op.drop_column("retry_key_hash")
