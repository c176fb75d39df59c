"""What waits for a person: conflicts (base / mine / theirs per field) and rejected edits.

Every decision is itself a local edit: it changes the row, queues a new operation and is
journaled, all in one transaction — so a decision is never lost and never applied twice.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, select

from desktop.i18n import tr
from desktop.models.repository import RecordRepository, get_meta, set_meta, table
from desktop.models.schema import ENTITIES, entity
from desktop.models.tables import Outbox
from desktop.models.validation import ValidationFailed, validate
from desktop.sync.tables import CONFLICT, SYNC_ROW

OUTBOX = Outbox.__table__  # type: ignore[attr-defined]
PSEUDO = ("_deleted", "_exists")
REPULL_KEY = "sync_repull"
CHOICES = ("mine", "theirs")


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _loads(raw: str | None) -> Any:
    return json.loads(raw) if raw else {}


def _dumps(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False, sort_keys=True)


# -- recording (called by the engine inside its result transaction) ----------------------------

def record_conflict(conn: Connection, op: Mapping[str, Any], result: Mapping[str, Any]) -> int | None:
    """Store the server's per-field conflicts of one op. A field already in an open conflict
    of the same row is updated (its newest ``mine``), so a person decides each field once."""
    fields_new: dict[str, Any] = {}
    mine_all = _loads(op["fields"])
    base_all = _loads(op["base"])
    for name, c in (result.get("conflicts") or {}).items():
        c = c if isinstance(c, dict) else {"theirs": c}
        if name in PSEUDO:
            mine: Any = "deleted" if op["op"] == "delete" else mine_all
            base: Any = None
        else:
            mine, base = mine_all.get(name), base_all.get(name)
        fields_new[name] = {"base": base, "mine": mine, "theirs": c.get("theirs"),
                            "theirs_version": c.get("version"), "choice": None}
    if not fields_new:
        return None
    open_rows = conn.execute(select(CONFLICT).where(CONFLICT.c.entity_id == op["entity_id"],
                                                    CONFLICT.c.state == "open")).mappings().all()
    for row in open_rows:
        fs = _loads(row["fields"])
        touched = False
        for name in list(fields_new):
            if name in fs and fs[name]["choice"] is None:
                # the person decides this field once, against the newest local value
                fs[name]["mine"] = fields_new.pop(name)["mine"]
                touched = True
        if touched:
            conn.execute(CONFLICT.update().where(CONFLICT.c.id == row["id"]).values(fields=_dumps(fs)))
    if not fields_new:
        return None
    res = conn.execute(CONFLICT.insert().values(
        op_id=op["op_id"], entity=op["entity"], entity_id=op["entity_id"], person_id=op["person_id"],
        op=op["op"], base_version=op["base_version"], fields=_dumps(fields_new), state="open",
        created_at=now_iso(), resolved_at=""))
    return int(res.inserted_primary_key[0])  # type: ignore[index]


def refresh_theirs(conn: Connection, entity_id: str, version: int, row: Mapping[str, Any] | None) -> None:
    """A newer server state arrived for a row in conflict: show it as ``theirs``; a field where
    the server now holds exactly ``mine`` needs no decision any more."""
    for c in conn.execute(select(CONFLICT).where(CONFLICT.c.entity_id == entity_id,
                                                 CONFLICT.c.state == "open")).mappings().all():
        fs = _loads(c["fields"])
        for name, f in fs.items():
            if f["choice"] is not None or name in PSEUDO:
                continue
            if row is None:
                continue  # deleted on the server: the pending ops will report it
            f["theirs"], f["theirs_version"] = row.get(name), version
            if f["theirs"] == f["mine"]:
                f["choice"] = "same"
        _store_fields(conn, c["id"], fs)


def _store_fields(conn: Connection, conflict_id: int, fs: dict[str, Any]) -> None:
    done = all(f["choice"] is not None for f in fs.values())
    conn.execute(CONFLICT.update().where(CONFLICT.c.id == conflict_id).values(
        fields=_dumps(fs), state="resolved" if done else "open", resolved_at=now_iso() if done else ""))


def protected_fields(conn: Connection) -> dict[str, set[str] | None]:
    """entity_id -> fields the pull must not overwrite (None = the whole row).

    Pending and rejected edits and undecided conflict fields belong to the person, not to
    the server, until they are sent and answered or decided.
    """
    out: dict[str, set[str] | None] = {}
    q = select(OUTBOX.c.entity_id, OUTBOX.c.op, OUTBOX.c.fields, OUTBOX.c.base).where(
        OUTBOX.c.state.in_(("pending", "rejected")))
    for eid, op, fields, base in conn.execute(q):
        if op in ("create", "delete"):
            out[eid] = None
        elif op == "action":
            # an action's local change (its preview) waits for the server's answer like an edit
            if out.get(eid, set()) is not None:
                out.setdefault(eid, set()).update(_loads(base).get("preview") or {})  # type: ignore[union-attr]
        elif out.get(eid, set()) is not None:
            out.setdefault(eid, set()).update(_loads(fields))  # type: ignore[union-attr]
    for eid, fields in conn.execute(select(CONFLICT.c.entity_id, CONFLICT.c.fields).where(CONFLICT.c.state == "open")):
        fs = _loads(fields)
        undecided = {k for k, f in fs.items() if f["choice"] is None}
        if undecided & set(PSEUDO):
            out[eid] = None
        elif out.get(eid, set()) is not None:
            out.setdefault(eid, set()).update(undecided)  # type: ignore[union-attr]
    return out


def mark_repull(conn: Connection, entity_name: str) -> None:
    cur = set(filter(None, (get_meta(conn, REPULL_KEY) or "").split(",")))
    cur.add(entity_name)
    set_meta(conn, REPULL_KEY, ",".join(sorted(cur)))


# -- reading --------------------------------------------------------------------------------------

def list_conflicts(repo: RecordRepository, include_resolved: bool = False) -> list[dict[str, Any]]:
    q = select(CONFLICT).order_by(CONFLICT.c.id)
    if not include_resolved:
        q = q.where(CONFLICT.c.state == "open")
    with repo.vault.read() as conn:
        rows = conn.execute(q).mappings().all()
    out = []
    for r in rows:
        fs = _loads(r["fields"])
        out.append({
            "id": r["id"], "entity": r["entity"], "entity_id": r["entity_id"], "person_id": r["person_id"],
            "op": r["op"], "state": r["state"], "created_at": r["created_at"],
            "fields": {k: {"base": f["base"], "mine": f["mine"], "theirs": f["theirs"], "choice": f["choice"]}
                       for k, f in fs.items()},
        })
    return out


def list_rejected(repo: RecordRepository) -> list[dict[str, Any]]:
    out = []
    rows: Any = repo.outbox("rejected")  # (RecordRepository.list shadows the builtin for mypy)
    for r in rows:
        res = _loads(r["result"])
        errors = res.get("errors") or {}
        fields = _loads(r["fields"])
        out.append({
            "id": r["seq"], "op_id": r["op_id"], "entity": r["entity"], "entity_id": r["entity_id"],
            "op": r["op"], "fields": fields, "created_at": r["created_at"],
            "errors": errors, "message": "; ".join(str(v) for v in errors.values()) or res.get("detail", ""),
            # a refused workflow action (docs/actions.md): which one, in words
            "action": fields.get("action") if r["op"] == "action" else None,
        })
    return out


def counts(conn: Connection) -> dict[str, int]:
    from sqlalchemy import func

    def n(q: Any) -> int:
        return int(conn.execute(q).scalar_one())

    return {
        "pending": n(select(func.count()).where(OUTBOX.c.state == "pending")),
        "conflicts": n(select(func.count()).where(CONFLICT.c.state == "open")),
        "rejected": n(select(func.count()).where(OUTBOX.c.state == "rejected")),
    }


# -- deciding -----------------------------------------------------------------------------------

class DecisionError(Exception):
    pass


def _server_version(conn: Connection, entity_id: str, ent: str | None = None) -> int:
    """The server's version of a row: noted aside if it arrived while the row had local work,
    else the local row's own."""
    v = conn.execute(select(SYNC_ROW.c.version).where(SYNC_ROW.c.id == entity_id)).scalar_one_or_none()
    if v is None and ent is not None:
        t = table(ent)
        v = conn.execute(select(t.c.version).where(t.c.id == entity_id)).scalar_one_or_none()
    return max(int(v or 0), 0)


