"""Workflows of docs/domain.md: employment confirmation, answering requests, applications."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from desktop.models.workflows.confirm_rules import MAX_FILE_BYTES, confirmation_errors
from desktop.sync.wire import (
    AnswerArgs,
    ApplicationDecisionArgs,
    ConfirmationArgs,
    ConfirmationDecisionArgs,
    NmoDecisionArgs,
    NoArgs,
)
from server import audit, reports
from server.api.common import client_schema_optional
from server.api.helpers import UUID_RE, read_row, visible_record, write_in
from server.auth.principal import CurrentUser, Principal, require
from server.db import in_write_tx, read_session
from server.models import Account, Audit, Blob, Confirmation, Organization, Record, RequestComment
from server.policy import can_read_row, may_read_blob
from server.problems import Problem
from server.registry_fill import confirmation_number  # also installs the fill for every path
from server.state import AppState, State

router = APIRouter(tags=["процессы"], dependencies=[Depends(client_schema_optional)])

RowId = Annotated[str, Path(pattern=UUID_RE)]
Doctor = Annotated[Principal, Depends(require("doctor"))]
Admin = Annotated[Principal, Depends(require("admin"))]
DATE_RE = r"^\d{4}-\d{2}-\d{2}$"


#: the bodies of the workflow endpoints are the arguments of the same actions sent through
#: /sync/push (desktop/sync/wire.py, docs/actions.md): one contract for both ways in
ConfirmationIn = ConfirmationArgs
Decision = ConfirmationDecisionArgs
Answer = AnswerArgs
AppDecision = ApplicationDecisionArgs
NmoDecision = NmoDecisionArgs

#: what an action's core returns: ``version`` — the acted-on row's version afterwards (None when
#: the action changes no row), ``result`` — what the push answer carries back to the desktop
ActionOutcome = dict[str, Any]


def _conf_out(c: Confirmation) -> dict[str, Any]:
    return c.model_dump()


def _brief(person: Record | None) -> dict[str, Any] | None:
    if person is None or person.deleted:
        return None
    return {k: person.data.get(k) for k in ("snils", "last_name", "first_name", "patronymic", "birth_date")}


def request_confirmation_core(s: Session, st: AppState, p: Principal, row_id: str,
                              body: ConfirmationArgs) -> ActionOutcome:
    """A worker asks the card's organization to confirm it by a document. The caller's role is
    checked by the way in (the endpoint's dependency, the push's action table)."""
    today = dt.date.today()
    card = visible_record(s, p, row_id, "employment", lock=True)
    if s.get(Blob, body.blob_sha256) is None or not may_read_blob(s, p, body.blob_sha256):
        raise Problem(422, "Файл документа не загружен.", errors={"blob_sha256": "сначала загрузите файл"})
    blob = s.get(Blob, body.blob_sha256)
    if blob is not None and blob.size > MAX_FILE_BYTES:
        raise Problem(422, "Файл документа больше 5 МБ.", errors={"blob_sha256": "не больше 5 МБ"})
    if card.data.get("status") == "confirmed":
        raise Problem(409, "Карточка уже подтверждена.")
    waiting = s.exec(select(Confirmation.id).where(Confirmation.employment_id == card.id,
                                                   Confirmation.status == "pending")).first()
    if waiting is not None:
        raise Problem(409, "По этой карточке уже есть запрос подтверждения, ожидающий решения.")
    c = Confirmation(id=str(uuid.uuid4()), employment_id=card.id, person_id=card.person_id,
                     org_inn=str(card.org_inn), **body.model_dump(), status="pending",
                     errors=confirmation_errors(card.data, body.doc_org_inn, body.doc_org_name,
                                                body.doc_begin_date, body.doc_date, today),
                     created_at=time.time())
    s.add(c)
    audit.add(s, p, "change", "confirmation", c.id, "запрошено подтверждение")
    if card.data.get("status") in ("draft", "rejected", None):
        write_in(s, st, p, {"entity": "employment", "entity_id": row_id, "person_id": c.person_id,
                            "op": "update", "fields": {"status": "submitted"}}, note="отправлена на подтверждение")
    return {"version": card.version, "result": {"confirmation": _conf_out(c)}}


@router.post("/employment/{row_id}/confirmations", status_code=201,
             summary="Запросить подтверждение карточки документом (договор, приказ, 2-НДФЛ)")
def request_confirmation(row_id: RowId, body: ConfirmationIn, p: Doctor, st: State) -> dict[str, Any]:
    out = in_write_tx(st.engine, lambda s: request_confirmation_core(s, st, p, row_id, body))
    return dict(out["result"]["confirmation"])


@router.get("/employment/{row_id}/confirmations", summary="История подтверждений карточки")
def confirmation_history(row_id: RowId, p: CurrentUser, st: State) -> dict[str, Any]:
    with read_session(st.engine) as s:
        q = select(Confirmation).where(Confirmation.employment_id == row_id).order_by(col(Confirmation.created_at))
        if p.role in ("hr", "manager"):
            # only what was sent to the caller's organizations, even about a shared employee
            q = q.where(col(Confirmation.org_inn).in_(p.org_inns))
            rows = s.exec(q).all()
            card = s.get(Record, row_id)
            if not rows and (card is None or card.deleted or card.entity != "employment"
                             or not can_read_row(s, p, card)):
                raise Problem(404, "Запись не найдена.")
        else:
            visible_record(s, p, row_id, "employment")
            rows = s.exec(q).all()
    if rows:
        audit.log(st.engine, p, "read_personal_data", "confirmation", row_id, f"история, записей: {len(rows)}")
    return {"items": [_conf_out(c) for c in rows]}


@router.get("/confirmations", summary="Запросы подтверждения (кадровая служба — своих организаций)")
def confirmations(
    p: Annotated[Principal, Depends(require("hr", "manager", "admin"))], st: State,
    status: Literal["pending", "confirmed", "rejected", ""] = "pending",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Each request with the card it is about and who asked: the clerk decides on these, so it
    sees them even while the card is not yet its organization's."""
    with read_session(st.engine) as s:
        q = select(Confirmation).order_by(col(Confirmation.created_at)).limit(limit)
        if status:
            q = q.where(Confirmation.status == status)
        if p.role != "admin":
            q = q.where(col(Confirmation.org_inn).in_(p.org_inns))
        rows = s.exec(q).all()
        # the cards and persons of the whole page in one query, not two lookups per request
        wanted = {c.employment_id for c in rows} | {c.person_id for c in rows}
        found = {r.id: r for r in s.exec(select(Record).where(col(Record.id).in_(wanted)))} if wanted else {}
        items = []
        for c in rows:
            card = found.get(c.employment_id)
            items.append({**_conf_out(c), "person": _brief(found.get(c.person_id)),
                          "card": None if card is None or card.deleted else dict(card.data)})
    if items:
        audit.log(st.engine, p, "read_personal_data", "confirmation", "", f"запросов: {len(items)}")
    return {"items": items}


