"""authorization: card status and authoring organization on record, per-account file ownership

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 06:00:00

``auth_code.session_id``: a replayed code revokes the session its first exchange opened.
An organization's scope over a person now comes from a confirmed card, not from any card
(docs/security.md): ``record.status`` makes that a column test, ``record.author_org`` lets an
organization read back the rows it wrote itself. ``blob_owner`` records every uploader of a
file. The staff list is rebuilt, since doctor-filed cards no longer count until confirmed.
"""
from __future__ import annotations

import time

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("record", sa.Column("status", sa.String(length=20), nullable=True))
    op.add_column("record", sa.Column("author_org", sa.String(length=10), nullable=True))
    op.create_index("ix_record_author_org", "record", ["author_org"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("UPDATE record SET status = data->>'status' WHERE entity = 'employment'")
    else:
        op.execute("UPDATE record SET status = json_extract(data, '$.status') WHERE entity = 'employment'")
    op.create_table(
        "blob_owner",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "account_id"),
    )
    now = time.time()
    op.execute(sa.text("INSERT INTO blob_owner (sha256, account_id, created_at) "
                       "SELECT sha256, uploaded_by, :now FROM blob").bindparams(now=now))
    op.add_column("auth_code", sa.Column("session_id", sa.String(length=36), nullable=True))
    from server.staff import rebuild

    rebuild(bind)


def downgrade() -> None:
    op.drop_column("auth_code", "session_id")
    op.drop_table("blob_owner")
    op.drop_index("ix_record_author_org", "record")
    op.drop_column("record", "author_org")
    op.drop_column("record", "status")
