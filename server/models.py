"""Tables of the server (SQLModel). Migrations in server/migrations create exactly these.

Timestamps are epoch seconds (float) rather than DateTime: SQLite and PostgreSQL then
compare and round-trip them identically, with no naive/aware time-zone surprises.
Record payloads are JSON so one generic table serves every entity of the schema; the few
values the server filters or sorts on (organization INN, name, СНИЛС) are copied into
indexed columns when the row is written.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


def _json() -> Any:
    return Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))


class Organization(SQLModel, table=True):
    inn: str = Field(primary_key=True, max_length=10)
    name: str = Field(max_length=300)
    ogrn: str | None = Field(default=None, max_length=15)
    kpp: str | None = Field(default=None, max_length=9)


class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=100, unique=True, index=True)
    password_hash: str = Field(max_length=200)
    role: str = Field(max_length=20)
    person_id: str | None = Field(default=None, max_length=36, index=True)
    display_name: str = Field(default="", max_length=300)
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_confirmed: bool = False
    #: last accepted TOTP time step: a code is never accepted twice
    totp_last_step: int = 0
    disabled: bool = False
    failed_count: int = 0
    locked_until: float = 0.0
    created_at: float = 0.0
    #: when the password was last set (the expiry policy counts from it; 0009)
    password_changed_at: float = 0.0
    #: the operator reset the second factor: the account may only enrol a new one (0009)
    must_enrol: bool = False
    #: a new device's secret, waiting for its first code; the confirmed one stays in use until then
    totp_pending_secret: str | None = Field(default=None, max_length=64)


class AccountOrg(SQLModel, table=True):
    __tablename__ = "account_org"
    account_id: int = Field(primary_key=True, foreign_key="account.id")
    org_inn: str = Field(primary_key=True, max_length=10, foreign_key="organization.inn")


class RecoveryCode(SQLModel, table=True):
    __tablename__ = "recovery_code"
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    code_hash: str = Field(max_length=64)
    used_at: float | None = None


class ResetCode(SQLModel, table=True):
    """A one-time password-reset code the operator issued; only its SHA-256 is kept (0009)."""

    __tablename__ = "reset_code"
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    code_hash: str = Field(max_length=64)
    created_at: float
    expires_at: float
    issued_by: int | None = None
    used_at: float | None = None


class ConsentRecord(SQLModel, table=True):
    """The 152-ФЗ consent a person gave in the desktop, as recorded on the server (0009)."""

    __tablename__ = "consent_record"
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    version: str = Field(max_length=50)
    #: when the person gave it in the desktop (their clock) and when the server heard of it
    given_at: str = Field(default="", max_length=40)
    recorded_at: float = 0.0
    ip: str = Field(default="", max_length=64)


class LoginFailure(SQLModel, table=True):
    __tablename__ = "login_failure"
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    at: float = Field(index=True)


class AuthCode(SQLModel, table=True):
    __tablename__ = "auth_code"
    code_hash: str = Field(primary_key=True, max_length=64)
    account_id: int = Field(foreign_key="account.id")
    client_id: str = Field(max_length=100)
    redirect_uri: str = Field(max_length=500)
    code_challenge: str = Field(max_length=128)
    expires_at: float
    used: bool = False
    #: the session the exchange opened: a replay of the code revokes it (RFC 6749 §4.1.2)
    session_id: str | None = Field(default=None, max_length=36)


class AuthSession(SQLModel, table=True):
    """A login: the family of refresh tokens that descend from one authorization code."""

    __tablename__ = "auth_session"
    id: str = Field(primary_key=True, max_length=36)
    account_id: int = Field(foreign_key="account.id", index=True)
    created_at: float
    last_used_at: float
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)
    revoked_at: float | None = None
    revoke_reason: str | None = Field(default=None, max_length=100)


class Token(SQLModel, table=True):
    """Access and refresh tokens, stored only as SHA-256 of the random token."""

    token_hash: str = Field(primary_key=True, max_length=64)
    session_id: str = Field(foreign_key="auth_session.id", index=True, max_length=36)
    kind: str = Field(max_length=10)
    expires_at: float
    #: refresh tokens: when it was exchanged; a second exchange is reuse
    used_at: float | None = None
    #: refresh tokens, set by the exchange: SHA-256 of the client's retry_key and of the pair it
    #: issued, so a retry of that exchange whose answer was lost can be told from a reuse
    retry_key_hash: str | None = Field(default=None, max_length=64)
    child_refresh_hash: str | None = Field(default=None, max_length=64)
    child_access_hash: str | None = Field(default=None, max_length=64)


class Record(SQLModel, table=True):
    """One row of the ФРМР record (any entity), current state; deleted rows stay as tombstones."""

    __table_args__ = (
        sa.Index("ix_record_entity_org", "entity", "org_inn", "deleted"),
        # the staff list pages through an organization's cards sorted by these (0002)
        sa.Index("ix_record_staff_name", "entity", "org_inn", "deleted", "sort_name"),
        sa.Index("ix_record_staff_snils", "entity", "org_inn", "deleted", "snils"),
        sa.Index("ix_record_staff_begin", "entity", "org_inn", "deleted", "begin_date"),
        sa.Index("ix_record_person_entity", "person_id", "entity"),
        sa.Index("ix_record_entity_sort", "entity", "sort_name"),
        sa.Index("ix_record_author_org", "author_org"),
    )
    id: str = Field(primary_key=True, max_length=36)
    entity: str = Field(max_length=20)
    person_id: str = Field(max_length=36)
    version: int = 1
    deleted: bool = False
    data: dict[str, Any] = _json()
    field_versions: dict[str, Any] = _json()
    #: field -> [client_id that changed it last, version of the last change by anyone else]:
    #: a client never conflicts with its own queued edits (docs/sync-protocol.md)
    field_clients: dict[str, Any] = _json()
    #: position in the change feed; assigned at the end of the writing transaction
    seq: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, unique=True, nullable=True))
    org_inn: str | None = Field(default=None, max_length=10)
    sort_name: str | None = Field(default=None, max_length=320)
    snils: str | None = Field(default=None, max_length=11, index=True)
    #: employment rows: their begin date; with sort_name and snils copied from the person
    begin_date: str | None = Field(default=None, max_length=10)
    #: employment rows: their status, so "confirmed staff" is a column test, not a JSON lookup
    status: str | None = Field(default=None, max_length=20)
    #: the organization whose HR clerk (or the operator on its behalf) created the row: it may
    #: read back what it wrote, but nothing else of the person until a card is confirmed
    author_org: str | None = Field(default=None, max_length=10)
    updated_at: float = 0.0
    updated_by: int | None = None


class StaffEntry(SQLModel, table=True):
    """One person on one organization's staff list: their live cards there, summarised.

    Kept by the feed writer in the transaction that changes a card (server.staff), so a page of the
    staff list of a 20,000-person organization is one index range, never a GROUP BY over 100,000
    cards. Filters on positions and statuses match ``,code,`` inside the comma-framed lists.
    """

    __tablename__ = "staff_entry"
    __table_args__ = (
        sa.Index("ix_staff_entry_name", "org_inn", "sort_name", "person_id"),
        sa.Index("ix_staff_entry_snils", "org_inn", "snils", "person_id"),
        sa.Index("ix_staff_entry_begin", "org_inn", "begin_date", "person_id"),
        sa.Index("ix_staff_entry_person", "person_id"),
    )
    org_inn: str = Field(primary_key=True, max_length=10)
    person_id: str = Field(primary_key=True, max_length=36)
    sort_name: str | None = Field(default=None, max_length=320)
    snils: str | None = Field(default=None, max_length=11)
    #: the earliest begin date of the person's live cards in the organization
    begin_date: str | None = Field(default=None, max_length=10)
    #: some live card in the organization has no end date
    active: bool = False
    cards: int = 0
    #: distinct position codes / statuses of those cards, sorted, framed: ",4,5,"
    positions: str = Field(default=",", max_length=400)
    statuses: str = Field(default=",", max_length=100)


class ScopeExit(SQLModel, table=True):
    """A person left the staff of an organization (their last live card there was deleted or moved).

    A feed entry of its own, at a position from the same counter as the records: a reader of that
    organization who no longer sees the person is told to drop them (docs/sync-protocol.md, Pull).
    """

    __tablename__ = "scope_exit"
    id: int | None = Field(default=None, primary_key=True)
    seq: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, unique=True, nullable=True))
    person_id: str = Field(max_length=36, index=True)
    org_inn: str = Field(max_length=10)
    created_at: float = 0.0


class RateLimit(SQLModel, table=True):
    """Attempts per key (``login:<ip>``) in the current one-minute window, shared by all workers."""

    __tablename__ = "rate_limit"
    key: str = Field(primary_key=True, max_length=100)
    window_start: float = Field(index=True)
    count: int = 0


class SeqCounter(SQLModel, table=True):
    __tablename__ = "seq_counter"
    name: str = Field(primary_key=True, max_length=20)
    value: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False))


class SyncClient(SQLModel, table=True):
    __tablename__ = "sync_client"
    client_id: str = Field(primary_key=True, max_length=36)
    account_id: int = Field(foreign_key="account.id")
    max_counter: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False))
    last_seen: float = 0.0


class AppliedOp(SQLModel, table=True):
    __tablename__ = "applied_op"
    client_id: str = Field(primary_key=True, max_length=36)
    op_id: str = Field(primary_key=True, max_length=36)
    account_id: int
    result: dict[str, Any] = _json()
    created_at: float


class Blob(SQLModel, table=True):
    sha256: str = Field(primary_key=True, max_length=64)
    mime: str = Field(max_length=50)
    size: int
    data: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    uploaded_by: int
    created_at: float


class BlobOwner(SQLModel, table=True):
    """Every account that uploaded these bytes: each may read and use the file it uploaded."""

    __tablename__ = "blob_owner"
    sha256: str = Field(primary_key=True, max_length=64)
    account_id: int = Field(primary_key=True)
    created_at: float = 0.0


class Confirmation(SQLModel, table=True):
    """A worker's request to confirm an employment card with a document, and its outcome."""

    #: the organization report's backlog by age (0010)
    __table_args__ = (sa.Index("ix_confirmation_backlog", "org_inn", "status", "created_at"),)

    id: str = Field(primary_key=True, max_length=36)
    employment_id: str = Field(max_length=36, index=True)
    person_id: str = Field(max_length=36, index=True)
    org_inn: str = Field(max_length=10, index=True)
    blob_sha256: str = Field(max_length=64)
    doc_kind: str = Field(max_length=20)
    doc_org_inn: str = Field(max_length=12)
    doc_org_name: str = Field(max_length=300)
    doc_begin_date: str = Field(max_length=10)
    doc_date: str = Field(max_length=10)
    status: str = Field(default="pending", max_length=20)
    errors: list[str] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    comment: str = Field(default="", max_length=2000)
    created_at: float
    decided_at: float | None = None
    decided_by: int | None = None