def decide_confirmation_core(s: Session, st: AppState, p: Principal, conf_id: str,
                             body: ConfirmationDecisionArgs) -> ActionOutcome:
    """The organization's clerk (or the operator) confirms or rejects a card by its document."""
    today = dt.date.today()
    # the request and its card are locked, checked and changed in one transaction: of two
    # decisions (a clerk's and the operator's), the second waits, then sees the first
    c = s.exec(select(Confirmation).where(Confirmation.id == conf_id).with_for_update()).first()
    if c is None or (p.role != "admin" and c.org_inn not in p.org_inns):
        raise Problem(404, "Запрос подтверждения не найден.")
    if c.status != "pending":
        raise Problem(409, "Решение по этому запросу уже принято"
                           f" ({'подтверждено' if c.status == 'confirmed' else 'отклонено'}).")
    card = s.exec(select(Record).where(Record.id == c.employment_id).with_for_update()).first()
    if card is None or card.deleted:
        raise Problem(404, "Карточка не найдена.")
    errors = confirmation_errors(card.data, c.doc_org_inn, c.doc_org_name, c.doc_begin_date, c.doc_date, today)
    if body.decision == "confirm" and errors:
        raise Problem(422, "Карточку нельзя подтвердить: " + "; ".join(errors),
                      errors={f"check_{i + 1}": e for i, e in enumerate(errors)})
    if body.decision == "reject" and not body.comment.strip() and not errors:
        raise Problem(422, "Укажите причину отклонения.", errors={"comment": "обязательно при отклонении"})
    new_status = "confirmed" if body.decision == "confirm" else "rejected"
    # trusted: the clerk may not set the status by an edit; this decision on a document is the way
    write_in(s, st, p, {"entity": "employment", "entity_id": c.employment_id, "person_id": c.person_id,
                        "op": "update", "fields": {"status": new_status}}, trusted=True,
             note=f"решение по документу: {new_status}")
    c.status = new_status
    c.errors = errors
    c.comment = body.comment or "; ".join(errors)
    c.decided_at = time.time()
    c.decided_by = p.account_id
    s.add(c)
    audit.add(s, p, "change", "confirmation", conf_id, new_status)
    # the card's version goes in the result, not as the action's own: the action is about
    # the confirmation request, which has no row version
    return {"version": None, "result": {"confirmation": _conf_out(c), "card_version": card.version}}


