"""organization report: narrow summary tables kept by the writer, backfilled from the records

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 17:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_card",
        sa.Column("card_id", sa.String(length=36), nullable=False),
        sa.Column("org_inn", sa.String(length=10), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("subdivision", sa.Text(), nullable=False),
        sa.Column("position_code", sa.Text(), nullable=False),
        sa.Column("rate_micro", sa.BigInteger(), nullable=True),
        sa.Column("end_date", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("card_id"),
    )
    op.create_index("ix_report_card_sub", "report_card",
                    ["org_inn", "subdivision", "person_id", "end_date", "rate_micro"])
    op.create_index("ix_report_card_pos", "report_card",
                    ["org_inn", "position_code", "person_id", "end_date", "rate_micro"])
    op.create_index("ix_report_card_person", "report_card", ["person_id", "org_inn", "end_date"])
    op.create_index("ix_report_card_end", "report_card",
                    ["org_inn", "end_date", "subdivision", "position_code", "rate_micro"])
    op.create_table(
        "report_staff",
        sa.Column("org_inn", sa.String(length=10), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("until", sa.Text(), nullable=False),
        sa.Column("soonest", sa.Text(), nullable=False),
        sa.Column("cycle_start", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("org_inn", "person_id"),
    )
    op.create_index("ix_report_staff_until", "report_staff",
                    ["org_inn", "until", "person_id", "soonest", "cycle_start"])
    op.create_index("ix_report_staff_person", "report_staff", ["person_id"])
    op.create_table(
        "report_unit",
        sa.Column("org_inn", sa.String(length=10), nullable=False),
        sa.Column("dim", sa.String(length=1), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("until", sa.Text(), nullable=False),
        sa.Column("open_cards", sa.Integer(), nullable=False),
        sa.Column("open_rate", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("org_inn", "dim", "value", "person_id"),
    )
    op.create_index("ix_report_unit_until", "report_unit",
                    ["org_inn", "dim", "until", "value", "open_cards", "open_rate"])
    op.create_index("ix_report_unit_person", "report_unit", ["person_id"])
    op.create_table(
        "report_request",
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("org_inn", sa.String(length=10), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("received_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("record_id"),
    )
    op.create_index("ix_report_request_org", "report_request", ["org_inn", "received_at", "status"])
    # the confirmation backlog of an organization by age: one index range, no table rows
    op.create_index("ix_confirmation_backlog", "confirmation", ["org_inn", "status", "created_at"])
    op.create_table(
        "report_doc",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("specialty_code", sa.String(length=100), nullable=False),
        sa.Column("latest", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "entity", "specialty_code"),
    )
    op.create_index("ix_report_doc_latest", "report_doc", ["latest", "person_id"])
    op.create_table(
        "report_person",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("cycle_start", sa.Text(), nullable=False),
        sa.Column("soonest", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.create_table(
        "report_credit",
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("event_date", sa.Text(), nullable=False),
        sa.Column("credits_micro", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("record_id"),
    )
    op.create_index("ix_report_credit_person", "report_credit", ["person_id", "event_date", "credits_micro"])
    # The backfill is migration 0011's: it runs the writer's current functions, which fill the
    # columns 0011 adds.


def downgrade() -> None:
    op.drop_index("ix_confirmation_backlog", "confirmation")
    for table in ("report_request", "report_unit", "report_staff", "report_credit", "report_person", "report_doc",
                  "report_card"):
        op.drop_table(table)