class RequestComment(SQLModel, table=True):
    __tablename__ = "request_comment"
    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(max_length=36, index=True)
    account_id: int
    text: str = Field(default="", max_length=5000)
    blob_sha256: str | None = Field(default=None, max_length=64)
    created_at: float


class Programme(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=36)
    title: str = Field(max_length=300)
    provider: str = Field(default="", max_length=300)
    specialty_code: str | None = Field(default=None, max_length=20)
    format: str = Field(max_length=20)
    hours: int
    begin_date: str = Field(max_length=10)
    end_date: str = Field(max_length=10)
    seats: int
    free_seats: int


class Enrolment(SQLModel, table=True):
    programme_id: str = Field(primary_key=True, max_length=36, foreign_key="programme.id")
    person_id: str = Field(primary_key=True, max_length=36)
    created_at: float


class Audit(SQLModel, table=True):
    """Append-only journal; triggers in the migration refuse UPDATE and DELETE."""

    id: int | None = Field(default=None, primary_key=True)
    at: float = Field(index=True)
    account_id: int | None = Field(default=None, index=True)
    login: str = Field(default="", max_length=100)
    role: str = Field(default="", max_length=20)
    org_inns: str = Field(default="", max_length=200)
    ip: str = Field(default="", max_length=64)
    action: str = Field(max_length=50, index=True)
    entity: str = Field(default="", max_length=30)
    entity_id: str = Field(default="", max_length=64)
    detail: str = Field(default="", max_length=1000)