@router.post("/confirmations/{conf_id}/decision", summary="Подтвердить или отклонить карточку по документу")
def decide_confirmation(conf_id: RowId, body: Decision, p: Annotated[Principal, Depends(require("hr", "admin"))],
                        st: State) -> dict[str, Any]:
    out = in_write_tx(st.engine, lambda s: decide_confirmation_core(s, st, p, conf_id, body))
    return dict(out["result"]["confirmation"])


# -- requests from organizations ------------------------------------------------------------

def answer_request_core(s: Session, st: AppState, p: Principal, row_id: str, body: AnswerArgs) -> ActionOutcome:
    """The worker answers an organization's request (a text, a file, the new status)."""
    rec = visible_record(s, p, row_id, "request", lock=True)
    status = rec.data.get("status")
    if status == "closed":
        raise Problem(409, "Запрос закрыт организацией.")
    if body.status == "answered" and status == "answered" and body.seen_status not in (None, "answered"):
        # two workstations answered the same request offline: the first answer stands
        raise Problem(409, "На запрос уже ответили (с другого рабочего места) — ответ не отправлен повторно.")
    if body.blob_sha256 and (s.get(Blob, body.blob_sha256) is None
                             or not may_read_blob(s, p, body.blob_sha256)):
        raise Problem(422, "Файл не загружен.", errors={"blob_sha256": "сначала загрузите файл"})
    s.add(RequestComment(request_id=row_id, account_id=p.account_id, text=body.text,
                         blob_sha256=body.blob_sha256, created_at=time.time()))
    audit.add(s, p, "change", "request_comment", row_id, "ответ на запрос")
    if status != body.status and not (status == "answered" and body.status == "acknowledged"):
        # a comment on an answered request leaves it answered (statuses only go forwards)
        write_in(s, st, p, {"entity": "request", "entity_id": row_id, "person_id": rec.person_id,
                            "op": "update", "fields": {"status": body.status}}, note="ответ на запрос")
    return {"version": rec.version, "result": {"status": body.status}}


@router.post("/requests/{row_id}/answer", summary="Ответить на запрос организации")
def answer_request(row_id: RowId, body: Answer, p: Doctor, st: State) -> dict[str, Any]:
    in_write_tx(st.engine, lambda s: answer_request_core(s, st, p, row_id, body))
    return read_row(st, row_id)


class Comment(BaseModel):
    text: str = Field(min_length=1, max_length=5000)


def _request_for(s: Session, p: Principal, row_id: str, *, lock: bool = False, write: bool = False) -> Record:
    """The request if the caller is one of its two sides: the worker, or its organization.

    ``write``: a request the caller may read but is not a side of is refused with 403 (readable,
    not changeable — docs/security.md); a read of its correspondence stays a 404."""
    rec = visible_record(s, p, row_id, "request", lock=lock)
    if p.role in ("hr", "manager") and rec.org_inn not in p.org_inns:
        if write:
            raise Problem(403, "Недостаточно прав для этого действия.")
        raise Problem(404, "Запись не найдена.")
    return rec


@router.post("/requests/{row_id}/comments", status_code=201, summary="Комментарий к запросу")
def comment_request(row_id: RowId, body: Comment, p: Annotated[Principal, Depends(require("doctor", "hr", "admin"))],
                    st: State) -> dict[str, Any]:
    def tx(s: Session) -> dict[str, Any]:
        _request_for(s, p, row_id, write=True)
        c = RequestComment(request_id=row_id, account_id=p.account_id, text=body.text, created_at=time.time())
        s.add(c)
        audit.add(s, p, "change", "request_comment", row_id)
        s.flush()
        return c.model_dump()

    return in_write_tx(st.engine, tx)


