"""account self-service: password age, second-factor re-enrolment, reset codes, consent

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 14:00:00

``account.password_changed_at`` (the expiry policy counts from it; existing accounts from their
creation), ``account.must_enrol`` (set by an operator's second-factor reset: the account can do
nothing but enrol), ``account.totp_pending_secret`` (a replacement device waiting for its first
code). ``reset_code``: one-time password-reset codes, stored hashed. ``consent_record``: the
152-ФЗ consent given in the desktop, recorded on the server too (docs/account.md).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_changed_at", sa.Float(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("must_enrol", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("totp_pending_secret", sa.String(length=64), nullable=True))
    op.execute("UPDATE account SET password_changed_at = created_at")
    op.create_table(
        "reset_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.Column("used_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reset_code_account_id", "reset_code", ["account_id"])
    op.create_table(
        "consent_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=50), nullable=False),
        sa.Column("given_at", sa.String(length=40), nullable=False),
        sa.Column("recorded_at", sa.Float(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_consent_record_account_id", "consent_record", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_consent_record_account_id", "consent_record")
    op.drop_table("consent_record")
    op.drop_index("ix_reset_code_account_id", "reset_code")
    op.drop_table("reset_code")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("totp_pending_secret")
        batch_op.drop_column("must_enrol")
        batch_op.drop_column("password_changed_at")