def resolve(repo: RecordRepository, conflict_id: int, field: str, choice: str) -> str:
    """Decide one field of a conflict; returns a short Russian description of what happens."""
    if choice not in CHOICES:
        raise DecisionError(tr("Выбор: mine (моё) или theirs (сервера)"))
    with repo.vault.begin() as conn:
        c = conn.execute(select(CONFLICT).where(CONFLICT.c.id == conflict_id)).mappings().first()
        if c is None:
            raise DecisionError(tr("Конфликт {conflict_id} не найден").format(conflict_id=conflict_id))
        fs = _loads(c["fields"])
        if field not in fs:
            raise DecisionError(tr(
                "В конфликте {conflict_id} нет поля «{field}». Поля: {items}").format(
                conflict_id=conflict_id, field=field, items=', '.join(fs)))
        f = fs[field]
        if f["choice"] is not None:
            raise DecisionError(tr("Поле «{field}» уже решено ({choice})").format(field=field, choice=f['choice']))
        ent, eid, pid = c["entity"], c["entity_id"], c["person_id"]
        t = table(ent)
        sv = max(_server_version(conn, eid, ent), int(f.get("theirs_version") or 0))
        local = conn.execute(select(t).where(t.c.id == eid)).mappings().first()
        if field == "_deleted" and f["theirs"] is True:
            msg = _resolve_deleted_on_server(repo, conn, ent, eid, pid, local, choice)
        elif field in PSEUDO:
            msg = _resolve_row_exists(repo, conn, ent, eid, pid, local, choice, sv)
        else:
            value = f["mine"] if choice == "mine" else f["theirs"]
            if local is not None:
                conn.execute(t.update().where(t.c.id == eid).values(**{field: value}, updated_at=now_iso()))
            # The decision is a new op on the server's current version. Choosing «theirs» sends
            # the server's own value: a no-op there, but the decision is on record in both journals.
            repo._queue(conn, ent, eid, pid, "update", {field: value}, {field: f["theirs"]}, sv)
            msg = f"Поле «{field}»: " + ("оставлено моё значение" if choice == "mine" else "принято значение сервера")
        f["choice"] = choice
        _store_fields(conn, c["id"], fs)
        repo._journal(conn, "sync_resolve", ent, eid, [field])
    return msg


