"""PostgreSQL: feed positions are stamped by a deferred trigger, inside COMMIT

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 22:45:00

Rows are written with ``seq`` NULL; a constraint trigger deferred to commit time gives each a
position from the counter row. The counter's row lock is therefore taken during the commit itself
and released when the commit is visible, so the window in which other writers wait no longer
includes any round trip to the (possibly busy) application process. Gap-freedom is unchanged:
positions are still taken in commit order by one lock holder at a time. SQLite needs none of
this (its writers are serialized) and keeps stamping positions from Python.
"""
from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE FUNCTION record_stamp_seq() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE pos bigint;
        BEGIN
            UPDATE seq_counter SET value = value + 1 WHERE name = 'feed' RETURNING value INTO pos;
            UPDATE record SET seq = pos WHERE id = NEW.id AND seq IS NULL;
            RETURN NULL;
        END $$
    """)
    op.execute("""
        CREATE CONSTRAINT TRIGGER record_stamp_seq AFTER INSERT OR UPDATE OF seq ON record
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.seq IS NULL)
        EXECUTE FUNCTION record_stamp_seq()
    """)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS record_stamp_seq ON record")
    op.execute("DROP FUNCTION IF EXISTS record_stamp_seq()")
