"""The doctor's workflows as queued actions (issue 14), Qt-free: the window and ``frmr`` call these.

Each step checks what can be checked offline first — the confirmation's rules
(desktop/models/workflows/confirm_rules.py, the server's own), the file by its bytes, the
request's and the application's status, the catalogue's free seats — and only then queues the
durable action (desktop/sync/actions.py), so a failed check sends nothing and a queued step
reaches the server exactly once at the next sync. Reads that need the server (the catalogue,
the confirmation history) are fetched when online and kept in the vault for offline use.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from desktop.i18n import tr
from desktop.models.repository import RecordRepository, get_meta, now_iso, set_meta
from desktop.models.tables import Blob
from desktop.models.validation import FieldError, ValidationFailed, parse_date
from desktop.models.workflows import catalogue
from desktop.models.workflows.confirm_rules import DOC_KINDS, confirmation_errors, file_errors
from desktop.sync import actions
from desktop.sync.api import BadAnswer
from desktop.sync.auth import authorized_api

BLOB = Blob.__table__  # type: ignore[attr-defined]
HISTORY_KEY = "workflows.confirmations."
SENDER_KEY = "workflows.sender."

DETAILS = ("doc_kind", "doc_org_inn", "doc_org_name", "doc_date", "doc_begin_date")


@dataclass
class Outcome:
    """What a step did: ``ok`` and the action queued, or the Russian reasons nothing was."""

    ok: bool
    errors: list[str] = field(default_factory=list)
    queued: actions.QueuedAction | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "errors": self.errors}


def _store_blob(repo: RecordRepository, data: bytes) -> str:
    with repo.vault.begin() as conn:
        return actions.put_blob(conn, data)


def _iso(raw: str, label: str, errors: list[str]) -> str:
    try:
        return parse_date(raw).isoformat()
    except (FieldError, ValueError):
        errors.append(f"«{label}»: дата указана неверно ({raw})")
        return raw


def _refused(exc: ValidationFailed) -> Outcome:
    return Outcome(False, [str(v) for v in exc.errors.values()])


# -- employment confirmation -----------------------------------------------------------------

def confirmation_defaults(card: Mapping[str, Any], today: dt.date | None = None) -> dict[str, str]:
    """The document's details pre-filled from the card (the person corrects what differs)."""
    return {"doc_kind": "contract", "doc_org_inn": str(card.get("org_inn") or ""),
            "doc_org_name": str(card.get("org_name") or ""), "doc_begin_date": str(card.get("begin_date") or ""),
            "doc_date": (today or dt.date.today()).isoformat()}


def check_confirmation(card: Mapping[str, Any], file_name: str, data: bytes, details: Mapping[str, str],
                       today: dt.date | None = None) -> tuple[list[str], dict[str, str]]:
    """Every failed check (the file, then the card's rules) and the details made canonical."""
    today = today or dt.date.today()
    values = {**confirmation_defaults(card, today), **{k: str(v).strip() for k, v in details.items() if v is not None}}
    errors = file_errors(file_name, data)
    unknown = sorted(set(values) - set(DETAILS))
    if unknown:
        errors.append(f"Неизвестные сведения документа: {', '.join(unknown)}. Допустимы: {', '.join(DETAILS)}")
    if values["doc_kind"] not in DOC_KINDS:
        errors.append(f"Вид документа «{values['doc_kind']}» не из списка: "
                      + ", ".join(f"{k} ({v})" for k, v in DOC_KINDS.items()))
    values["doc_date"] = _iso(values["doc_date"], "Дата документа", errors)
    values["doc_begin_date"] = _iso(values["doc_begin_date"], "Дата начала работы в документе", errors)
    if not errors:
        errors = confirmation_errors(card, values["doc_org_inn"], values["doc_org_name"],
                                     values["doc_begin_date"], values["doc_date"], today)
    return errors, values