@router.get("/requests/{row_id}/comments", summary="Переписка по запросу")
def request_comments(row_id: RowId, p: CurrentUser, st: State) -> dict[str, Any]:
    with read_session(st.engine) as s:
        _request_for(s, p, row_id)
        rows = s.exec(select(RequestComment).where(RequestComment.request_id == row_id)
                      .order_by(col(RequestComment.id))).all()
    audit.log(st.engine, p, "read_personal_data", "request_comment", row_id, f"комментариев: {len(rows)}")
    return {"items": [c.model_dump() for c in rows]}


def _sender_account(s: Session, row_id: str) -> Account | None:
    """Who sent the request: the first clerk (or operator) the journal shows changing it — its
    creation, by REST or by a push, is journaled as a change of the row in either case."""
    first = s.exec(select(Audit.account_id).where(
        Audit.entity == "request", Audit.entity_id == row_id, Audit.action == "change",
        col(Audit.role).in_(("hr", "admin"))).order_by(col(Audit.id)).limit(1)).first()
    return s.get(Account, first) if first is not None else None


@router.get("/requests/{row_id}/sender", summary="Отправитель запроса: организация и сотрудник")
def request_sender(row_id: RowId, p: CurrentUser, st: State) -> dict[str, Any]:
    """The sender's contacts as the registry holds them, for the two sides of the request only (the
    addressed worker, the organization): the organization's name, ИНН, ОГРН and КПП, and the
    sending clerk's name — never the clerk's login, other organizations or anything else."""
    with read_session(st.engine) as s:
        rec = _request_for(s, p, row_id)
        inn = rec.org_inn or str(rec.data.get("org_inn") or "")
        org = s.get(Organization, inn) if inn else None
        acc = _sender_account(s, row_id)
    sender = None
    if acc is not None and acc.display_name:
        sender = {"name": acc.display_name, "role": acc.role}
    audit.log(st.engine, p, "read_personal_data", "request_sender", row_id)  # the clerk's name
    return {"organization": {"name": org.name if org else str(rec.data.get("org_name") or ""), "inn": inn,
                             "ogrn": org.ogrn if org else None, "kpp": org.kpp if org else None},
            "sender": sender}


# -- accreditation applications -------------------------------------------------------------

def submit_application_core(s: Session, st: AppState, p: Principal, row_id: str,
                            body: NoArgs | None = None) -> ActionOutcome:
    """File a draft application: the registry gives it its confirmation number."""
    rec = visible_record(s, p, row_id, "application", lock=True)
    if rec.data.get("status") not in ("draft", None):
        raise Problem(409, f"Заявление уже подано (номер {rec.data.get('confirmation_number') or '—'}).")
    fields = {"status": "submitted", "submitted_at": dt.date.today().isoformat(),
              "confirmation_number": confirmation_number()}
    write_in(s, st, p, {"entity": "application", "entity_id": row_id, "person_id": rec.person_id,
                        "op": "update", "fields": fields}, trusted=True, note="подано")
    return {"version": rec.version, "result": fields}


@router.post("/applications/{row_id}/submit", summary="Подать заявление на аккредитацию")
def submit_application(row_id: RowId, p: Doctor, st: State) -> dict[str, Any]:
    in_write_tx(st.engine, lambda s: submit_application_core(s, st, p, row_id))
    return read_row(st, row_id)


