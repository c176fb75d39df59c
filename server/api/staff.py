"""Organizations: staff list (paged, filtered, sorted), analytics, export, cards and requests."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from desktop.models import checkdigits as cd
from desktop.models.textrules import spreadsheet_cell
from desktop.models.validation import fmt_date
from desktop.sync.wire import CloseArgs
from server import audit
from server.api.common import client_schema_optional
from server.api.helpers import UUID_RE, read_row, visible_record, write, write_in
from server.auth.principal import CurrentUser, Principal, require
from server.db import in_write_tx, read_session
from server.models import Organization, Record, StaffEntry
from server.policy import org_of_person_card
from server.problems import Problem
from server.staff import org_card
from server.state import AppState, State

router = APIRouter(tags=["организации и кадры"], dependencies=[Depends(client_schema_optional)])

Inn = Annotated[str, Path(min_length=10, max_length=10, pattern=r"^\d{10}$")]
RowId = Annotated[str, Path(pattern=UUID_RE)]
OrgReader = Annotated[Principal, Depends(require("hr", "manager", "admin"))]
OrgWriter = Annotated[Principal, Depends(require("hr", "admin"))]


def org_for(s: Session, p: Principal, inn: str) -> Organization:
    org = s.get(Organization, inn)
    if org is None or (p.role != "admin" and inn not in p.org_inns):
        raise Problem(404, "Организация не найдена.")
    return org


@router.get("/orgs", summary="Мои организации")
def orgs(p: CurrentUser, st: State) -> dict[str, Any]:
    with read_session(st.engine) as s:
        q = select(Organization).order_by(Organization.inn)
        if p.role != "admin":
            q = q.where(col(Organization.inn).in_(p.org_inns))
        rows = s.exec(q).all()
    return {"organizations": [o.model_dump() for o in rows]}


class NewOrg(BaseModel):
    inn: str = Field(pattern=r"^\d{10}$")
    name: str = Field(min_length=1, max_length=300)
    ogrn: str | None = Field(default=None, pattern=r"^\d{13}$")
    kpp: str | None = Field(default=None, pattern=r"^\d{4}[0-9A-Z]{2}\d{3}$")


@router.post("/orgs", status_code=201, summary="Добавить организацию (оператор)")
def create_org(body: NewOrg, p: Annotated[Principal, Depends(require("admin"))], st: State) -> dict[str, Any]:
    errors = {}
    if not cd.inn_is_valid(body.inn):
        errors["inn"] = "«ИНН»: неверное контрольное число"
    if body.ogrn and not cd.ogrn_is_valid(body.ogrn):
        errors["ogrn"] = "«ОГРН»: неверное контрольное число"
    if errors:
        raise Problem(422, "Организация не добавлена: " + "; ".join(errors.values()), errors=errors)

    def tx(s: Session) -> None:
        if s.get(Organization, body.inn) is not None:
            raise Problem(409, "Организация с таким ИНН уже есть.")
        s.add(Organization(**body.model_dump()))
        audit.add(s, p, "change", "organization", body.inn, "создана")

    in_write_tx(st.engine, tx)
    return body.model_dump()


SortKey = Literal["name", "-name", "snils", "-snils", "begin_date", "-begin_date", "position_code",
                  "-position_code", "status", "-status"]

_Emp = aliased(Record)
_Per = aliased(Record)
_E = StaffEntry
_CARD_FIELDS = ("position_code", "position_type", "subdivision", "rate", "begin_date", "end_date", "status")


def _json_text(column: Any, key: str) -> Any:
    return column[key].as_string()


def _staff_query(inn: str, q: str, position_code: str, status: str, active: bool | None) -> list[Any]:
    """Conditions on the organization's staff entries (one per person with a live card there)."""
    cond: list[Any] = [col(_E.org_inn) == inn]
    if q:
        needle = q.strip().casefold()
        digits = cd.normalize_snils(needle)
        if digits.isdigit():
            cond.append(col(_E.snils).startswith(digits, autoescape=True))
        else:
            cond.append(col(_E.sort_name).contains(needle, autoescape=True))
    if position_code:
        cond.append(col(_E.positions).contains(f",{position_code},", autoescape=True))
    if status:
        cond.append(col(_E.statuses).contains(f",{status},", autoescape=True))
    if active is not None:
        cond.append(col(_E.active) == (sa.true() if active else sa.false()))
    return cond


def _unframe(v: str | None) -> list[str]:
    return [x for x in (v or "").split(",") if x]