def upload_confirmation(repo: RecordRepository, card_id: str, file_name: str, data: bytes,
                        details: Mapping[str, str] | None = None) -> Outcome:
    """Check a document against its card and, if every check passes, queue it for the card's
    organization (the file into the vault, then the ``request_confirmation`` action)."""
    card = repo.get("employment", card_id)
    if card is None:
        return Outcome(False, ["Карточка трудоустройства не найдена в хранилище"])
    if card.get("status") == "confirmed":
        return Outcome(False, ["Карточка уже подтверждена"])
    errors, values = check_confirmation(card, file_name, data, details or {})
    if errors:
        return Outcome(False, errors)
    try:
        # the file and the action in one transaction: one commit (one fsync) instead of two
        q = actions.queue_action(repo, "request_confirmation", card_id, values, blob=data)
    except ValidationFailed as exc:
        return _refused(exc)
    return Outcome(True, [], q)




def fetch_confirmation_history(repo: RecordRepository, card_id: str) -> list[dict[str, Any]]:
    """The server's history of the card's confirmations, kept in the vault (SyncError offline)."""
    with authorized_api(repo.vault) as api:
        data = api.request("GET", f"/employment/{card_id}/confirmations").json()
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise BadAnswer("Ответ сервера об истории подтверждений неполон")
    with repo.vault.begin() as conn:
        set_meta(conn, HISTORY_KEY + card_id, json.dumps({"at": now_iso(), "items": items}, ensure_ascii=False))
    return [dict(i) for i in items]


def confirmation_history(repo: RecordRepository, card_id: str) -> list[dict[str, Any]]:
    """The card's confirmations: the server's (as last fetched) and the ones not answered yet."""
    with repo.vault.read() as conn:
        raw = get_meta(conn, HISTORY_KEY + card_id)
    items = [dict(i, source="server") for i in (json.loads(raw)["items"] if raw else [])]
    for a in actions.list_actions(repo):
        if a["action"] == "request_confirmation" and a["entity_id"] == card_id and a["state"] != "applied":
            items.append({**{k: a["args"].get(k) for k in DETAILS}, "status": a["state"],
                          "state_text": a["state_text"], "message": a["message"], "created_at": a["created_at"],
                          "source": "local"})
    return items


# -- requests from organizations --------------------------------------------------------------

def _request(repo: RecordRepository, request_id: str) -> dict[str, Any]:
    row = repo.get("request", request_id)
    if row is None:
        raise ValidationFailed({"id": tr("Запрос не найден в хранилище")})
    return row


def _answer(repo: RecordRepository, request_id: str, args: dict[str, Any], blob: bytes | None = None) -> Outcome:
    try:
        row = _request(repo, request_id)
        args["seen_status"] = row.get("status") or "new"
        q = actions.queue_action(repo, "answer_request", request_id, args, person_id=row.get("person_id"),
                                 blob=blob)
    except ValidationFailed as exc:
        return _refused(exc)
    return Outcome(True, [], q)


def acknowledge(repo: RecordRepository, request_id: str) -> Outcome:
    """«Подтвердить получение»: new → acknowledged (an answered request stays answered)."""
    row = repo.get("request", request_id)
    if row is not None and row.get("status") in ("acknowledged", "answered"):
        return Outcome(False, ["Получение запроса уже подтверждено"])
    return _answer(repo, request_id, {"status": "acknowledged", "text": ""})


def comment(repo: RecordRepository, request_id: str, text: str) -> Outcome:
    """A comment in the request's thread; sent with the answers, in order, exactly once."""
    if not text.strip():
        return Outcome(False, ["Текст комментария пуст"])
    row = repo.get("request", request_id)
    status = "answered" if row is not None and row.get("status") == "answered" else "acknowledged"
    return _answer(repo, request_id, {"status": status, "text": text.strip()})


def reply(repo: RecordRepository, request_id: str, text: str, file_name: str | None = None,
          data: bytes | None = None) -> Outcome:
    """«Отправить ответ» with an optional document: the request becomes answered."""
    args: dict[str, Any] = {"status": "answered", "text": text.strip()}
    blob = None
    if file_name is not None:
        errors = file_errors(file_name, data or b"")
        if errors:
            return Outcome(False, errors)
        blob = data or b""
    if not args["text"] and blob is None:
        return Outcome(False, ["Ответ пуст: напишите текст или приложите документ"])
    row = repo.get("request", request_id)
    if row is not None and row.get("status") == "answered":
        return Outcome(False, ["На запрос уже отправлен ответ"])
    # the document is kept with the answer, in its transaction (a refused answer keeps no file)
    return _answer(repo, request_id, args, blob)


