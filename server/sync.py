"""Applying client operations: exactly once, field-level merge, validation shared with the desktop."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from desktop.models import textrules
from desktop.models.nsi import NsiRegistry
from desktop.models.schema import ENTITIES, entity
from desktop.models.validation import FieldError, parse_field, validate
from server import audit
from server.auth.principal import Principal
from server.feed import Writer
from server.models import AppliedOp, Blob, Record, SyncClient
from server.policy import can_read_row, may_read_blob, may_write_entity, scope_clause, write_errors
from server.problems import Problem
from server.state import AppState

OPS = ("create", "update", "delete")
#: entities whose validation looks at the person's other rows (duplicate diploma, card overlap)
_SIBLING_CHECKS = ("education", "employment")


def _is_uuid(v: Any) -> bool:
    if not isinstance(v, str) or len(v) != 36:
        return False
    try:
        uuid.UUID(v)
    except ValueError:
        return False
    return True


def rejected(errors: dict[str, str]) -> dict[str, Any]:
    return {"status": "rejected", "errors": errors}


def _malformed(op: dict[str, Any]) -> dict[str, str]:
    e: dict[str, str] = {}
    if op.get("entity") not in ENTITIES:
        e["entity"] = "Неизвестный раздел записи"
    if op.get("op") not in OPS:
        e["op"] = "Операция должна быть create, update или delete"
    for k in ("entity_id", "person_id"):
        if not _is_uuid(op.get(k)):
            e[k] = "Ожидается UUID"
    if op.get("entity") == "person" and op.get("entity_id") != op.get("person_id"):
        e["person_id"] = "Для персональных данных person_id совпадает с id записи"
    for k in ("fields", "base"):
        if op.get(k) is not None and not isinstance(op.get(k), dict):
            e[k] = "Ожидается объект"
    bv = op.get("base_version", 0)
    if isinstance(bv, bool) or not isinstance(bv, int) or bv < 0:
        e["base_version"] = "Ожидается неотрицательное целое число"
    blobs = op.get("blobs") or []
    if not isinstance(blobs, list) or not all(isinstance(b, str) for b in blobs):
        e["blobs"] = "Ожидается список SHA-256"
    return e


#: the answer to a change of a row the caller may not read: the same as for a row that does not
#: exist, so a refusal never confirms that a guessed id is taken (docs/security.md)
UNKNOWN_ROW = {"entity_id": "Запись не найдена на сервере"}
NO_PERSON = "Человек с таким id не найден в регистре"
#: in a refused person create: the id of the person the registry already has with that СНИЛС
EXISTING = "_existing_person"
#: with it, "1" when the caller may read that person (its staff, or entered by its organization)
EXISTING_SHARED = "_existing_shared"


def _siblings(s: Session, ent: str, person_id: str, scope: Any) -> list[dict[str, Any]]:
    """The person's other rows of this entity that the caller may read.

    Only those: a duplicate or overlap message names the other row («такая карточка уже есть
    (ГБУЗ …, с 02.09.2013)»), and a clerk linking a person known elsewhere must not learn their
    other employers that way."""
    if ent not in _SIBLING_CHECKS:
        return []  # only these entities have duplicate/overlap checks; skip the query otherwise
    rows = s.exec(select(Record).where(Record.person_id == person_id, Record.entity == ent,
                                       Record.deleted == sa.false(), scope)).all()
    return [{**r.data, "id": r.id} for r in rows]


class Engine:
    def __init__(self, s: Session, p: Principal, nsi: NsiRegistry, client_id: str = "",
                 today: dt.date | None = None, trusted: bool = False) -> None:
        self.client_id = client_id
        #: workflow endpoints that checked the caller's rights themselves (e.g. a doctor submitting
        #: an application gets a confirmation number, a field the doctor may not set directly)
        self.trusted = trusted
        #: (entity, row id, detail) of each change applied: the push journals them in one insert
        #: («Мой журнал» shows who changed which fields of a person's record, and when)
        self.changes: list[tuple[str, str, str]] = []
        self.s = s
        self.p = p
        self.nsi = nsi
        self.today = today or dt.date.today()
        self.w = Writer(s, p.account_id)
        #: rows this transaction has loaded, locked or created (None = known not to exist);
        #: lets a batch fetch all its rows in one statement instead of one per operation
        self.rows: dict[str, Record | None] = {}
        #: answers that carried a row's values back (conflicts): journaled as reads of personal data
        self.read_rows = 0

    def prefetch(self, ids: list[str]) -> None:
        """Load and lock (in id order, so concurrent batches cannot deadlock) the rows a batch touches."""
        wanted = sorted({i for i in ids if _is_uuid(i)} - set(self.rows))
        if not wanted:
            return
        found = self.s.exec(select(Record).where(col(Record.id).in_(wanted)).order_by(col(Record.id))
                            .with_for_update()).all()
        for rid in wanted:
            self.rows[rid] = None
        for rec in found:
            self.rows[rec.id] = rec

    def row(self, rid: str) -> Record | None:
        if rid not in self.rows:
            self.rows[rid] = self.s.exec(select(Record).where(Record.id == rid).with_for_update()).first()
        return self.rows[rid]

    # -- one operation ------------------------------------------------------------------------
    def readable(self, rec: Record) -> bool:
        return self.trusted or can_read_row(self.s, self.p, rec)

    def scope(self) -> Any:
        return sa.true() if self.trusted else scope_clause(self.p)

    def apply(self, op: dict[str, Any]) -> dict[str, Any]:
        """One operation. The order is the security rule of docs/security.md: shape, then who may
        do this at all, then whether the caller may see the target, then its rights on it — and
        only then the values, conflicts and anything else that could describe the target."""
        bad = _malformed(op)
        if bad:
            return rejected(bad)
        ent, kind = op["entity"], op["op"]
        if not self.trusted and not may_write_entity(self.p, ent):
            return rejected(write_errors(self.s, self.p, ent, kind, op["person_id"], None, None, values=False))
        rec = self.row(op["entity_id"])
        hidden = rec is None or not self.readable(rec)
        if hidden and kind == "delete":
            return {"status": "applied", "version": None}  # what a delete of an unknown row answers
        if hidden and kind == "update":
            return rejected(dict(UNKNOWN_ROW))
        if rec is not None and (rec.entity != ent or rec.person_id != op["person_id"]) and kind != "create":
            return rejected({"entity_id": "Запись с таким id относится к другому разделу или человеку"})
        if not self.trusted:
            current = None if kind == "create" or rec is None else dict(rec.data)
            new = (op.get("fields") or {}) if kind == "create" else current
            pre = write_errors(self.s, self.p, ent, kind, op["person_id"], current,
                               None if kind == "delete" else new, values=False)
            if pre:
                return rejected(pre)
        if kind == "create" and rec is not None and hidden:
            # the id is taken by a row the caller may not see: refused like any unpermitted
            # change, without a word about that row
            return rejected({"_permission": "Недостаточно прав для изменения этой записи"})
        blobs = [str(b).lower()[:64] for b in op.get("blobs") or []]
        missing = [b for b in blobs if self.s.get(Blob, b) is None or not (
            self.trusted or may_read_blob(self.s, self.p, b))]
        if missing:
            return rejected({"blobs": "Файл не загружен на сервер: " + ", ".join(missing[:3])})
        if kind == "create":
            return self._create(op, rec)
        if kind == "update":
            return self._update(op, rec)
        return self._delete(op, rec)

    def _create(self, op: dict[str, Any], rec: Record | None) -> dict[str, Any]:
        ent, pid = op["entity"], op["person_id"]
        if rec is not None:
            # readable (apply checked): the caller may see what is there already
            theirs = None if rec.deleted else dict(rec.data)
            self.read_rows += 1
            return {"status": "conflict", "version": rec.version, "applied_fields": [],
                    "conflicts": {"_exists": {"theirs": theirs, "version": rec.version}}}
        if ent != "person":
            person = self.row(pid)
            if person is None or person.entity != "person" or person.deleted:
                return rejected({"person_id": NO_PERSON})
        fields = op.get("fields") or {}
        res = validate(ent, fields, nsi=self.nsi, today=self.today, siblings=_siblings(self.s, ent, pid, self.scope()),
                       row_id=op["entity_id"])
        if not res.ok:
            return rejected(res.errors)
        perm = {} if self.trusted else write_errors(self.s, self.p, ent, "create", pid, None, res.values)
        if perm:
            return rejected(perm)
        if ent == "person":
            twin = self.s.exec(select(Record).where(Record.entity == "person", Record.snils == res.values["snils"],
                                                    Record.deleted == sa.false())).first()
            if twin is not None:
                dup = twin.id
                # The id of the person to link instead (what GET /persons tells a clerk, journaled
                # as it is): the clerk's vault re-keys its offline-created twin and its cards onto
                # it, so the same СНИЛС never becomes two persons (desktop/models/staff_link.py).
                audit.add(self.s, self.p, "read_personal_data", "person", dup, "поиск по СНИЛС (создание)")
                return rejected({"snils": "«СНИЛС»: человек с таким СНИЛС уже есть в регистре", EXISTING: dup,
                                 EXISTING_SHARED: "1" if self.readable(twin) else ""})
        rec = Record(id=op["entity_id"], entity=ent, person_id=pid, version=1, data=res.values,
                     field_versions={k: 1 for k in res.values},
                     field_clients={k: [self.client_id, 0] for k in res.values},
                     author_org=self._author_org(ent, res.values))
        self.rows[rec.id] = rec
        self.w.touch(rec)
        self._changed(ent, rec.id, "создана; поля: " + ", ".join(sorted(res.values)))
        return {"status": "applied", "version": 1}

    def _author_org(self, ent: str, values: dict[str, Any]) -> str | None:
        """The organization that writes this row, if an organization does (docs/security.md)."""
        if self.p.role == "hr" and self.p.org_inns:
            if ent in ("employment", "request"):
                inn = values.get("org_inn")
                return inn if inn in self.p.org_inns else None
            return self.p.org_inns[0] if ent == "person" else None
        if self.p.role == "admin" and ent in ("employment", "request"):
            return values.get("org_inn")  # the operator enters it on the organization's behalf
        return None

    def _update(self, op: dict[str, Any], rec: Record | None) -> dict[str, Any]:
        ent = op["entity"]
        if rec is None:
            return rejected({"entity_id": "Запись не найдена на сервере"})
        if rec.deleted:
            return {"status": "conflict", "version": None, "applied_fields": [],
                    "conflicts": {"_deleted": {"theirs": True, "version": rec.version}}}
        spec = entity(ent)
        fields: dict[str, Any] = op.get("fields") or {}
        base: dict[str, Any] = op.get("base") or {}
        base_version: int = op.get("base_version", 0)
        errors: dict[str, str] = {}
        canon: dict[str, Any] = {}
        for name, raw in fields.items():
            if name not in spec.names:
                shown = textrules.shown(str(name), 64)  # a client's name, echoed and stored: bounded
                errors[shown] = f"Неизвестное поле «{shown}» для раздела «{spec.label}»"
                continue
            try:
                canon[name] = parse_field(spec.field(name), raw, self.nsi, self.today)
            except FieldError as exc:
                errors[name] = f"«{spec.field(name).label}»: {exc}"
        if errors:
            return rejected(errors)
        current = dict(rec.data)
        if not self.trusted:
            # the rights on what was asked for, before any conflict: a change the caller may not
            # make is refused as such, not answered as a conflict it could retry
            perm = write_errors(self.s, self.p, ent, "update", rec.person_id, current, {**current, **canon})
            if perm:
                return rejected(perm)
        fv = dict(rec.field_versions)
        fc = dict(rec.field_clients or {})
        applied: dict[str, Any] = {}
        conflicts: dict[str, Any] = {}
        for name, value in canon.items():
            if current.get(name) == value:
                continue  # already what the client wants: neither a change nor a conflict
            last = fc.get(name) or ["", 0]
            own_edits = bool(self.client_id) and last[0] == self.client_id and int(last[1]) <= base_version
            changed_since = int(fv.get(name, 0)) > base_version and not own_edits
            client_saw_current = name in base and base[name] == current.get(name)
            if changed_since and not client_saw_current:
                conflicts[name] = {"theirs": current.get(name), "version": int(fv.get(name, 0))}
            else:
                applied[name] = value
        new_version = rec.version
        if applied:
            merged = {**current, **applied}
            res = validate(ent, merged, nsi=self.nsi, today=self.today,
                           siblings=_siblings(self.s, ent, rec.person_id, self.scope()), row_id=rec.id)
            if not res.ok:
                return rejected(res.errors)
            perm = {} if self.trusted else write_errors(
                self.s, self.p, ent, "update", rec.person_id, current, res.values)
            if perm:
                return rejected(perm)
            if ent == "person" and res.values.get("snils") != current.get("snils"):
                dup = self.s.exec(select(Record.id).where(
                    Record.entity == "person", Record.snils == res.values["snils"],
                    Record.id != rec.id, Record.deleted == sa.false())).first()
                if dup:
                    return rejected({"snils": "«СНИЛС»: человек с таким СНИЛС уже есть в регистре"})
            new_version = rec.version + 1
            for k, v in res.values.items():
                if current.get(k) != v:
                    prev = fc.get(k)
                    if not (prev and self.client_id and prev[0] == self.client_id):
                        fc[k] = [self.client_id, int(fv.get(k, 0))]
                    fv[k] = new_version
            rec.version = new_version
            if (self.p.role == "admin" and rec.author_org and ent in ("employment", "request")
                    and res.values.get("org_inn") != current.get("org_inn")):
                # the operator moving an organization's card moves it to the other organization's books
                rec.author_org = str(res.values.get("org_inn") or "") or None
            rec.data = res.values
            rec.field_versions = fv
            rec.field_clients = fc
            self.w.touch(rec)
            self._changed(ent, rec.id, "поля: " + ", ".join(sorted(applied)))
        if conflicts:
            self.read_rows += 1
            return {"status": "conflict", "version": new_version, "applied_fields": sorted(applied),
                    "conflicts": conflicts}
        return {"status": "applied", "version": new_version}

    def _delete(self, op: dict[str, Any], rec: Record | None) -> dict[str, Any]:
        if rec is None:
            return {"status": "applied", "version": None}
        if rec.deleted:
            return {"status": "applied", "version": rec.version}
        perm = {} if self.trusted else write_errors(
            self.s, self.p, rec.entity, "delete", rec.person_id, dict(rec.data), None)
        if perm:
            return rejected(perm)
        if self._changed_by_others(rec, op.get("base_version", 0)):
            return {"status": "conflict", "version": rec.version, "applied_fields": [],
                    "conflicts": {"_deleted": {"theirs": False, "version": rec.version}}}
        self.tombstone(rec)
        self._changed(rec.entity, rec.id, "удалена")
        if rec.entity == "person":
            for child in self.s.exec(select(Record).where(Record.person_id == rec.id, Record.id != rec.id,
                                                          Record.deleted == sa.false())).all():
                self.tombstone(child)
        return {"status": "applied", "version": rec.version}

    def _changed(self, entity: str, row_id: str, detail: str) -> None:
        # names of fields only, never values: the journal is read by the record's owner and the operator
        if not self.trusted:
            self.changes.append((entity, row_id, detail))

    def _changed_by_others(self, rec: Record, base_version: int) -> bool:
        if rec.version <= base_version:
            return False
        fc = rec.field_clients or {}
        for name, ver in (rec.field_versions or {}).items():
            if int(ver) > base_version:
                last = fc.get(name)
                if not (self.client_id and last and last[0] == self.client_id and last[1] <= base_version):
                    return True
        return False

    def tombstone(self, rec: Record) -> None:
        rec.deleted = True
        rec.version += 1
        self.w.touch(rec)


_APPLIED_INSERT = sa.insert(AppliedOp)


def _action(s: Session, state: AppState | None, p: Principal, op: dict[str, Any], client_id: str) -> dict[str, Any]:
    if state is None:  # a caller without the app (a tool replaying ops): actions need the app's state
        return rejected({"op": "Действия принимаются только через /sync/push"})
    # imported here: the actions are the REST endpoints' cores, whose module imports this one
    from server import actions

    return actions.apply(s, state, p, op, client_id)


def push(s: Session, p: Principal, nsi: NsiRegistry, client_id: str, ops: list[dict[str, Any]],
         state: AppState | None = None) -> list[dict[str, Any]]:
    """Apply a batch in the caller's transaction; results in the order of ``ops``.

    Row edits go through :class:`Engine`; workflow actions (``op = "action"``, docs/actions.md)
    through the same core functions as their REST endpoints (server/actions.py), which need the
    app's ``state``. Both kinds are recorded in ``applied_op`` alike."""
    now = time.time()
    # Core statements for the bookkeeping rows (client, applied ops): ORM objects for them were
    # a large share of a small batch's CPU.
    client = s.execute(sa.select(col(SyncClient.account_id), col(SyncClient.max_counter))
                       .where(col(SyncClient.client_id) == client_id).with_for_update()).first()
    if client is None:
        # Two first batches of one client race here; the loser's INSERT fails and it retries.
        s.execute(sa.insert(SyncClient).values(client_id=client_id, account_id=p.account_id, max_counter=0,
                                               last_seen=now))
        max_counter = 0
    elif client[0] != p.account_id:
        raise Problem(403, "Этот client_id зарегистрирован за другой учётной записью.")
    else:
        max_counter = int(client[1])
    engine = Engine(s, p, nsi, client_id)
    results: list[dict[str, Any]] = []
    in_batch: dict[str, dict[str, Any]] = {}
    applied = 0
    op_ids = [str(op.get("op_id")) for op in ops if _is_uuid(op.get("op_id"))]
    recorded: dict[str, Any] = dict(s.execute(
        sa.select(col(AppliedOp.op_id), col(AppliedOp.result))
        .where(col(AppliedOp.client_id) == client_id, col(AppliedOp.op_id).in_(op_ids))).all()) if op_ids else {}
    engine.prefetch([str(op.get(k)) for op in ops if str(op.get("op_id")) not in recorded
                     for k in ("entity_id", "person_id")])
    start_counter = max_counter
    new_ops: list[dict[str, Any]] = []
    for op in ops:
        op_id = str(op.get("op_id"))
        if not _is_uuid(op_id):
            results.append({"op_id": op_id, **rejected({"op_id": "Ожидается UUID"})})
            continue
        if op_id in in_batch:  # the same op twice in one batch
            results.append({"op_id": op_id, **in_batch[op_id]})
            continue
        if op_id in recorded:
            results.append({"op_id": op_id, **recorded[op_id]})
            continue
        counter = op.get("counter")
        if isinstance(counter, int) and not isinstance(counter, bool) and counter > max_counter:
            max_counter = min(counter, 2**62)
        if op.get("op") == "action":
            result = _action(s, state, p, op, client_id)
        else:
            result = engine.apply(op)
        if result["status"] == "applied":
            applied += 1
        new_ops.append({"client_id": client_id, "op_id": op_id, "account_id": p.account_id, "result": result,
                        "created_at": now})
        in_batch[op_id] = result
        results.append({"op_id": op_id, **result})
    if new_ops:
        with s.no_autoflush:
            s.execute(_APPLIED_INSERT, new_ops)
    if client is None or max_counter != start_counter or new_ops:
        with s.no_autoflush:
            s.execute(sa.update(SyncClient).where(col(SyncClient.client_id) == client_id)
                      .values(max_counter=max_counter, last_seen=now))
    if engine.changes:
        with s.no_autoflush:
            s.execute(audit.INSERT, [audit.entry(p, "change", e, rid, detail) for e, rid, detail in engine.changes])
    audit.add(s, p, "sync_push", "batch", client_id, f"операций: {len(ops)}, применено: {applied}")
    if engine.read_rows:
        audit.add(s, p, "read_personal_data", "sync_push", client_id, f"значения в ответе: {engine.read_rows}")
    engine.w.finish()
    return results