@router.get("/orgs/{inn}/staff", summary="Сотрудники организации (одна строка на человека)")
def staff(
    inn: Inn, p: OrgReader, st: State,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
    q: Annotated[str, Query(max_length=100, description="часть ФИО или начало СНИЛС")] = "",
    position_code: Annotated[str, Query(max_length=20, description="есть карточка с этой должностью")] = "",
    status: Annotated[str, Query(max_length=20, description="есть карточка с этим статусом")] = "",
    active: Annotated[bool | None, Query(description="есть действующая карточка (true) или нет ни одной")] = None,
    sort: SortKey = "name",
) -> dict[str, Any]:
    """One item per person with a live card in the organization: their cards there summarised
    (positions, statuses, earliest begin date, whether any card is active) and listed."""
    with read_session(st.engine) as s:
        org_for(s, p, inn)
        cond = _staff_query(inn, q, position_code, status, active)
        total = s.execute(sa.select(sa.func.count()).select_from(_E).where(*cond)).scalar_one()
        key = sort.lstrip("-")
        order: Any = {"name": col(_E.sort_name), "snils": col(_E.snils), "begin_date": col(_E.begin_date),
                      "position_code": col(_E.positions), "status": col(_E.statuses)}[key]
        desc = sort.startswith("-")
        # person_id breaks ties, so pages never overlap or skip; same direction keeps it one index scan
        tie = col(_E.person_id)
        orders = [order.desc(), tie.desc()] if desc else [order.asc(), tie.asc()]
        entries = s.execute(
            sa.select(col(_E.person_id), col(_E.begin_date), col(_E.active), col(_E.cards), col(_E.positions),
                      col(_E.statuses))
            .where(*cond).order_by(*orders).offset((page - 1) * page_size).limit(page_size)
        ).all()
        pids = [e[0] for e in entries]
        persons: dict[str, dict[str, Any]] = {}
        cards: dict[str, list[dict[str, Any]]] = {}
        if pids:
            persons = {r[0]: r[1] for r in s.execute(
                sa.select(col(Record.id), col(Record.data)).where(col(Record.id).in_(pids)))}
            for cid, pid, ver, data in s.execute(
                    sa.select(col(Record.id), col(Record.person_id), col(Record.version), col(Record.data))
                    .where(col(Record.person_id).in_(pids), col(Record.entity) == "employment",
                           org_of_person_card(col(Record.org_inn)) == inn, col(Record.deleted) == sa.false(),
                           org_card())):
                cards.setdefault(pid, []).append(
                    {"employment_id": cid, "employment_version": ver, **{k: data.get(k) for k in _CARD_FIELDS}})
    items = []
    for pid, begin, is_active, n, positions, statuses in entries:
        pd = persons.get(pid) or {}
        items.append({
            "person_id": pid, "snils": pd.get("snils"), "last_name": pd.get("last_name"),
            "first_name": pd.get("first_name"), "patronymic": pd.get("patronymic"),
            "birth_date": pd.get("birth_date"), "cards": n, "positions": _unframe(positions),
            "statuses": _unframe(statuses), "begin_date": begin, "active": bool(is_active),
            "employments": sorted(cards.get(pid, []), key=lambda c: (c["begin_date"] or "", c["employment_id"])),
        })
    audit.log(st.engine, p, "read_personal_data", "staff", inn, f"страница {page}, записей {len(items)}")
    return {"items": items, "total": total, "page": page, "page_size": page_size}


def _card_query(inn: str) -> list[Any]:
    return [_Emp.entity == "employment", _Emp.org_inn == inn, _Emp.deleted == sa.false(), org_card(_Emp)]


@router.get("/orgs/{inn}/staff.csv", summary="Выгрузка списка сотрудников (CSV)",
            responses={200: {"content": {"text/csv": {}}}})