class ServerKey(SQLModel, table=True):
    """Secrets shared by every worker process (cursor signing)."""

    __tablename__ = "server_key"
    name: str = Field(primary_key=True, max_length=30)
    value: str = Field(max_length=128)


# -- the organization report's summaries (server.report_summary, migration 0010) -----------------
# Kept by the feed writer in the transaction that changes the rows they summarise, so the
# manager's figures are GROUP BYs over narrow indexed tables instead of passes over 100,000 JSON
# rows. Only what does not depend on today's date is stored; "ended by today", the expiry buckets
# and the НМО cycle's default start are decided when the report is asked.


class ReportCard(SQLModel, table=True):
    """An employment card that counts for its organization (live, the organization's own)."""

    __tablename__ = "report_card"
    __table_args__ = (
        # (group, person) order: a bar's distinct persons are counted by a streaming GROUP BY
        sa.Index("ix_report_card_sub", "org_inn", "subdivision", "person_id", "end_date", "rate_micro"),
        sa.Index("ix_report_card_pos", "org_inn", "position_code", "person_id", "end_date", "rate_micro"),
        sa.Index("ix_report_card_person", "person_id", "org_inn", "end_date"),
        # the cards with an end date still ahead: a narrow range at the end of the index
        sa.Index("ix_report_card_end", "org_inn", "end_date", "subdivision", "position_code", "rate_micro"),
    )
    card_id: str = Field(primary_key=True, max_length=36)
    org_inn: str = Field(max_length=10)
    person_id: str = Field(max_length=36)
    subdivision: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    position_code: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    #: the rate in millionths (exact sums of 0.25 + 0.5 …); NULL when none or malformed
    rate_micro: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, nullable=True))
    #: ISO date or "" (no end)
    end_date: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))


