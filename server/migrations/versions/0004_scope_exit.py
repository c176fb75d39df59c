"""scope exits: the feed tells an organization's readers that a person left its staff

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 01:00:00

Rows of ``scope_exit`` take feed positions from the same counter as ``record``; on PostgreSQL
by the same kind of deferred trigger (see 0003), so they are stamped in commit order as well.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scope_exit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("org_inn", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("seq"),
    )
    op.create_index("ix_scope_exit_person_id", "scope_exit", ["person_id"])
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE FUNCTION scope_exit_stamp_seq() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE pos bigint;
        BEGIN
            UPDATE seq_counter SET value = value + 1 WHERE name = 'feed' RETURNING value INTO pos;
            UPDATE scope_exit SET seq = pos WHERE id = NEW.id AND seq IS NULL;
            RETURN NULL;
        END $$
    """)
    op.execute("""
        CREATE CONSTRAINT TRIGGER scope_exit_stamp_seq AFTER INSERT ON scope_exit
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.seq IS NULL)
        EXECUTE FUNCTION scope_exit_stamp_seq()
    """)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS scope_exit_stamp_seq ON scope_exit")
        op.execute("DROP FUNCTION IF EXISTS scope_exit_stamp_seq()")
    op.drop_index("ix_scope_exit_person_id", "scope_exit")
    op.drop_table("scope_exit")
