"""Glue shared by the registry endpoints: row shapes, the single write path, paging."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session

from server import audit
from server.auth.principal import Principal
from server.db import in_write_tx
from server.models import Record
from server.policy import can_read_person
from server.problems import Problem
from server.state import AppState
from server.sync import Engine

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


def visible_record(s: Session, p: Principal, rid: str, entity: str | None = None) -> Record:
    """The live row if the caller may read it; 404 otherwise (existence is not revealed)."""
    rec = s.get(Record, rid[:36])
    if rec is None or rec.deleted or (entity and rec.entity != entity) or not can_read_person(s, p, rec.person_id):
        raise Problem(404, "Запись не найдена.")
    return rec


def raise_for(result: dict[str, Any]) -> None:
    if result["status"] == "rejected":
        errors = result["errors"]
        if "_permission" in errors:
            raise Problem(403, errors["_permission"], errors=errors)
        raise Problem(422, "Данные не сохранены: " + "; ".join(list(errors.values())[:5]), errors=errors)
    if result["status"] == "conflict":
        raise Problem(409, "Запись изменена другим пользователем: обновите данные и повторите.",
                      conflicts=result.get("conflicts"), version=result.get("version"))


def write(st: AppState, p: Principal, op: dict[str, Any], *, trusted: bool = False, note: str = "") -> dict[str, Any]:
    """Apply one change through the same engine as /sync/push (validation, merge, feed)."""

    def tx(s: Session) -> dict[str, Any]:
        eng = Engine(s, p, st.nsi, trusted=trusted)
        if op.get("base_version") is None:
            cur = s.get(Record, op["entity_id"])
            op["base_version"] = cur.version if cur else 0
        res = eng.apply({"op_id": str(uuid.uuid4()), "fields": {}, "base": {}, **op})
        if res["status"] != "rejected":
            audit.add(s, p, "change", op["entity"], op["entity_id"], note or op["op"])
        eng.w.finish()
        return res

    res = in_write_tx(st.engine, tx)
    raise_for(res)
    return res


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