@router.get("/admin/applications", summary="Заявления на аккредитацию (оператор)")
def list_applications(
    p: Admin, st: State,
    status: Literal["submitted", "in_review", "approved", "rejected", "draft", ""] = "submitted",
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> dict[str, Any]:
    """The queue (up to 10,000 at once: a registry's whole queue), each with its applicant's name
    and СНИЛС — the operator decides on a person, not on a number."""
    return _list_entity(st, p, "application", status, limit)


def _list_entity(st: State, p: Principal, entity: str, status: str, limit: int) -> dict[str, Any]:
    """The rows of an operator's queue, oldest change first, each with its person's name and
    СНИЛС (``person``). Only the columns answered are read (a row's edit history stays in the
    database): 10,000 whole rows took half a second to load."""
    R: Any = Record
    who: Any = aliased(Record)
    names = (who.data[k].as_string() for k in reports.NAME_FIELDS)
    q = (sa.select(R.id, R.person_id, R.version, R.data, *names, who.snils)
         .outerjoin(who, sa.and_(who.id == R.person_id, who.entity == "person"))
         .where(R.entity == entity, R.deleted == sa.false()))
    if status:
        q = q.where(R.data["status"].as_string() == status)
    with read_session(st.engine) as s:
        rows = s.execute(q.order_by(R.seq).limit(limit)).all()
    if rows:
        audit.log(st.engine, p, "read_personal_data", entity, "", f"список, записей: {len(rows)}")
    return {"items": [{"id": r[0], "person_id": r[1], "version": r[2], "fields": r[3],
                       "person": {"name": reports.person_name(dict(zip(reports.NAME_FIELDS, r[4:7], strict=True))),
                                  "snils": r[7]}}
                      for r in rows]}


def decide_application_core(s: Session, st: AppState, p: Principal, row_id: str,
                            body: ApplicationDecisionArgs) -> ActionOutcome:
    """The operator takes an application into review, approves or rejects it."""
    if body.status == "rejected" and not body.comment.strip():
        raise Problem(422, "Укажите причину отказа.", errors={"comment": "обязательно при отказе"})
    gone = s.exec(select(Record).where(Record.id == row_id[:36]).with_for_update()).first()
    if gone is not None and gone.entity == "application" and gone.deleted and p.role == "admin":
        # the operator sees every row: a deleted application is one the worker withdrew meanwhile
        raise Problem(409, "Заявление отозвано заявителем — решение не принято.")
    rec = visible_record(s, p, row_id, "application", lock=True)
    status = rec.data.get("status")
    if status in ("approved", "rejected"):
        said = "одобрено" if status == "approved" else "отклонено"
        raise Problem(409, f"Решение по заявлению уже принято ({said}).")
    if status in ("draft", None):
        # a draft with a number was filed, then taken back by the worker to edit it
        raise Problem(409, "Заявление отозвано заявителем — решение не принято." if rec.data.get("confirmation_number")
                      else "Заявление ещё не подано.")
    if status == body.status:
        raise Problem(409, "Заявление уже на рассмотрении.")
    fields: dict[str, Any] = {"status": body.status}
    if body.comment:
        fields["decision_comment"] = body.comment
    write_in(s, st, p, {"entity": "application", "entity_id": row_id, "person_id": rec.person_id,
                        "op": "update", "fields": fields}, note=f"решение: {body.status}")
    return {"version": rec.version, "result": fields}


@router.post("/admin/applications/{row_id}/decision", summary="Решение по заявлению")
def decide_application(row_id: RowId, body: AppDecision, p: Admin, st: State) -> dict[str, Any]:
    in_write_tx(st.engine, lambda s: decide_application_core(s, st, p, row_id, body))
    return read_row(st, row_id)


# -- НМО ----------------------------------------------------------------------------------

@router.get("/admin/nmo", summary="Баллы НМО на подтверждение (оператор)")
def list_nmo(p: Admin, st: State, status: Literal["pending", "confirmed", "rejected", ""] = "pending",
             limit: Annotated[int, Query(ge=1, le=10_000)] = 100) -> dict[str, Any]:
    return _list_entity(st, p, "nmo", status, limit)


def decide_nmo_core(s: Session, st: AppState, p: Principal, row_id: str, body: NmoDecisionArgs) -> ActionOutcome:
    """The operator confirms or rejects НМО credits (repeating the same decision changes nothing)."""
    rec = visible_record(s, p, row_id, "nmo", lock=True)
    status = rec.data.get("status")
    if status in ("confirmed", "rejected") and status != body.status:
        said = "подтверждено" if status == "confirmed" else "отклонено"
        raise Problem(409, f"Решение по баллам уже принято ({said}).")
    if status != body.status:
        write_in(s, st, p, {"entity": "nmo", "entity_id": row_id, "person_id": rec.person_id, "op": "update",
                            "fields": {"status": body.status}}, note=f"НМО: {body.status}")
    return {"version": rec.version, "result": {"status": body.status}}


@router.post("/admin/nmo/{row_id}/decision", summary="Подтвердить или отклонить баллы НМО")
def decide_nmo(row_id: RowId, body: NmoDecision, p: Admin, st: State) -> dict[str, Any]:
    in_write_tx(st.engine, lambda s: decide_nmo_core(s, st, p, row_id, body))
    return read_row(st, row_id)
