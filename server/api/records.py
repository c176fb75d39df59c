"""Persons and their record through REST: read, create, change, delete, find by СНИЛС."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field
from sqlmodel import select

from desktop.models import checkdigits as cd
from desktop.models.schema import ENTITIES
from server import audit
from server.api.common import client_schema_optional
from server.api.helpers import UUID_RE, Fields, read_row, row_of, visible_record, write
from server.auth.principal import CurrentUser, Principal, require
from server.db import read_session
from server.models import Record
from server.policy import can_read_person, scope_clause
from server.problems import Problem
from server.state import State

router = APIRouter(tags=["регистр: запись"], dependencies=[Depends(client_schema_optional)])

PersonId = Annotated[str, Path(pattern=UUID_RE)]
RowId = Annotated[str, Path(pattern=UUID_RE)]
EntityName = Annotated[str, Path(max_length=20)]


def _entity(name: str) -> str:
    if name not in ENTITIES or name == "person":
        raise Problem(404, "Неизвестный раздел записи.")
    return name


@router.get("/persons/{person_id}/record", summary="Вся запись человека")
def get_record(person_id: PersonId, p: CurrentUser, st: State) -> dict[str, Any]:
    with read_session(st.engine) as s:
        if not can_read_person(s, p, person_id):
            raise Problem(404, "Запись не найдена.")
        # row by row: a clerk reading back a person it entered sees what its organization wrote,
        # not what the worker added, until a card of theirs there is confirmed (docs/security.md)
        rows = s.exec(select(Record).where(Record.person_id == person_id, Record.deleted == sa.false(),
                                           scope_clause(p))).all()
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in ENTITIES}
    for r in rows:
        out[r.entity].append(row_of(r))
    if not out["person"]:
        raise Problem(404, "Запись не найдена.")
    audit.log(st.engine, p, "read_personal_data", "person", person_id, "вся запись")
    return {"person_id": person_id, "entities": out}


@router.get("/record", summary="Моя запись (медицинский работник)")
def my_record(p: Annotated[Principal, Depends(require("doctor"))], st: State) -> dict[str, Any]:
    if not p.person_id:
        raise Problem(404, "Учётная запись не связана с записью регистра.")
    return get_record(p.person_id, p, st)


@router.post("/persons/{person_id}/{entity}", status_code=201, summary="Добавить строку в раздел записи")
def create_row(person_id: PersonId, entity: EntityName, body: Fields, p: CurrentUser, st: State) -> dict[str, Any]:
    ent = _entity(entity)
    # the engine decides who may add what to whose record, before it looks at the values
    rid = str(uuid.uuid4())
    write(st, p, {"entity": ent, "entity_id": rid, "person_id": person_id, "op": "create", "fields": body.fields,
                  "base_version": 0})
    return read_row(st, rid)


@router.patch("/persons/{person_id}/{entity}/{row_id}", summary="Изменить строку (только переданные поля)")
def update_row(person_id: PersonId, entity: EntityName, row_id: RowId, body: Fields, p: CurrentUser,
               st: State) -> dict[str, Any]:
    ent = entity if entity == "person" else _entity(entity)
    with read_session(st.engine) as s:
        rec = visible_record(s, p, row_id, ent)
        if rec.person_id != person_id:
            raise Problem(404, "Запись не найдена.")
    write(st, p, {"entity": ent, "entity_id": row_id, "person_id": person_id, "op": "update",
                  "fields": body.fields, "base_version": body.base_version})
    return read_row(st, row_id)


@router.delete("/persons/{person_id}/{entity}/{row_id}", summary="Удалить строку")
def delete_row(person_id: PersonId, entity: EntityName, row_id: RowId, p: CurrentUser, st: State,
               base_version: Annotated[int | None, Query(ge=0, le=2**62)] = None) -> dict[str, Any]:
    ent = entity if entity == "person" else _entity(entity)
    with read_session(st.engine) as s:
        rec = visible_record(s, p, row_id, ent)
        if rec.person_id != person_id:
            raise Problem(404, "Запись не найдена.")
    res = write(st, p, {"entity": ent, "entity_id": row_id, "person_id": person_id, "op": "delete",
                        "base_version": base_version})
    return {"deleted": True, "version": res.get("version")}


class NewPerson(BaseModel):
    fields: dict[str, Any] = Field(max_length=40)


@router.get("/persons", summary="Найти человека по СНИЛС (кадровая служба, оператор)")
def find_person(
    p: Annotated[Principal, Depends(require("hr", "admin"))], st: State,
    snils: Annotated[str, Query(min_length=11, max_length=14)],
) -> dict[str, Any]:
    digits = cd.normalize_snils(snils)
    if not (len(digits) == 11 and digits.isdigit() and cd.snils_is_valid(digits)):
        raise Problem(422, "«СНИЛС»: неверный номер или контрольное число.", errors={"snils": "неверный СНИЛС"})
    with read_session(st.engine) as s:
        rec = s.exec(select(Record).where(Record.entity == "person", Record.snils == digits,
                                          Record.deleted == sa.false())).first()
        if rec is None:
            raise Problem(404, "Человек с таким СНИЛС в регистре не найден.")
        full = can_read_person(s, p, rec.id)
    audit.log(st.engine, p, "read_personal_data", "person", rec.id, "поиск по СНИЛС")
    if not full:
        # Someone outside the clerk's organizations: only that a person with this exact СНИЛС
        # exists, and the id to link them by (a card of the clerk's organization). No name, no
        # birth date, no employers: a list of СНИЛС must not turn into a list of people.
        return {"person_id": rec.id, "in_my_organizations": False, "fields": {"snils": digits}}
    return {"person_id": rec.id, "in_my_organizations": True, "fields": dict(rec.data), "version": rec.version}


@router.post("/persons", status_code=201, summary="Внести нового человека (кадровая служба, оператор)")
def create_person(body: NewPerson, p: Annotated[Principal, Depends(require("hr", "admin"))],
                  st: State) -> dict[str, Any]:
    pid = str(uuid.uuid4())
    write(st, p, {"entity": "person", "entity_id": pid, "person_id": pid, "op": "create", "fields": body.fields,
                  "base_version": 0})
    return read_row(st, pid)
