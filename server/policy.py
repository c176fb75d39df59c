"""Who may see and change what: the decision table of docs/security.md, in one place.

Every path that reads or writes a record row — the sync API, the registry API, the workflows —
asks here, and asks first: before validation, conflict detection or anything else that could
tell the caller about a row it may not see.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select
from sqlmodel import col as _col

from desktop.models import staff_request_files as rf
from desktop.models import workflow
from server.auth.principal import Principal
from server.models import Blob, BlobOwner, Confirmation, Record, RequestComment

NO_RIGHTS = "Недостаточно прав для изменения этой записи"
NOT_FOUND = "Запись не найдена."
READ_ONLY = "Руководитель организации может только просматривать данные"

_Emp = aliased(Record)

#: entities a doctor keeps entirely by themselves
_DOCTOR_FREE = ("education", "certificate", "accreditation", "category", "document")
#: entities an HR clerk may write (person: the staff's personal data; the rest: its organization's)
_HR_WRITES = ("person", "employment", "request")


def staff_person_ids(inns: tuple[str, ...]) -> Any:
    """Subquery: persons with a live, confirmed employment card in these organizations.

    A draft card gives the organization nothing: that is the whole of item 3 of the security
    issue (a clerk adding a card for anyone, then reading and editing their record)."""
    return (
        select(_Emp.person_id)
        .where(_Emp.entity == "employment", _Emp.deleted == sa.false(), _Emp.status == "confirmed",
               _Emp.org_inn.in_(inns))  # type: ignore[union-attr]
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
        authored: Any = sa.func.coalesce(Record.author_org, "") if feed_order else Record.author_org
        # a request is between one organization and the worker: a shared employee's requests
        # from another employer are not this organization's business
        others_request = sa.and_(_col(Record.entity) == "request",
                                 ~sa.func.coalesce(Record.org_inn, "").in_(p.org_inns))
        return sa.and_(sa.or_(col.in_(staff_person_ids(p.org_inns)), authored.in_(p.org_inns)), ~others_request)
    return sa.false()


def may_read_org(p: Principal, inn: str) -> bool:
    """An organization's figures and lists: its own clerks and managers, and the operator."""
    if p.role == "admin":
        return True
    return p.role in ("hr", "manager") and inn in p.org_inns


def in_staff(s: Session, p: Principal, person_id: str) -> bool:
    """The person has a live confirmed card in one of the caller's organizations."""
    if not p.org_inns:
        return False
    hit = s.exec(
        select(Record.id).where(
            Record.entity == "employment", Record.person_id == person_id, Record.deleted == sa.false(),
            Record.status == "confirmed", org_of_person_card(Record.org_inn).in_(p.org_inns),
        ).limit(1)
    ).first()
    return hit is not None


def can_read_row(s: Session, p: Principal, rec: Record) -> bool:
    """The one read rule for a single row (docs/security.md, «Reading»)."""
    if p.role == "admin":
        return True
    if p.role == "doctor":
        return bool(p.person_id) and rec.person_id == p.person_id
    if p.role in ("hr", "manager"):
        if rec.entity == "request" and rec.org_inn not in p.org_inns:
            return False
        if rec.author_org and rec.author_org in p.org_inns:
            return True
        return in_staff(s, p, rec.person_id)
    return False


def can_read_person(s: Session, p: Principal, person_id: str) -> bool:
    """The caller may read this person's personal data (the person row)."""
    if p.role == "admin":
        return True
    if p.role == "doctor":
        return bool(p.person_id) and p.person_id == person_id
    if p.role in ("hr", "manager"):
        person = s.get(Record, person_id)
        if person is None or person.entity != "person":
            return False
        return can_read_row(s, p, person)
    return False


def may_write_entity(p: Principal, entity: str) -> bool:
    """Coarse gate, before any row is looked at: can this role write this entity at all?"""
    if p.role == "admin":
        return True
    if p.role == "doctor":
        return True  # narrowed per entity and row below; a doctor writes most of its own record
    if p.role == "hr":
        return entity in _HR_WRITES
    return False


def may_read_blob(s: Session, p: Principal, sha: str) -> bool:
    """Files are shared by the workflows that share them (docs/security.md, «Files»), never by a
    row that names the hash: anyone can write such a row about their own record."""
    if p.role == "admin":
        return True
    if s.get(BlobOwner, (sha, p.account_id)) is not None:
        return True
    if _attached_to_request(s, p, sha):
        return True
    req = aliased(Record)
    reply = (select(RequestComment.id).join(req, req.id == RequestComment.request_id)  # type: ignore[arg-type]
             .where(RequestComment.blob_sha256 == sha, req.entity == "request", req.deleted == sa.false()))
    if p.role in ("hr", "manager") and p.org_inns:
        sent = select(Confirmation.id).where(Confirmation.blob_sha256 == sha,
                                             _col(Confirmation.org_inn).in_(p.org_inns)).limit(1)
        if s.exec(sent).first() is not None:
            return True
        return s.exec(reply.where(req.org_inn.in_(p.org_inns)).limit(1)).first() is not None  # type: ignore[union-attr]
    if p.role == "doctor" and p.person_id:
        return s.exec(reply.where(req.person_id == p.person_id).limit(1)).first() is not None
    return False


