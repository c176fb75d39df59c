"""staff list: employment rows carry begin date, person name and СНИЛС, indexed per organization

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 22:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("begin_date", sa.String(length=10), nullable=True))
    op.create_index("ix_record_staff_name", "record", ["entity", "org_inn", "deleted", "sort_name"])
    op.create_index("ix_record_staff_snils", "record", ["entity", "org_inn", "deleted", "snils"])
    op.create_index("ix_record_staff_begin", "record", ["entity", "org_inn", "deleted", "begin_date"])
    # Backfill in Python: JSON access differs between SQLite and PostgreSQL, and existing
    # databases are small (large ones are created after this migration and filled by the writer).
    bind = op.get_bind()
    record = sa.table("record", sa.column("id"), sa.column("entity"), sa.column("person_id"),
                      sa.column("data", sa.JSON), sa.column("sort_name"), sa.column("snils"),
                      sa.column("begin_date"))
    persons = {r.id: (r.sort_name, r.snils) for r in bind.execute(
        sa.select(record.c.id, record.c.sort_name, record.c.snils).where(record.c.entity == "person"))}
    cards = bind.execute(sa.select(record.c.id, record.c.person_id, record.c.data)
                         .where(record.c.entity == "employment")).all()
    for card in cards:
        name, snils = persons.get(card.person_id, (None, None))
        bind.execute(sa.update(record).where(record.c.id == card.id).values(
            sort_name=name, snils=snils, begin_date=(card.data or {}).get("begin_date")))


def downgrade() -> None:
    op.drop_index("ix_record_staff_begin", "record")
    op.drop_index("ix_record_staff_snils", "record")
    op.drop_index("ix_record_staff_name", "record")
    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.drop_column("begin_date")
