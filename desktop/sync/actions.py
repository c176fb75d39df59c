"""Workflow actions as durable operations (docs/actions.md). No Qt.

An action — submit an application, answer a request, ask for a card's confirmation, enrol, a
clerk's or the operator's decision — is queued in the vault's outbox like a row edit, in ONE
transaction with the local change it implies (the «preview»: the application shows
«подано, ждёт отправки» at once) and its journal entry. The sync engine sends it in queue order
with the row edits; the server runs it exactly once (``applied_op``) and answers with its result
or a Russian refusal, which waits in «Отклонено сервером» like a rejected edit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, select

from desktop.i18n import N_, tr
from desktop.models.repository import PERSON_KEY, RecordRepository, get_meta, now_iso, table
from desktop.models.schema import ENTITIES, entity
from desktop.models.tables import Blob, Outbox
from desktop.models.validation import ValidationFailed, validate
from desktop.models.workflows.confirm_rules import FILE_KINDS, sniff
from desktop.sync.wire import ACTIONS, ActionSpec, WireError, action_args

OUTBOX = Outbox.__table__  # type: ignore[attr-defined]
BLOB = Blob.__table__  # type: ignore[attr-defined]
ACTION_OP = "action"

#: what a person sees next to a row whose action has not reached the server yet
WAITING = N_("ждёт отправки")
STATE_TEXT = {"pending": WAITING, "applied": N_("выполнено"), "rejected": N_("отклонено сервером"),
              "discarded": N_("отменено")}


@dataclass
class QueuedAction:
    seq: int
    op_id: str
    action: str
    entity: str
    entity_id: str
    #: the local change made with it (field -> value), shown until the server's answer arrives
    preview: dict[str, Any] = field(default_factory=dict)


def _loads(raw: str | None) -> Any:
    return json.loads(raw) if raw else {}


def _pending_same(conn: Connection, name: str, entity_id: str, args: Mapping[str, Any]) -> bool:
    rows = conn.execute(select(OUTBOX.c.fields).where(
        OUTBOX.c.op == ACTION_OP, OUTBOX.c.entity_id == entity_id, OUTBOX.c.state == "pending")).all()
    # answers to a request are a thread (acknowledge, comment, reply): only the same one twice is a repeat
    return any(_loads(f).get("action") == name and (name != "answer_request" or _loads(f).get("args") == args)
               for (f,) in rows)


def _has_blob(conn: Connection, sha: str) -> bool:
    return conn.execute(select(BLOB.c.sha256).where(BLOB.c.sha256 == sha)).first() is not None


def put_blob(conn: Connection, data: bytes, sha: str | None = None) -> str:
    """Keep ``data`` in the vault's blobs inside the caller's transaction, once per content (the
    key is its SHA-256, so storing it again is a no-op); its SHA-256."""
    sha = sha or hashlib.sha256(data).hexdigest()
    if not _has_blob(conn, sha):
        kind = sniff(data)
        mime = FILE_KINDS[kind][0] if kind else "application/octet-stream"
        conn.execute(BLOB.insert().values(sha256=sha, mime=mime, size=len(data), created_at=now_iso(), data=data))
    return sha


def _preview(name: str, row: Mapping[str, Any] | None, args: BaseModel) -> dict[str, Any]:
    """The local change an action implies, after checking its precondition on the local copy.

    The local check is the server's, as far as the replica can tell; the server checks again at
    delivery (the state may have moved meanwhile) and refuses in Russian if it no longer holds."""
    status = row.get("status") if row is not None else None
    a: Any = args
    if name == "submit_application":
        if row is None:
            raise ValidationFailed({"id": tr("Заявление не найдено в хранилище")})
        if status not in ("draft", None):
            raise ValidationFailed({"status": tr("Заявление уже подано")})
        return {"status": "submitted", "submitted_at": dt.date.today().isoformat()}
    if name == "answer_request":
        if row is None:
            raise ValidationFailed({"id": tr("Запрос не найден в хранилище")})
        if status == "closed":
            raise ValidationFailed({"status": tr("Запрос закрыт организацией")})
        if status == "answered" and a.status == "acknowledged":
            return {}  # a comment on an answered request: statuses only go forwards
        return {"status": a.status} if status != a.status else {}
    if name == "request_confirmation":
        if row is None:
            raise ValidationFailed({"id": tr("Карточка не найдена в хранилище")})
        if status == "confirmed":
            raise ValidationFailed({"status": tr("Карточка уже подтверждена")})
        return {"status": "submitted"} if status in ("draft", "rejected", None) else {}
    if row is None:
        return {}  # a decision on something this replica does not hold: nothing to show locally
    if name == "decide_application":
        if status in ("approved", "rejected"):
            raise ValidationFailed({"status": tr("Решение по заявлению уже принято")})
        if a.status == "rejected" and not a.comment.strip():
            raise ValidationFailed({"comment": tr("Укажите причину отказа")})
        out = {"status": a.status}
        if a.comment:
            out["decision_comment"] = a.comment
        return out
    if name == "decide_nmo":
        if status in ("confirmed", "rejected") and status != a.status:
            raise ValidationFailed({"status": tr("Решение по баллам уже принято")})
        return {"status": a.status} if status != a.status else {}
    if name == "close_employment":
        if row.get("end_date"):
            raise ValidationFailed({"end_date": tr("Карточка уже закрыта")})
        return {"end_date": a.end_date, "end_reason": a.end_reason}
    return {}


def queue_action(repo: RecordRepository, name: str, entity_id: str, args: Mapping[str, Any] | None = None,
                 *, person_id: str | None = None, blob: bytes | None = None) -> QueuedAction:
    """Queue action ``name`` on ``entity_id`` with its local change, in one vault transaction.

    ``blob``: the action's file (its hash becomes the action's file argument), kept in the vault
    in that same transaction — one commit, one fsync, and a refused action leaves no file behind.

    Raises :class:`ValidationFailed` (Russian messages) when the arguments are invalid, the
    action's file is not in the vault, the local copy says the action cannot be taken, or the
    same action on the same item already waits to be sent."""
    spec: ActionSpec | None = ACTIONS.get(name)
    if spec is None:
        raise ValidationFailed({"action": tr(
            "Неизвестное действие «{name}». Действия: {items}").format(
            name=name, items=', '.join(ACTIONS))})
    sha = None
    if blob is not None:
        if not spec.blob_arg:
            raise ValidationFailed({"action": tr(
                "К действию «{label}» файл не прикладывается").format(
                label=spec.label)})
        sha = hashlib.sha256(blob).hexdigest()
        args = {**(args or {}), spec.blob_arg: sha}
    try:
        uuid.UUID(entity_id)
    except ValueError:
        raise ValidationFailed({"id": tr("Ожидается UUID")}) from None
    try:
        parsed = action_args(name, args)
    except WireError as exc:
        raise ValidationFailed({"args": str(exc)}) from None
    clean = parsed.model_dump(exclude_none=True)
    with repo.vault.begin() as conn:
        t = table(spec.entity) if spec.entity in ENTITIES else None
        row = None
        if t is not None:
            found = conn.execute(select(t).where(t.c.id == entity_id)).mappings().first()
            row = dict(found) if found is not None else None
        if _pending_same(conn, name, entity_id, clean):
            raise ValidationFailed({"action": tr("«{label}» уже ждёт отправки").format(label=spec.label)})
        if blob is not None:
            put_blob(conn, blob, sha)
        elif spec.blob_arg and clean.get(spec.blob_arg) and not _has_blob(conn, str(clean[spec.blob_arg])):
            raise ValidationFailed({spec.blob_arg: tr("Файл не найден в хранилище: сначала добавьте документ")})
        preview = _preview(name, row, parsed)
        before: dict[str, Any] = {}
        if row is not None and t is not None and preview:
            before = {k: row.get(k) for k in preview}
            if name == "close_employment":
                # the dates a person types are checked and made canonical as in any edit
                spec_e = entity(spec.entity)
                res = validate(spec.entity, {**{n: row[n] for n in spec_e.names}, **preview}, nsi=repo.nsi(),
                               row_id=entity_id)
                if res.errors:
                    raise ValidationFailed(res.errors)
                preview = {k: res.values[k] for k in preview}
            conn.execute(t.update().where(t.c.id == entity_id).values(**preview, updated_at=now_iso()))
        pid = (row or {}).get("person_id") or person_id or get_meta(conn, PERSON_KEY) or entity_id
        op_id = str(uuid.uuid4())
        res_ins = conn.execute(OUTBOX.insert().values(
            op_id=op_id, entity=spec.entity, entity_id=entity_id, person_id=pid, op=ACTION_OP,
            fields=json.dumps({"action": name, "args": clean}, ensure_ascii=False),
            base=json.dumps({"preview": preview, "before": before}, ensure_ascii=False),
            base_version=int((row or {}).get("version") or 0), created_at=now_iso(), state="pending",
            attempts=0, result=""))
        repo._journal(conn, f"action:{name}", spec.entity, entity_id, sorted(preview))
    return QueuedAction(int(res_ins.inserted_primary_key[0]), op_id, name, spec.entity, entity_id,  # type: ignore[index]
                        preview)


def wire_op(op: Mapping[str, Any]) -> dict[str, Any]:
    """An outbox action as it travels (desktop/sync/wire.py ``PushOp`` with ``op = "action"``)."""
    body = _loads(op["fields"])
    name = str(body.get("action") or "")
    args = body.get("args") or {}
    spec = ACTIONS.get(name)
    blobs = [str(args[spec.blob_arg])] if spec and spec.blob_arg and args.get(spec.blob_arg) else []
    return {"op_id": op["op_id"], "counter": int(op["seq"]), "op": ACTION_OP, "action": name,
            "entity": op["entity"], "entity_id": op["entity_id"], "person_id": op["person_id"], "args": args,
            "blobs": blobs}


def preview_fields(op: Mapping[str, Any]) -> set[str]:
    """The row fields an action changed locally: the pull must leave them until it is answered."""
    return set(_loads(op["base"]).get("preview") or {})


def list_actions(repo: RecordRepository, state: str | None = None) -> list[dict[str, Any]]:
    """Queued actions, oldest first, with what the server said (its result or its refusal)."""
    q = select(OUTBOX).where(OUTBOX.c.op == ACTION_OP).order_by(OUTBOX.c.seq)
    if state:
        q = q.where(OUTBOX.c.state == state)
    with repo.vault.read() as conn:
        rows = conn.execute(q).mappings().all()
    out = []
    for r in rows:
        body, res = _loads(r["fields"]), _loads(r["result"])
        spec = ACTIONS.get(str(body.get("action")))
        errors = res.get("errors") or {}
        out.append({
            "id": r["seq"], "op_id": r["op_id"], "action": body.get("action"),
            "label": spec.label if spec else str(body.get("action")), "entity": r["entity"],
            "entity_id": r["entity_id"], "args": body.get("args") or {}, "state": r["state"],
            "state_text": STATE_TEXT.get(r["state"], r["state"]), "created_at": r["created_at"],
            "result": res.get("result") or {}, "errors": errors,
            "message": "; ".join(str(v) for v in errors.values()),
        })
    return out


def waiting_label(repo: RecordRepository, entity_id: str) -> str | None:
    """«Подача заявления на аккредитацию — ждёт отправки» for a row with an unsent action."""
    pending = [a for a in list_actions(repo, "pending") if a["entity_id"] == entity_id]
    return f"{pending[-1]['label']} — {WAITING}" if pending else None


def discard(conn: Connection, op: Mapping[str, Any]) -> None:
    """Give up a refused action (decisions.discard_rejected): its local change is undone where the
    person has not changed those fields since, and the row is fetched again from the server."""
    base = _loads(op["base"])
    preview, before = base.get("preview") or {}, base.get("before") or {}
    if op["entity"] in ENTITIES and preview:
        t = table(op["entity"])
        local = conn.execute(select(t).where(t.c.id == op["entity_id"])).mappings().first()
        if local is not None:
            revert = {k: before.get(k) for k, v in preview.items() if local[k] == v}
            if revert:
                conn.execute(t.update().where(t.c.id == op["entity_id"]).values(**revert, updated_at=now_iso()))