def _resolve_deleted_on_server(repo: RecordRepository, conn: Connection, ent: str, eid: str, pid: str,
                               local: Any, choice: str) -> str:
    t = table(ent)
    if choice == "theirs":
        if local is not None:
            conn.execute(t.delete().where(t.c.id == eid))
        repo._queue(conn, ent, eid, pid, "delete", {}, {}, _server_version(conn, eid, ent))
        return "Запись удалена, как на сервере"
    if local is None:
        raise DecisionError(tr("Локальной копии записи нет — восстановить её нельзя"))
    # The server keeps the tombstone of this id, so «mine» lives on as a new row.
    spec = entity(ent)
    values = {n: local[n] for n in spec.names}
    new_id = str(uuid.uuid4())
    new_pid = new_id if ent == "person" else pid
    conn.execute(t.delete().where(t.c.id == eid))
    conn.execute(t.insert().values(id=new_id, person_id=new_pid, version=0, updated_at=now_iso(), **values))
    repo._queue(conn, ent, new_id, new_pid, "create", values, {}, 0)
    return f"Запись восстановлена как новая ({new_id})"


def _resolve_row_exists(repo: RecordRepository, conn: Connection, ent: str, eid: str, pid: str,
                        local: Any, choice: str, sv: int) -> str:
    t = table(ent)
    if choice == "mine":
        if local is None:
            # my delete of a row the server changed meanwhile: delete it on its current version
            repo._queue(conn, ent, eid, pid, "delete", {}, {}, sv)
            return "Запись будет удалена на сервере"
        spec = entity(ent)
        values = {n: local[n] for n in spec.names}
        new_id = str(uuid.uuid4())
        new_pid = new_id if ent == "person" else pid
        conn.execute(t.delete().where(t.c.id == eid))
        conn.execute(t.insert().values(id=new_id, person_id=new_pid, version=0, updated_at=now_iso(), **values))
        repo._queue(conn, ent, new_id, new_pid, "create", values, {}, 0)
        mark_repull(conn, ent)
        return f"Моя запись сохранена как новая ({new_id})"
    # theirs: the server's row stands; fetch it again (the local copy is mine or absent)
    if local is not None:
        conn.execute(t.delete().where(t.c.id == eid))
    # A note no real version matches: the checksum differs until the re-pull brings the row.
    conn.execute(SYNC_ROW.insert().prefix_with("OR REPLACE").values(id=eid, entity=ent, person_id=pid, version=-1,
                                                                    deleted=0))
    mark_repull(conn, ent)
    return "Принята запись сервера; она будет загружена при следующей синхронизации"