# -- the accreditation application ---------------------------------------------------------------

def new_application(repo: RecordRepository, values: Mapping[str, Any]) -> str:
    """A draft application (ValidationFailed with Russian messages for bad values)."""
    clean = {k: v for k, v in values.items() if k not in ("status", "confirmation_number", "submitted_at",
                                                         "decision_comment")}
    return repo.add("application", {**clean, "status": "draft"}).id


def submit_application(repo: RecordRepository, app_id: str) -> Outcome:
    """«Отправить»: queued; the number and date come back with the sync that delivers it."""
    try:
        q = actions.queue_action(repo, "submit_application", app_id)
    except ValidationFailed as exc:
        return _refused(exc)
    return Outcome(True, [], q)


def withdraw_application(repo: RecordRepository, app_id: str) -> Outcome:
    """Take a filed application back to a draft while no decision is taken (an edit, queued)."""
    row = repo.get("application", app_id)
    if row is None:
        return Outcome(False, ["Заявление не найдено в хранилище"])
    status = row.get("status")
    if status in ("draft", None):
        return Outcome(False, ["Заявление ещё не подано — отзывать нечего"])
    if status != "submitted":
        return Outcome(False, ["Заявление уже рассматривается или решение принято — отозвать его нельзя"])
    try:
        repo.edit("application", app_id, {"status": "draft"})
    except ValidationFailed as exc:
        return _refused(exc)
    return Outcome(True)


# -- programmes ---------------------------------------------------------------------------------

def fetch_catalogue(repo: RecordRepository) -> list[dict[str, Any]]:
    """``GET /programmes`` kept in the vault (SyncError subclasses when it fails)."""
    with authorized_api(repo.vault) as api:
        data = api.request("GET", "/programmes").json()
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise BadAnswer("Ответ сервера о программах неполон")
    catalogue.remember(repo, items)
    return [dict(i) for i in items]


def programmes(repo: RecordRepository) -> tuple[list[dict[str, Any]], str | None]:
    """The kept catalogue with this vault's unsent enrolments marked."""
    items, at = catalogue.cached(repo)
    by_id = {str(p.get("id")): p for p in items}
    for a in actions.list_actions(repo, "applied"):
        # an answer newer than the kept catalogue says how this programme stands now
        res = a["result"]
        if a["action"] in ("enrol", "cancel_enrolment") and a["entity_id"] in by_id and at is not None \
                and str(a["created_at"]) >= at and isinstance(res, dict) and "free_seats" in res:
            by_id[a["entity_id"]].update(free_seats=res["free_seats"], enrolled=bool(res.get("enrolled")))
    waiting = {a["entity_id"]: a for a in actions.list_actions(repo) if a["action"] in ("enrol", "cancel_enrolment")
               and a["state"] in ("pending", "rejected")}
    for p in items:
        w = waiting.get(str(p.get("id")))
        if w is not None:
            what = "отмена записи: " if w["action"] == "cancel_enrolment" else ""
            p["local"] = what + w["state_text"] + (f": {w['message']}" if w["message"] else "")
            if w["state"] == "pending":
                p["enrolled"] = w["action"] == "enrol"
    return items, at


def enrol(repo: RecordRepository, programme_id: str) -> Outcome:
    """Take a seat (queued). A full programme or a second enrolment is refused here when the kept
    catalogue already says so, and by the server otherwise — never a seat too many."""
    p = catalogue.find(repo, programme_id)
    ob = actions.OUTBOX
    with repo.vault.read() as conn:  # this one programme's waiting ops, not the whole queue
        waiting = any(json.loads(f or "{}").get("action") == "enrol" for (f,) in conn.execute(
            select(ob.c.fields).where(ob.c.entity_id == programme_id, ob.c.op == actions.ACTION_OP,
                                      ob.c.state == "pending")))
    if waiting or (p is not None and p.get("enrolled")):
        return Outcome(False, ["Вы уже записаны на эту программу"])
    if p is not None and int(p.get("free_seats") or 0) <= 0:
        return Outcome(False, [f"На программу «{p.get('title')}» свободных мест нет — выберите другую "
                               "или дождитесь, когда места освободятся"])
    try:
        q = actions.queue_action(repo, "enrol", programme_id, person_id=repo.person_id())
    except ValidationFailed as exc:
        return _refused(exc)
    return Outcome(True, [], q)


