"""Who may see and change what. One place, used by the sync API and the registry API alike."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from server.auth.principal import Principal
from server.models import Record

NO_RIGHTS = "Недостаточно прав для изменения этой записи"

_Emp = aliased(Record)


def staff_person_ids(inns: tuple[str, ...]) -> Any:
    """Subquery: persons with a live employment card in these organizations."""
    return (
        select(_Emp.person_id)
        .where(_Emp.entity == "employment", _Emp.deleted == sa.false(), _Emp.org_inn.in_(inns))  # type: ignore[union-attr]
        .scalar_subquery()
    )


def org_of_person_card(column: Any) -> Any:
    """The card's organization, hidden from the planner's index choice.

    For "cards of these persons in these organizations" SQLite (no statistics) prefers the staff
    indexes (entity, org_inn, deleted, …) over the person index, because they match more
    columns; that walks every card of the organization (100,000 in a large one) instead of the
    handful the persons have. The person index is always the right one here.
    """
    return sa.func.coalesce(column, "")


def scope_clause(p: Principal, *, feed_order: bool = False) -> Any:
    """SQL condition on Record selecting the rows the caller may read.

    ``feed_order``: the query walks the feed by position. For an organization's staff most
    rows qualify, so the planner should scan the position index and filter, stopping at the page
    limit, instead of collecting every row of every employee through the person index and sorting
    them all for each page (what SQLite picks otherwise). Wrapping the column in COALESCE hides
    the person index from the planner.
    """
    if p.role == "admin":
        return sa.true()
    if p.role == "doctor":
        return Record.person_id == p.person_id if p.person_id else sa.false()
    if p.role in ("hr", "manager") and p.org_inns:
        col: Any = sa.func.coalesce(Record.person_id, "") if feed_order else Record.person_id
        return col.in_(staff_person_ids(p.org_inns))
    return sa.false()


def can_read_person(s: Session, p: Principal, person_id: str) -> bool:
    if p.role == "admin":
        return True
    if p.role == "doctor":
        return p.person_id == person_id
    if p.role in ("hr", "manager") and p.org_inns:
        hit = s.exec(
            select(Record.id).where(
                Record.entity == "employment", Record.person_id == person_id,
                Record.deleted == sa.false(), org_of_person_card(Record.org_inn).in_(p.org_inns),
            ).limit(1)
        ).first()
        return hit is not None
    return False


_DOCTOR_FREE = ("education", "certificate", "accreditation", "category", "document")


def write_errors(
    s: Session,
    p: Principal,
    entity: str,
    op: str,
    person_id: str,
    current: dict[str, Any] | None,
    new: dict[str, Any] | None,
) -> dict[str, str]:
    """Permission errors for one change ({} = allowed); always under "_permission", so callers can
    tell a refusal of rights from a refusal of values; a rule about one field names it as well."""
    errors = _write_errors(s, p, entity, op, person_id, current, new)
    if errors and "_permission" not in errors:
        errors = {"_permission": next(iter(errors.values())), **errors}
    return errors


def _write_errors(
    s: Session,
    p: Principal,
    entity: str,
    op: str,
    person_id: str,
    current: dict[str, Any] | None,
    new: dict[str, Any] | None,
) -> dict[str, str]:
    """Permission errors for one change ({} = allowed). ``new`` is the full row after the change."""
    deny = {"_permission": NO_RIGHTS}
    if p.role == "admin":
        return {}
    if p.role == "manager":
        return {"_permission": "Руководитель организации может только просматривать данные"}
    cur = current or {}
    nxt = new or {}
    if p.role == "doctor":
        if person_id != p.person_id:
            return deny
        if entity == "person":
            if op != "update":
                return deny
            if nxt.get("snils") != cur.get("snils"):
                return {"snils": "СНИЛС меняет только оператор регистра"}
            return {}
        if entity in _DOCTOR_FREE:
            return {}
        if entity == "employment":
            if cur.get("status") == "confirmed":
                return {"status": "Подтверждённую карточку меняет только кадровая служба"}
            if op != "delete" and nxt.get("status") not in ("draft", "submitted"):
                return {"status": "Подтверждает или отклоняет карточку кадровая служба"}
            return {}
        if entity == "nmo":
            if cur.get("status") in ("confirmed", "rejected"):
                return {"status": "Решение по баллам уже принято — запись не изменяется"}
            if op != "delete" and nxt.get("status") != "pending":
                return {"status": "Баллы подтверждает оператор регистра"}
            return {}
        if entity == "application":
            if cur.get("status") in ("in_review", "approved", "rejected"):
                return {"status": "Заявление уже рассматривается — изменить его нельзя"}
            if op != "delete":
                if nxt.get("status") not in ("draft", "submitted"):
                    return {"status": "Решение по заявлению принимает оператор регистра"}
                for f in ("confirmation_number", "decision_comment"):
                    if nxt.get(f) != cur.get(f):
                        return {f: "Это поле заполняет оператор регистра"}
            return {}
        if entity == "request":
            if op != "update":
                return deny
            changed = {k for k in set(cur) | set(nxt) if cur.get(k) != nxt.get(k)}
            if changed - {"status"}:
                return {"_permission": "В запросе организации можно менять только статус"}
            if nxt.get("status") not in ("new", "acknowledged", "answered"):
                return {"status": "Закрывает запрос организация"}
            return {}
        return deny
    if p.role == "hr":
        inns = set(p.org_inns)
        if entity == "person":
            if op == "delete":
                return deny
            if op == "update" and not can_read_person(s, p, person_id):
                return deny
            return {}
        if entity in ("employment", "request"):
            if entity == "request" and not can_read_person(s, p, person_id):
                return deny
            for row in (current, new):
                if row is not None and row.get("org_inn") not in inns:
                    return {"org_inn": "Кадровая служба работает только с карточками своих организаций"}
            return {}
        return deny
    return deny
