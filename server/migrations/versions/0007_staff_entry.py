"""staff list: one summary row per person and organization (staff_entry), backfilled from the cards

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 02:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_entry",
        sa.Column("org_inn", sa.String(length=10), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("sort_name", sa.String(length=320), nullable=True),
        sa.Column("snils", sa.String(length=11), nullable=True),
        sa.Column("begin_date", sa.String(length=10), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("cards", sa.Integer(), nullable=False),
        sa.Column("positions", sa.String(length=400), nullable=False),
        sa.Column("statuses", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("org_inn", "person_id"),
    )
    op.create_index("ix_staff_entry_name", "staff_entry", ["org_inn", "sort_name", "person_id"])
    op.create_index("ix_staff_entry_snils", "staff_entry", ["org_inn", "snils", "person_id"])
    op.create_index("ix_staff_entry_begin", "staff_entry", ["org_inn", "begin_date", "person_id"])
    op.create_index("ix_staff_entry_person", "staff_entry", ["person_id"])
    # Backfill from the live cards, with the same summary the writer keeps (pure function on rows).
    from server.staff import summarise

    bind = op.get_bind()
    record = sa.table("record", sa.column("person_id"), sa.column("org_inn"), sa.column("sort_name"),
                      sa.column("snils"), sa.column("begin_date"), sa.column("data", sa.JSON),
                      sa.column("entity"), sa.column("deleted", sa.Boolean))
    entry = sa.table("staff_entry", *(sa.column(c) for c in (
        "org_inn", "person_id", "sort_name", "snils", "begin_date", "active", "cards", "positions", "statuses")))
    cards = bind.execute(sa.select(record.c.person_id, record.c.org_inn, record.c.sort_name, record.c.snils,
                                   record.c.begin_date, record.c.data)
                         .where(record.c.entity == "employment", record.c.deleted == sa.false())).all()
    rows = list(summarise(cards).values())
    for i in range(0, len(rows), 5000):
        bind.execute(sa.insert(entry), rows[i:i + 5000])


def downgrade() -> None:
    op.drop_table("staff_entry")