def cancel_enrolment(repo: RecordRepository, programme_id: str) -> Outcome:
    """Give the seat back: an enrolment not sent yet is dropped from the queue; one the server
    holds is cancelled by a queued ``cancel_enrolment`` action (sent once at the next sync)."""
    for a in actions.list_actions(repo, "pending"):
        if a["action"] == "enrol" and a["entity_id"] == programme_id:
            ob = actions.OUTBOX
            with repo.vault.begin() as conn:
                done = conn.execute(ob.update().where(ob.c.seq == a["id"], ob.c.state == "pending")
                                    .values(state="discarded")).rowcount
                repo._journal(conn, "action:enrol:cancel", "programme", programme_id, [])
            if done:
                return Outcome(True)
    items, _ = programmes(repo)  # the kept catalogue with the answers since
    p = next((i for i in items if str(i.get("id")) == programme_id), None)
    if p is None or not p.get("enrolled"):
        return Outcome(False, ["Вы не записаны на эту программу"])
    try:
        q = actions.queue_action(repo, "cancel_enrolment", programme_id, person_id=repo.person_id())
    except ValidationFailed as exc:
        return _refused(exc)
    return Outcome(True, [], q)

def fetch_comments(repo: RecordRepository, request_id: str) -> list[dict[str, Any]]:
    """The request's thread as the server holds it (online only; SyncError otherwise)."""
    with authorized_api(repo.vault, timeout=5.0) as api:
        data = api.request("GET", f"/requests/{request_id}/comments").json()
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise BadAnswer("Ответ сервера о переписке неполон")
    return [dict(i) for i in items]


def fetch_sender(repo: RecordRepository, request_id: str) -> dict[str, Any]:
    """The request's sender as the server tells its two sides (the organization's name, ИНН,
    ОГРН, КПП; the clerk's name), kept in the vault for offline reading (SyncError offline)."""
    with authorized_api(repo.vault, timeout=5.0) as api:
        data = api.request("GET", f"/requests/{request_id}/sender").json()
    if not isinstance(data, dict) or not isinstance(data.get("organization"), dict):
        raise BadAnswer("Ответ сервера об отправителе запроса неполон")
    with repo.vault.begin() as conn:
        set_meta(conn, SENDER_KEY + request_id, json.dumps(data, ensure_ascii=False))
    return data


def sender(repo: RecordRepository, request_id: str) -> dict[str, Any] | None:
    """The sender kept by the last ``fetch_sender`` (None: never fetched)."""
    with repo.vault.read() as conn:
        raw = get_meta(conn, SENDER_KEY + request_id)
    return dict(json.loads(raw)) if raw else None


def local_thread(repo: RecordRepository, request_id: str) -> list[dict[str, Any]]:
    """This workstation's answers to a request not yet applied by the server (waiting or refused)."""
    return [{"text": a["args"].get("text") or "", "status": a["args"].get("status"),
             "blob_sha256": a["args"].get("blob_sha256"), "state": a["state"], "state_text": a["state_text"],
             "message": a["message"], "created_at": a["created_at"]}
            for a in actions.list_actions(repo) if a["action"] == "answer_request"
            and a["entity_id"] == request_id and a["state"] != "applied"]


def attachment_bytes(repo: RecordRepository, sha256: str) -> bytes:
    """A file of a request's thread: from the vault when this workstation has it (its own reply),
    otherwise from the server (SyncError offline). Checked against its hash either way."""
    data = repo.get_blob(sha256)
    if data is None:
        with authorized_api(repo.vault, timeout=15.0) as api:
            data = api.get_blob(sha256)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise BadAnswer("Файл вложения повреждён: его сумма не совпадает")
        _store_blob(repo, data)  # kept (encrypted): opened again offline
    if hashlib.sha256(data).hexdigest() != sha256:
        raise BadAnswer("Файл вложения повреждён: его сумма не совпадает")
    return data