def _attached_to_request(s: Session, p: Principal, sha: str) -> bool:
    """A file an organization attached to its request: the addressed worker and the
    organization's clerks and managers read it (docs/security.md, «Files»)."""
    if p.role == "doctor" and p.person_id:
        whose: Any = Record.person_id == p.person_id
    elif p.role in ("hr", "manager") and p.org_inns:
        whose = sa.func.coalesce(Record.org_inn, "").in_(p.org_inns)
    else:
        return False
    # a request names its files by hash in ``attachments`` (comma-separated, each 64 hex digits:
    # a substring match is exact); the person or organization narrows it to a handful of rows
    hit = select(Record.id).where(whose, Record.entity == "request", Record.deleted == sa.false(),
                                  sa.func.coalesce(_col(Record.data)["attachments"].as_string(), "").contains(sha))
    return s.exec(hit.limit(1)).first() is not None


def _attachment_errors(s: Session, p: Principal, cur: dict[str, Any], nxt: dict[str, Any]) -> dict[str, str]:
    """A clerk attaches only files it may read itself: naming a hash grants nothing (the worker
    would otherwise be handed any file whose hash the clerk knew)."""
    if (nxt.get("attachments") or None) == (cur.get("attachments") or None):
        return {}
    bad = rf.format_errors(nxt.get("attachments"))
    if bad:
        return {"attachments": bad[0]}
    new = set(rf.split(nxt.get("attachments"))) - set(rf.split(cur.get("attachments")))
    for sha in sorted(new):
        blob = s.get(Blob, sha)
        if blob is None or not may_read_blob(s, p, sha):
            return {"attachments": "«Вложения»: файл не загружен на сервер"}
        if blob.size > rf.MAX_FILE_BYTES or blob.mime not in rf.MIMES:
            return {"attachments": "«Вложения»: только PDF, JPG или PNG не больше 5 МБ"}
    return {}


def write_errors(
    s: Session,
    p: Principal,
    entity: str,
    op: str,
    person_id: str,
    current: dict[str, Any] | None,
    new: dict[str, Any] | None,
    *,
    values: bool = True,
) -> dict[str, str]:
    """Permission errors for one change ({} = allowed); always under "_permission", so callers can
    tell a refusal of rights from a refusal of values; a rule about one field names it as well.

    ``values=False``: the first check, before the values are parsed — who, which entity, whose
    row, which organization; the rules about the values themselves (statuses, СНИЛС, fields only
    the registry fills) come after parsing. The caller has already checked that the row (when
    it exists) is readable: a change to a row the caller cannot see never reaches this function
    (see ``server.sync.Engine``)."""
    errors = _write_errors(s, p, entity, op, person_id, current, new, values)
    if errors and "_permission" not in errors:
        errors = {"_permission": next(iter(errors.values())), **errors}
    return errors


def _status_rule(entity: str, role: str, op: str, cur: dict[str, Any], nxt: dict[str, Any],
                 values: bool) -> dict[str, str]:
    # The same question the desktop's repository asks before it queues a change offline.
    return workflow.change_errors(entity, role, op, cur, nxt, values=values)


def _write_errors(
    s: Session,
    p: Principal,
    entity: str,
    op: str,
    person_id: str,
    current: dict[str, Any] | None,
    new: dict[str, Any] | None,
    values: bool,
) -> dict[str, str]:
    deny = {"_permission": NO_RIGHTS}
    if p.role == "admin":
        return {}
    if p.role == "manager":
        return {"_permission": READ_ONLY}
    cur = current or {}
    nxt = new or {}
    if p.role == "doctor":
        if not p.person_id or person_id != p.person_id:
            return deny
        if entity == "person":
            if op != "update":
                return deny
            if values and nxt.get("snils") != cur.get("snils"):
                return {"snils": "СНИЛС меняет только оператор регистра"}
            return {}
        if entity in _DOCTOR_FREE:
            return {}
        if entity == "request":
            if op != "update":
                return deny
            changed = {k for k in set(cur) | set(nxt) if cur.get(k) != nxt.get(k)}
            only = workflow.only_fields_error(entity, "doctor", changed) if values else None
            if only:
                return {"_permission": only}
            return _status_rule(entity, "doctor", op, cur, nxt, values)
        if entity in ("employment", "nmo", "application"):
            return _status_rule(entity, "doctor", op, cur, nxt, values)
        return deny
    if p.role == "hr":
        inns = set(p.org_inns)
        if entity not in _HR_WRITES or not inns:
            return deny
        if entity == "person":
            if op == "delete":
                return deny
            if values and op == "update" and nxt.get("snils") != cur.get("snils"):
                return {"snils": "СНИЛС меняет только оператор регистра"}
            return {}
        if entity == "request" and op == "delete":
            return deny
        for row in (current, new):
            if row is not None and str(row.get("org_inn") or "").strip() not in inns:
                return {"org_inn": "Кадровая служба работает только с карточками своих организаций"}
        if entity == "request" and op == "create" and not can_read_person(s, p, person_id):
            return deny
        if entity == "request" and values:
            files = _attachment_errors(s, p, cur, nxt)
            if files:
                return files
        return _status_rule(entity, "hr", op, cur, nxt, values)
    return deny
