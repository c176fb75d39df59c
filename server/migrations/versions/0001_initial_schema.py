"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 21:50:21.070513
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # tables generated from server/models.py, reviewed by hand
    op.create_table('account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=True),
    sa.Column('display_name', sa.String(length=300), nullable=False),
    sa.Column('totp_secret', sa.String(length=64), nullable=True),
    sa.Column('totp_confirmed', sa.Boolean(), nullable=False),
    sa.Column('totp_last_step', sa.Integer(), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('failed_count', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.Float(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_login'), ['login'], unique=True)
        batch_op.create_index(batch_op.f('ix_account_person_id'), ['person_id'], unique=False)

    op.create_table('applied_op',
    sa.Column('client_id', sa.String(length=36), nullable=False),
    sa.Column('op_id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('client_id', 'op_id')
    )
    op.create_table('audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.Float(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('login', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('org_inns', sa.String(length=200), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=50), nullable=False),
    sa.Column('entity', sa.String(length=30), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.String(length=1000), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_at'), ['at'], unique=False)

    op.create_table('blob',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('mime', sa.String(length=50), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('sha256')
    )
    op.create_table('confirmation',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('employment_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('org_inn', sa.String(length=10), nullable=False),
    sa.Column('blob_sha256', sa.String(length=64), nullable=False),
    sa.Column('doc_kind', sa.String(length=20), nullable=False),
    sa.Column('doc_org_inn', sa.String(length=12), nullable=False),
    sa.Column('doc_org_name', sa.String(length=300), nullable=False),
    sa.Column('doc_begin_date', sa.String(length=10), nullable=False),
    sa.Column('doc_date', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('comment', sa.String(length=2000), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('decided_at', sa.Float(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('confirmation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_confirmation_employment_id'), ['employment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_confirmation_org_inn'), ['org_inn'], unique=False)
        batch_op.create_index(batch_op.f('ix_confirmation_person_id'), ['person_id'], unique=False)

    op.create_table('organization',
    sa.Column('inn', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('ogrn', sa.String(length=15), nullable=True),
    sa.Column('kpp', sa.String(length=9), nullable=True),
    sa.PrimaryKeyConstraint('inn')
    )
    op.create_table('programme',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('provider', sa.String(length=300), nullable=False),
    sa.Column('specialty_code', sa.String(length=20), nullable=True),
    sa.Column('format', sa.String(length=20), nullable=False),
    sa.Column('hours', sa.Integer(), nullable=False),
    sa.Column('begin_date', sa.String(length=10), nullable=False),
    sa.Column('end_date', sa.String(length=10), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('free_seats', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('record',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('field_versions', sa.JSON(), nullable=False),
    sa.Column('field_clients', sa.JSON(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=True),
    sa.Column('org_inn', sa.String(length=10), nullable=True),
    sa.Column('sort_name', sa.String(length=320), nullable=True),
    sa.Column('snils', sa.String(length=11), nullable=True),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('seq')
    )
    with op.batch_alter_table('record', schema=None) as batch_op:
        batch_op.create_index('ix_record_entity_org', ['entity', 'org_inn', 'deleted'], unique=False)
        batch_op.create_index('ix_record_entity_sort', ['entity', 'sort_name'], unique=False)
        batch_op.create_index('ix_record_person_entity', ['person_id', 'entity'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_snils'), ['snils'], unique=False)

    op.create_table('request_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=5000), nullable=False),
    sa.Column('blob_sha256', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('request_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_comment_request_id'), ['request_id'], unique=False)

    op.create_table('seq_counter',
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('server_key',
    sa.Column('name', sa.String(length=30), nullable=False),
    sa.Column('value', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('account_org',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('org_inn', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['org_inn'], ['organization.inn'], ),
    sa.PrimaryKeyConstraint('account_id', 'org_inn')
    )
    op.create_table('auth_code',
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=100), nullable=False),
    sa.Column('redirect_uri', sa.String(length=500), nullable=False),
    sa.Column('code_challenge', sa.String(length=128), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.Column('used', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('code_hash')
    )
    op.create_table('auth_session',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('last_used_at', sa.Float(), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.Column('revoked_at', sa.Float(), nullable=True),
    sa.Column('revoke_reason', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_session_account_id'), ['account_id'], unique=False)

    op.create_table('enrolment',
    sa.Column('programme_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.PrimaryKeyConstraint('programme_id', 'person_id')
    )
    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failure_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failure_at'), ['at'], unique=False)

    op.create_table('recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_code_account_id'), ['account_id'], unique=False)

    op.create_table('sync_client',
    sa.Column('client_id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('max_counter', sa.BigInteger(), nullable=False),
    sa.Column('last_seen', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('client_id')
    )
    op.create_table('token',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.Column('used_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['auth_session.id'], ),
    sa.PrimaryKeyConstraint('token_hash')
    )
    with op.batch_alter_table('token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_token_session_id'), ['session_id'], unique=False)

    # ### end Alembic commands ###
    _after_tables()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_no_change ON audit")
        op.execute("DROP FUNCTION IF EXISTS audit_append_only()")
    # tables generated from server/models.py, reviewed by hand
    with op.batch_alter_table('token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_token_session_id'))

    op.drop_table('token')
    op.drop_table('sync_client')
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_account_id'))

    op.drop_table('recovery_code')
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failure_at'))
        batch_op.drop_index(batch_op.f('ix_login_failure_account_id'))

    op.drop_table('login_failure')
    op.drop_table('enrolment')
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_session_account_id'))

    op.drop_table('auth_session')
    op.drop_table('auth_code')
    op.drop_table('account_org')
    op.drop_table('server_key')
    op.drop_table('seq_counter')
    with op.batch_alter_table('request_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_comment_request_id'))

    op.drop_table('request_comment')
    with op.batch_alter_table('record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_snils'))
        batch_op.drop_index('ix_record_person_entity')
        batch_op.drop_index('ix_record_entity_sort')
        batch_op.drop_index('ix_record_entity_org')

    op.drop_table('record')
    op.drop_table('programme')
    op.drop_table('organization')
    with op.batch_alter_table('confirmation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_confirmation_person_id'))
        batch_op.drop_index(batch_op.f('ix_confirmation_org_inn'))
        batch_op.drop_index(batch_op.f('ix_confirmation_employment_id'))

    op.drop_table('confirmation')
    op.drop_table('blob')
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_at'))
        batch_op.drop_index(batch_op.f('ix_audit_action'))
        batch_op.drop_index(batch_op.f('ix_audit_account_id'))

    op.drop_table('audit')
    op.drop_table('applied_op')
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_person_id'))
        batch_op.drop_index(batch_op.f('ix_account_login'))

    op.drop_table('account')
    # ### end Alembic commands ###


def _after_tables() -> None:
    # The feed counter: one row, locked by every writer for the last moments of its transaction.
    op.execute("INSERT INTO seq_counter (name, value) VALUES ('feed', 0)")
    # The journal is append-only in the database itself, not only by API convention.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit journal is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit "
            "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_no_{event.lower()} BEFORE {event} ON audit "
                "BEGIN SELECT RAISE(ABORT, 'audit journal is append-only'); END"
            )
