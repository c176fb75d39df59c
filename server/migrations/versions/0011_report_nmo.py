"""organization report: each staff member's НМО sum kept on report_staff; the summaries backfilled

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 22:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report_staff") as batch:
        batch.add_column(sa.Column("nmo_from", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("nmo_oldest", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("nmo_done", sa.BigInteger(), nullable=False, server_default="0"))
    op.drop_index("ix_report_staff_until", "report_staff")
    op.create_index("ix_report_staff_until", "report_staff",
                    ["org_inn", "until", "person_id", "soonest", "cycle_start", "nmo_from", "nmo_oldest", "nmo_done"])
    # Backfill every summary with the same pure functions the writer keeps the rows with (this
    # is the newest migration of the summaries: the functions write its columns too).
    from server.report_summary import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_report_staff_until", "report_staff")
    op.create_index("ix_report_staff_until", "report_staff",
                    ["org_inn", "until", "person_id", "soonest", "cycle_start"])
    with op.batch_alter_table("report_staff") as batch:
        for name in ("nmo_done", "nmo_oldest", "nmo_from"):
            batch.drop_column(name)