def discard_rejected(repo: RecordRepository, seq: int) -> None:
    """Give up a rejected edit: the row goes back to what it was before it."""
    with repo.vault.begin() as conn:
        op = _rejected_op(conn, seq, actions_too=True)
        ent, eid = op["entity"], op["entity_id"]
        if op["op"] == "action":
            from desktop.sync import actions

            actions.discard(conn, op)
            conn.execute(OUTBOX.update().where(OUTBOX.c.seq == seq).values(state="discarded"))
            if ent in ENTITIES:
                mark_repull(conn, ent)  # the server's state of the row comes back with the next sync
            repo._journal(conn, "sync_discard", ent, eid, [])
            return
        t = table(ent)
        fields, base = _loads(op["fields"]), _loads(op["base"])
        local = conn.execute(select(t).where(t.c.id == eid)).mappings().first()
        if op["op"] == "create":
            if local is not None:
                conn.execute(t.delete().where(t.c.id == eid))
        elif op["op"] == "update":
            if local is not None:
                revert = {k: base.get(k) for k, v in fields.items() if local[k] == v}
                if revert:
                    conn.execute(t.update().where(t.c.id == eid).values(**revert, updated_at=now_iso()))
        elif local is None and base:
            spec = entity(ent)
            conn.execute(t.insert().values(id=eid, person_id=op["person_id"], version=op["base_version"],
                                           updated_at=now_iso(), **{n: base.get(n) for n in spec.names}))
            conn.execute(SYNC_ROW.delete().where(SYNC_ROW.c.id == eid))
        conn.execute(OUTBOX.update().where(OUTBOX.c.seq == seq).values(state="discarded"))
        # The server may have changed the row while the edit waited: fetch its state again.
        if op["op"] != "create":
            mark_repull(conn, ent)
        repo._journal(conn, "sync_discard", ent, eid, list(fields))


def resubmit_rejected(repo: RecordRepository, seq: int, values: Mapping[str, Any]) -> str:
    """Fix a rejected edit and send it again as a new operation (new op_id)."""
    with repo.vault.begin() as conn:
        op = _rejected_op(conn, seq)
        ent, eid, pid = op["entity"], op["entity_id"], op["person_id"]
        if op["op"] == "delete":
            raise DecisionError(tr("Отклонённое удаление можно только отменить (discard)"))
        spec = entity(ent)
        unknown = [k for k in values if k not in spec.names]
        if unknown:
            raise DecisionError(tr("Неизвестные поля: {items}").format(items=', '.join(unknown)))
        t = table(ent)
        local = conn.execute(select(t).where(t.c.id == eid)).mappings().first()
        current = {n: (local[n] if local is not None else None) for n in spec.names}
        fields = _loads(op["fields"])
        merged = {**current, **fields, **values}
        res = validate(ent, merged, nsi=repo.nsi(), row_id=eid)
        if res.errors:
            raise ValidationFailed(res.errors)
        if op["op"] == "create":
            new_fields = dict(res.values)
        else:
            new_fields = {k: res.values[k] for k in set(fields) | set(values)}
        if local is not None:
            conn.execute(t.update().where(t.c.id == eid).values(**new_fields, updated_at=now_iso()))
        elif op["op"] == "create":
            conn.execute(t.insert().values(id=eid, person_id=pid, version=0, updated_at=now_iso(), **new_fields))
        conn.execute(OUTBOX.update().where(OUTBOX.c.seq == seq).values(state="resubmitted"))
        repo._queue(conn, ent, eid, pid, op["op"], new_fields, _loads(op["base"]), op["base_version"])
        repo._journal(conn, "sync_resubmit", ent, eid, sorted(new_fields))
    return "Исправленная запись поставлена в очередь отправки"


def _rejected_op(conn: Connection, seq: int, *, actions_too: bool = False) -> Mapping[str, Any]:
    op: Any = conn.execute(select(OUTBOX).where(OUTBOX.c.seq == seq)).mappings().first()
    if op is None or op["state"] != "rejected":
        raise DecisionError(tr("Отклонённая запись {seq} не найдена").format(seq=seq))
    if op["op"] == "action":
        if not actions_too:
            raise DecisionError(tr("Отклонённое действие можно только отменить (discard) и при необходимости "
                                "выполнить заново"))
        return op
    if op["entity"] not in ENTITIES:
        raise DecisionError(tr("Неизвестный раздел «{entity}»").format(entity=op['entity']))
    return op
