"""Glue shared by the registry endpoints: row shapes, the single write path, paging."""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session, select

from server import audit
from server.auth.principal import Principal
from server.db import in_write_tx
from server.models import Record
from server.policy import NOT_FOUND, can_read_row
from server.problems import Problem
from server.state import AppState
from server.sync import NO_PERSON, UNKNOWN_ROW, Engine

UUID_RE = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


class Row(BaseModel):
    id: str
    person_id: str
    version: int
    entity: str
    fields: dict[str, Any]


class Fields(BaseModel):
    fields: dict[str, Any] = Field(default_factory=dict, max_length=40)
    base_version: int | None = Field(default=None, ge=0, le=2**62)


def row_of(rec: Record) -> dict[str, Any]:
    return {"id": rec.id, "person_id": rec.person_id, "version": rec.version, "entity": rec.entity,
            "fields": dict(rec.data)}


def visible_record(s: Session, p: Principal, rid: str, entity: str | None = None, *, lock: bool = False) -> Record:
    """The live row if the caller may read it; 404 otherwise, the same whether or not it exists.

    ``lock``: a workflow step that checks the row's state and then changes it takes the row lock
    here, in its own transaction, so a concurrent step waits and then sees the outcome."""
    q = select(Record).where(Record.id == rid[:36])
    if lock:
        q = q.with_for_update()
    rec = s.exec(q).first()
    if rec is None or rec.deleted or (entity and rec.entity != entity) or not can_read_row(s, p, rec):
        raise Problem(404, NOT_FOUND)
    return rec


def raise_for(result: dict[str, Any]) -> None:
    if result["status"] == "rejected":
        errors = result["errors"]
        if errors == {"person_id": NO_PERSON} or errors == UNKNOWN_ROW:
            # a path that names a person or row the registry does not have: not found, as for a
            # row the caller may not read (the engine decided rights before it said this)
            raise Problem(404, NOT_FOUND)
        if "_permission" in errors:
            raise Problem(403, errors["_permission"], errors=errors)
        raise Problem(422, "Данные не сохранены: " + "; ".join(list(errors.values())[:5]), errors=errors)
    if result["status"] == "conflict":
        raise Problem(409, "Запись изменена другим пользователем: обновите данные и повторите.",
                      conflicts=result.get("conflicts"), version=result.get("version"))


#: the sync client on whose behalf a workflow action runs (set by the push engine around an
#: action, empty on REST): the fields the action changes count as that client's own edits, so
#: the same desktop's later edits queued on the older version are not conflicts with itself
ACTING_CLIENT: ContextVar[str] = ContextVar("frmr_acting_client", default="")


def write_in(s: Session, st: AppState, p: Principal, op: dict[str, Any], *, trusted: bool = False,
             note: str = "") -> dict[str, Any]:
    """Apply one change in the caller's transaction through the same engine as /sync/push
    (permission, validation, merge, feed); a refusal raises, which rolls the whole step back."""
    eng = Engine(s, p, st.nsi, client_id=ACTING_CLIENT.get(), trusted=trusted)
    if op.get("base_version") is None:
        cur = s.get(Record, op["entity_id"])
        op["base_version"] = cur.version if cur else 0
    res = eng.apply({"op_id": str(uuid.uuid4()), "fields": {}, "base": {}, **op})
    raise_for(res)
    audit.add(s, p, "change", op["entity"], op["entity_id"], note or op["op"])
    eng.w.finish()
    return res


def write(st: AppState, p: Principal, op: dict[str, Any], *, trusted: bool = False, note: str = "") -> dict[str, Any]:
    """Apply one change in a transaction of its own."""
    return in_write_tx(st.engine, lambda s: write_in(s, st, p, op, trusted=trusted, note=note))


def read_row(st: AppState, rid: str) -> dict[str, Any]:
    from server.db import read_session

    with read_session(st.engine) as s:
        rec = s.get(Record, rid)
        assert rec is not None
        return row_of(rec)


class Page(BaseModel):
    items: list[dict[str, Any]]
    total: int
    page: int
    page_size: int
