"""SQLModel tables of the local vault.

Record tables are generated from ``schema.ENTITIES`` so a field exists in exactly one place;
each carries the sync columns (``id``, ``person_id``, ``version``, ``updated_at``). Canonical
values are stored as they travel: ISO dates and decimals as text, ints as integers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, LargeBinary, MetaData
from sqlmodel import Field, SQLModel

from desktop.models.schema import ENTITIES, EntitySpec

# A registry of its own, so the server's SQLModel tables never mix with the vault's.
vault_metadata = MetaData()


class VaultModel(SQLModel):
    metadata = vault_metadata


def _record_table(spec: EntitySpec) -> type[VaultModel]:
    ann: dict[str, Any] = {"id": str, "person_id": str, "version": int, "updated_at": str}
    ns: dict[str, Any] = {
        "__tablename__": f"rec_{spec.name}",
        "id": Field(primary_key=True),
        "person_id": Field(index=True),
        "version": Field(default=0),
        "updated_at": Field(default=""),
    }
    for f in spec.fields:
        ann[f.name] = int | None if f.kind == "int" else str | None
        ns[f.name] = None
    ns["__annotations__"] = ann
    cls_name = "Rec" + spec.name.capitalize()
    return type(cls_name, (VaultModel,), ns, table=True)  # type: ignore[call-arg]


RECORD_TABLES: dict[str, type[VaultModel]] = {name: _record_table(s) for name, s in ENTITIES.items()}


class Meta(VaultModel, table=True):
    """Small key/value facts about the vault: client id, consent, audit head, counters."""

    key: str = Field(primary_key=True)
    value: str = ""


class Outbox(VaultModel, table=True):
    """One local edit waiting for (or done with) the server. Written with the edit itself."""

    seq: int | None = Field(default=None, primary_key=True)
    op_id: str = Field(unique=True)
    entity: str
    entity_id: str = Field(index=True)
    person_id: str
    op: str  # create | update | delete
    fields: str  # JSON: field -> new value
    base: str  # JSON: field -> previous value
    base_version: int = 0
    created_at: str
    state: str = Field(default="pending", index=True)  # pending | applied | conflict | rejected
    attempts: int = 0
    result: str = ""  # JSON: the server's answer


class Audit(VaultModel, table=True):
    """Hash-chained local journal: each entry's MAC covers the previous one's."""

    seq: int | None = Field(default=None, primary_key=True)
    ts: str
    user: str
    host: str
    action: str
    entity: str
    entity_id: str
    fields: str  # JSON list of changed field names (never values: no personal data here)
    prev_hash: str
    hash: str


class Blob(VaultModel, table=True):
    """Attachment bytes, content-addressed, inside the encrypted database."""

    sha256: str = Field(primary_key=True)
    mime: str
    size: int
    created_at: str
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Secret(VaultModel, table=True):
    """Named secrets (tokens, an imported .p12) — protected by the database encryption."""

    name: str = Field(primary_key=True)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: str = ""


class NsiEntry(VaultModel, table=True):
    __tablename__ = "nsi_entry"  # type: ignore[assignment]

    """Entries of a full НСИ export imported with ``frmr nsi import``."""

    dict_key: str = Field(primary_key=True)
    code: str = Field(primary_key=True)
    name: str


class SyncRow(VaultModel, table=True):
    """Sync (migration 0003): the server's version of a row, noted when it arrived while the
    row carried local work (whose base the local version must stay)."""

    __tablename__ = "sync_row"  # type: ignore[assignment]

    id: str = Field(primary_key=True)
    entity: str = Field(index=True)
    person_id: str
    version: int
    deleted: int


class SyncConflict(VaultModel, table=True):
    """Sync (migration 0003): a conflict on one row; ``fields`` is JSON field -> base/mine/theirs/choice."""

    __tablename__ = "sync_conflict"  # type: ignore[assignment]

    id: int | None = Field(default=None, primary_key=True)
    op_id: str
    entity: str
    entity_id: str = Field(index=True)
    person_id: str
    op: str
    base_version: int
    fields: str
    state: str = Field(default="open", index=True)  # open | resolved
    created_at: str
    resolved_at: str = ""
