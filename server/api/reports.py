"""The manager's dashboard over HTTP: an organization's figures and the people behind a bar."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query

from server import audit, reports
from server.api.common import client_schema_optional
from server.auth.principal import Principal, require
from server.db import read_session
from server.models import Organization
from server.policy import may_read_org
from server.problems import Problem
from server.state import State

router = APIRouter(tags=["отчёты"], dependencies=[Depends(client_schema_optional)])

Inn = Annotated[str, Path(min_length=10, max_length=10, pattern=r"^\d{10}$")]
Reader = Annotated[Principal, Depends(require("hr", "manager", "admin"))]
DateQ = Annotated[str, Query(max_length=10, pattern=r"^(\d{4}-\d{2}-\d{2})?$")]
TextQ = Annotated[str, Query(max_length=300)]


def _filters(subdivision: str, position: str, date_from: str, date_to: str) -> reports.Filters:
    errors = {}
    for name, v in (("date_from", date_from), ("date_to", date_to)):
        if v:
            try:
                d = dt.date.fromisoformat(v)
            except ValueError:
                errors[name] = f"нет такой даты: {v}"
                continue
            if not dt.date(1900, 1, 1) <= d <= dt.date(2100, 12, 31):
                errors[name] = "дата вне допустимого диапазона (1900–2100)"
    if not errors and date_from and date_to and date_from > date_to:
        errors["date_to"] = "конец периода раньше начала"
    if errors:
        raise Problem(422, "Неверный период: " + "; ".join(errors.values()), errors=errors)
    # an empty query parameter is "any"; the people behind the bar of cards with no subdivision
    # are asked for by group=subdivision&value= instead
    return reports.Filters(subdivision.strip() or None, position.strip() or None, date_from, date_to)


def _org(p: Principal, st: State, inn: str) -> Organization:
    # rights first: an organization the caller may not read looks the same as one that does not exist
    if not may_read_org(p, inn):
        raise Problem(404, "Организация не найдена.")
    with read_session(st.engine) as s:
        org = s.get(Organization, inn)
    if org is None:
        raise Problem(404, "Организация не найдена.")
    return org


@router.get("/orgs/{inn}/report", summary="Показатели организации (панель руководителя, статистический отчёт)")
def org_report(inn: Inn, p: Reader, st: State, subdivision: TextQ = "", position: TextQ = "",
               date_from: DateQ = "", date_to: DateQ = "") -> dict[str, Any]:
    org = _org(p, st, inn)
    flt = _filters(subdivision, position, date_from, date_to)
    with read_session(st.engine) as s:
        out = reports.cached_org_report(s, inn, flt)
    out["org_name"] = org.name
    # the expiry list names people: a read of personal data, journaled like the staff list
    audit.log(st.engine, p, "read_report", "organization", inn, f"сотрудников: {out['headcount']}")
    return out


@router.get("/orgs/{inn}/report/people", summary="Сотрудники за столбцом диаграммы")
def report_people(inn: Inn, p: Reader, st: State,
                  group: Literal["all", "subdivision", "position", "expiring", "nmo", "confirmations", "requests"],
                  value: TextQ = "", subdivision: TextQ = "", position: TextQ = "", date_from: DateQ = "",
                  date_to: DateQ = "") -> dict[str, Any]:
    _org(p, st, inn)
    if group == "expiring" and value not in ("30", "90", "expired"):
        raise Problem(422, "Срок: 30, 90 или expired.", errors={"value": "30, 90 или expired"})
    if group == "nmo" and value not in {str(b) for b in reports.NMO_BINS}:
        raise Problem(422, "Интервал выполнения цикла НМО: 0, 25, 50, 75 или 100.",
                      errors={"value": "0, 25, 50, 75 или 100"})
    if group == "confirmations" and value not in {str(b) for b in reports.AGE_BINS}:
        raise Problem(422, "Срок ожидания: 0, 7 или 30 дней.", errors={"value": "0, 7 или 30"})
    if group == "requests" and value not in reports.REQUEST_STATES:
        raise Problem(422, "Состояние запроса: open, answered или closed.",
                      errors={"value": "open, answered или closed"})
    flt = _filters(subdivision, position, date_from, date_to)
    with read_session(st.engine) as s:
        items = reports.people(s, inn, group, value, flt=flt)
    audit.log(st.engine, p, "read_personal_data", "organization", inn, f"отчёт: {group}={value}, {len(items)}")
    return {"items": items}