def staff_export(inn: Inn, p: OrgReader, st: State) -> Response:
    with read_session(st.engine) as s:
        org_for(s, p, inn)
        cond = _card_query(inn)
        rows = s.exec(select(_Per.data, _Emp.data).select_from(_Emp).join(_Per, col(_Per.id) == col(_Emp.person_id))
                      .where(*cond).order_by(_Per.sort_name)).all()
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";")
    w.writerow(["СНИЛС", "Фамилия", "Имя", "Отчество", "Должность", "Ставка", "Дата начала", "Дата окончания",
                "Статус"])
    for pd, ed in rows:
        # every cell through the one formula guard: a name typed as «=HYPERLINK(…)» is text in the
        # spreadsheet, not a formula that sends a neighbour's СНИЛС elsewhere
        w.writerow([spreadsheet_cell(v) for v in (
            pd.get("snils"), pd.get("last_name"), pd.get("first_name"), pd.get("patronymic"),
            ed.get("position_code"), ed.get("rate"), ed.get("begin_date"), ed.get("end_date"), ed.get("status"))])
    audit.log(st.engine, p, "export", "staff", inn, f"CSV, строк: {len(rows)}")
    return Response(buf.getvalue().encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="staff-{inn}.csv"'})


@router.get("/orgs/{inn}/summary", summary="Сводка по организации (для руководителя)")
def summary(inn: Inn, p: OrgReader, st: State) -> dict[str, Any]:
    with read_session(st.engine) as s:
        org = org_for(s, p, inn)
        rows = s.exec(select(_Emp.data, _Emp.person_id).where(*_card_query(inn))).all()
    by_position: dict[str, int] = {}
    by_status: dict[str, int] = {}
    active = 0
    persons = set()
    rate = 0.0
    for d, pid in rows:
        persons.add(pid)
        by_status[str(d.get("status"))] = by_status.get(str(d.get("status")), 0) + 1
        if not d.get("end_date"):
            active += 1
            by_position[str(d.get("position_code"))] = by_position.get(str(d.get("position_code")), 0) + 1
            rate += float(d.get("rate") or 0)
    return {"organization": org.model_dump(), "cards": len(rows), "persons": len(persons), "active_cards": active,
            "active_rate_sum": round(rate, 2), "active_by_position": by_position, "cards_by_status": by_status}


class NewEmployment(BaseModel):
    person_id: str = Field(pattern=UUID_RE)
    fields: dict[str, Any] = Field(max_length=40)


@router.post("/orgs/{inn}/employment", status_code=201, summary="Добавить карточку трудоустройства")
def add_employment(inn: Inn, body: NewEmployment, p: OrgWriter, st: State) -> dict[str, Any]:
    with read_session(st.engine) as s:
        org = org_for(s, p, inn)
        person = s.get(Record, body.person_id)
        if person is None or person.entity != "person" or person.deleted:
            raise Problem(404, "Человек не найден.")
    fields = {**body.fields, "org_inn": inn, "org_name": org.name}
    if org.ogrn and not fields.get("org_ogrn"):
        fields["org_ogrn"] = org.ogrn
    if org.kpp and not fields.get("org_kpp"):
        fields["org_kpp"] = org.kpp
    rid = str(uuid.uuid4())
    write(st, p, {"entity": "employment", "entity_id": rid, "person_id": body.person_id, "op": "create",
                  "fields": fields, "base_version": 0})
    return read_row(st, rid)


#: the endpoint's body is the push action's arguments (desktop/sync/wire.py, docs/actions.md)
Close = CloseArgs


def close_employment_core(s: Session, st: AppState, p: Principal, row_id: str, body: CloseArgs) -> dict[str, Any]:
    """The organization's clerk (or the operator) closes a card: the worker left."""
    # check and change under the card's lock: of two closes, the second sees the first's date
    rec = visible_record(s, p, row_id, "employment", lock=True)
    if p.role != "admin" and rec.org_inn not in p.org_inns:
        # readable (a staff person's card in another organization) but not this clerk's to close:
        # 403, as for any row the caller may read and not change (docs/security.md)
        raise Problem(403, "Недостаточно прав для этого действия.")
    if rec.data.get("end_date"):
        raise Problem(409, f"Карточка уже закрыта (дата окончания {fmt_date(str(rec.data['end_date']))}).")
    fields = {"end_date": body.end_date, "end_reason": body.end_reason}
    write_in(s, st, p, {"entity": "employment", "entity_id": row_id, "person_id": rec.person_id, "op": "update",
                        "fields": fields}, note="закрыта")
    return {"version": rec.version, "result": {"end_date": rec.data.get("end_date"), "end_reason": body.end_reason}}


@router.post("/employment/{row_id}/close", summary="Закрыть карточку трудоустройства (увольнение)")
def close_employment(row_id: RowId, body: Close, p: OrgWriter, st: State) -> dict[str, Any]:
    in_write_tx(st.engine, lambda s: close_employment_core(s, st, p, row_id, body))
    return read_row(st, row_id)


class NewRequest(BaseModel):
    person_id: str = Field(pattern=UUID_RE)
    kind: str = Field(min_length=1, max_length=100)
    text: str = Field(default="", max_length=5000)


@router.post("/orgs/{inn}/requests", status_code=201, summary="Отправить запрос сотруднику")
def send_request(inn: Inn, body: NewRequest, p: OrgWriter, st: State) -> dict[str, Any]:
    with read_session(st.engine) as s:
        org = org_for(s, p, inn)
    rid = str(uuid.uuid4())
    write(st, p, {"entity": "request", "entity_id": rid, "person_id": body.person_id, "op": "create",
                  "fields": {"org_name": org.name, "org_inn": inn, "kind": body.kind, "text": body.text,
                             "received_at": dt.date.today().isoformat(), "status": "new"},
                  "base_version": 0}, trusted=False)
    return read_row(st, rid)
