"""Education programmes catalogue and enrolment that cannot overbook."""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field
from sqlalchemy import update
from sqlmodel import Session, col, select

from desktop.sync.wire import NoArgs
from server import audit
from server.api.common import client_schema_optional
from server.api.helpers import UUID_RE
from server.auth.principal import CurrentUser, Principal, require
from server.db import in_write_tx, read_session
from server.models import Enrolment, Programme
from server.problems import Problem
from server.state import AppState, State

router = APIRouter(tags=["образовательные программы"], dependencies=[Depends(client_schema_optional)])
ProgId = Annotated[str, Path(pattern=UUID_RE)]


@router.get("/programmes", summary="Каталог программ (даты, формат, часы, свободные места)")
def catalogue(p: CurrentUser, st: State) -> dict[str, Any]:
    with read_session(st.engine) as s:
        rows = s.exec(select(Programme).order_by(col(Programme.begin_date))).all()
        mine: set[str] = set()
        if p.person_id:
            mine = set(s.exec(select(Enrolment.programme_id).where(Enrolment.person_id == p.person_id)).all())
    return {"items": [{**r.model_dump(), "enrolled": r.id in mine} for r in rows]}


class NewProgramme(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    provider: str = Field(default="", max_length=300)
    specialty_code: str | None = Field(default=None, max_length=20)
    format: Literal["full_time", "part_time", "mixed", "distance"]
    hours: int = Field(ge=1, le=10000)
    begin_date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    end_date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    seats: int = Field(ge=1, le=100000)


@router.post("/programmes", status_code=201, summary="Добавить программу (оператор)")
def create(body: NewProgramme, p: Annotated[Principal, Depends(require("admin"))], st: State) -> dict[str, Any]:
    if body.end_date < body.begin_date:
        raise Problem(422, "Дата окончания раньше даты начала.", errors={"end_date": "раньше даты начала"})
    prog = Programme(id=str(uuid.uuid4()), free_seats=body.seats, **body.model_dump())

    def tx(s: Session) -> dict[str, Any]:
        s.add(prog)
        audit.add(s, p, "change", "programme", prog.id, "создана")
        return prog.model_dump()

    return in_write_tx(st.engine, tx)


def enrol_core(s: Session, st: AppState, p: Principal, programme_id: str, body: NoArgs | None = None) -> dict[str, Any]:
    """The worker takes a seat on a programme: at most one per person, never more than the seats."""
    if not p.person_id:
        raise Problem(403, "Учётная запись не связана с записью регистра.")
    person_id = p.person_id
    if s.get(Programme, programme_id) is None:
        raise Problem(404, "Программа не найдена.")
    if s.get(Enrolment, (programme_id, person_id)) is not None:
        raise Problem(409, "Вы уже записаны на эту программу.")
    # One conditional UPDATE is the whole overbooking guard: the row lock (PostgreSQL) or the
    # write lock (SQLite) makes "check free seats and take one" a single atomic step.
    taken = s.execute(
        update(Programme).where(col(Programme.id) == programme_id, col(Programme.free_seats) > 0)
        .values(free_seats=col(Programme.free_seats) - 1)
    ).rowcount  # type: ignore[attr-defined]
    if taken != 1:
        raise Problem(409, "Свободных мест нет.")
    s.add(Enrolment(programme_id=programme_id, person_id=person_id, created_at=time.time()))
    audit.add(s, p, "change", "enrolment", programme_id, "запись на программу")
    prog = s.get(Programme, programme_id)
    assert prog is not None
    s.refresh(prog)
    return {"version": None, "result": {**prog.model_dump(), "enrolled": True}}


@router.post("/programmes/{programme_id}/enrol", status_code=201, summary="Записаться на программу")
def enrol(programme_id: ProgId, p: Annotated[Principal, Depends(require("doctor"))], st: State) -> dict[str, Any]:
    out = in_write_tx(st.engine, lambda s: enrol_core(s, st, p, programme_id))
    return dict(out["result"])


def cancel_enrolment_core(s: Session, st: AppState, p: Principal, programme_id: str,
                          body: NoArgs | None = None) -> dict[str, Any]:
    """The worker gives the seat back. Idempotent: not (or no longer) enrolled is already the
    state asked for, so a resent or doubled cancellation changes nothing and is not an error."""
    if not p.person_id:
        raise Problem(403, "Учётная запись не связана с записью регистра.")
    if s.get(Programme, programme_id) is None:
        raise Problem(404, "Программа не найдена.")
    mine = s.exec(select(Enrolment).where(Enrolment.programme_id == programme_id,
                                          Enrolment.person_id == p.person_id).with_for_update()).first()
    if mine is not None:
        s.delete(mine)
        # the seat back in the same transaction, bounded by the seats (never more free than there are)
        s.execute(update(Programme)
                  .where(col(Programme.id) == programme_id, col(Programme.free_seats) < col(Programme.seats))
                  .values(free_seats=col(Programme.free_seats) + 1))
        audit.add(s, p, "change", "enrolment", programme_id, "отмена записи на программу")
    prog = s.get(Programme, programme_id)
    assert prog is not None
    s.flush()
    s.refresh(prog)
    return {"version": None, "result": {**prog.model_dump(), "enrolled": False}}


@router.post("/programmes/{programme_id}/cancel", summary="Отменить запись на программу")
def cancel_enrolment(programme_id: ProgId, p: Annotated[Principal, Depends(require("doctor"))],
                     st: State) -> dict[str, Any]:
    out = in_write_tx(st.engine, lambda s: cancel_enrolment_core(s, st, p, programme_id))
    return dict(out["result"])


@router.get("/programmes/{programme_id}/enrolments", summary="Записавшиеся (оператор)")
def enrolments(programme_id: ProgId, p: Annotated[Principal, Depends(require("admin"))], st: State) -> dict[str, Any]:
    with read_session(st.engine) as s:
        if s.get(Programme, programme_id) is None:
            raise Problem(404, "Программа не найдена.")
        rows = s.exec(select(Enrolment).where(Enrolment.programme_id == programme_id)).all()
    if rows:
        audit.log(st.engine, p, "read_personal_data", "enrolment", programme_id, f"записей: {len(rows)}")
    return {"items": [r.model_dump() for r in rows]}