class ReportDoc(SQLModel, table=True):
    """The latest expiry of one kind of document and specialty of a person (a renewal replaces it)."""

    __tablename__ = "report_doc"
    __table_args__ = (sa.Index("ix_report_doc_latest", "latest", "person_id"),)
    person_id: str = Field(primary_key=True, max_length=36)
    entity: str = Field(primary_key=True, max_length=20)
    specialty_code: str = Field(primary_key=True, max_length=100)
    latest: str = Field(sa_column=sa.Column(sa.Text, nullable=False))


class ReportPerson(SQLModel, table=True):
    """A person's НМО cycle start (the latest accreditation's protocol date) and soonest latest expiry."""

    __tablename__ = "report_person"
    person_id: str = Field(primary_key=True, max_length=36)
    cycle_start: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    soonest: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))


class ReportCredit(SQLModel, table=True):
    """A confirmed НМО credit with a value."""

    __tablename__ = "report_credit"
    __table_args__ = (sa.Index("ix_report_credit_person", "person_id", "event_date", "credits_micro"),)
    record_id: str = Field(primary_key=True, max_length=36)
    person_id: str = Field(max_length=36)
    event_date: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    credits_micro: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))


class ReportStaff(SQLModel, table=True):
    """A person with counted cards in an organization: until when (the latest end of those cards,
    ``9999-12-31`` if one has none) and the person's document facts, copied here so the
    unfiltered figures read one narrow row per staff member instead of their cards."""

    __tablename__ = "report_staff"
    __table_args__ = (
        # every per-person figure of the unfiltered report is read from this index alone
        sa.Index("ix_report_staff_until", "org_inn", "until", "person_id", "soonest", "cycle_start", "nmo_from",
                 "nmo_oldest", "nmo_done"),
        sa.Index("ix_report_staff_person", "person_id"),
    )
    org_inn: str = Field(primary_key=True, max_length=10)
    person_id: str = Field(primary_key=True, max_length=36)
    until: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    soonest: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    cycle_start: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    #: the person's НМО sum as of a day (server.report_summary.nmo_columns): the cycle start it
    #: was counted from, the earliest credit counted ("" none) and the sum in millionths
    nmo_from: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    nmo_oldest: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    nmo_done: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False, server_default="0"))


class ReportUnit(SQLModel, table=True):
    """A person with counted cards in one subdivision (``dim`` "s") or position ("p") of an
    organization, until when: a bar's headcount today is a count of these rows, not a
    COUNT(DISTINCT person) over the cards."""

    __tablename__ = "report_unit"
    __table_args__ = (
        sa.Index("ix_report_unit_until", "org_inn", "dim", "until", "value", "open_cards", "open_rate"),
        sa.Index("ix_report_unit_person", "person_id"),
    )
    org_inn: str = Field(primary_key=True, max_length=10)
    dim: str = Field(primary_key=True, max_length=1)
    value: str = Field(sa_column=sa.Column(sa.Text, primary_key=True, nullable=False))
    person_id: str = Field(primary_key=True, max_length=36)
    until: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    #: of those cards, the ones with no end date and the sum of their rates (millionths): a bar's
    #: cards and rates today are these plus the few cards with an end date still ahead
    open_cards: int = 0
    open_rate: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False))


class ReportRequest(SQLModel, table=True):
    """An organization's request to a worker: its status and the day it was received."""

    __tablename__ = "report_request"
    __table_args__ = (sa.Index("ix_report_request_org", "org_inn", "received_at", "status"),)
    record_id: str = Field(primary_key=True, max_length=36)
    org_inn: str = Field(max_length=10)
    status: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    received_at: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
