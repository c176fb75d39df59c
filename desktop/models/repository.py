"""Every local edit: validate, then write the row, its outbox entry and its journal entry
in ONE transaction — so a failure anywhere leaves the vault exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import socket
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, func, select

from desktop.i18n import tr
from desktop.models import audit, workflow
from desktop.models.nsi import NsiRegistry, shipped
from desktop.models.schema import ENTITIES, entity
from desktop.models.tables import RECORD_TABLES, Blob, Meta, NsiEntry, Outbox
from desktop.models.validation import ValidationFailed, validate
from desktop.vault.attachments import check_attachment
from desktop.vault.store import Vault

# Aliases: inside RecordRepository the name ``list`` is its own method.
Rows = list[dict[str, Any]]
Names = list[str]
Organizations = list[dict[str, str]]

PERSON_KEY = "person_id"
CLIENT_KEY = "client_id"
CONSENT_KEY = "consent_152fz"
#: the account's role and organizations as the server said at login (``desktop.sync.auth``)
ROLE_KEY = "account_role"
ORGANIZATIONS_KEY = "account_organizations"
#: a vault that never logged in (or predates the role) is a worker's own record
DEFAULT_ROLE = "doctor"
ROLES = ("doctor", "hr", "manager", "admin")
DECIDED_APPLICATION = ("approved", "rejected")
#: what the server answers a clerk about another organization's card or request (server/policy.py)
OTHER_ORG = "Кадровая служба работает только с карточками своих организаций"


def table(entity_name: str) -> Table:
    return RECORD_TABLES[entity_name].__table__  # type: ignore[attr-defined,no-any-return]


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class SaveResult:
    id: str
    warnings: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


def get_meta(conn: Connection, key: str) -> str | None:
    t = Meta.__table__  # type: ignore[attr-defined]
    return conn.execute(select(t.c.value).where(t.c.key == key)).scalar_one_or_none()


def set_meta(conn: Connection, key: str, value: str) -> None:
    t = Meta.__table__  # type: ignore[attr-defined]
    if conn.execute(t.update().where(t.c.key == key).values(value=value)).rowcount == 0:
        conn.execute(t.insert().values(key=key, value=value))


def get_role(conn: Connection) -> str:
    """The vault's role; an unknown value (a newer server's role) counts as the default."""
    role = get_meta(conn, ROLE_KEY) or DEFAULT_ROLE
    return role if role in ROLES else DEFAULT_ROLE


def get_organizations(conn: Connection) -> Organizations:
    """The account's organizations, [{"inn", "name"}], as learned at login ([] before)."""
    try:
        raw = json.loads(get_meta(conn, ORGANIZATIONS_KEY) or "[]")
    except ValueError:
        return []
    return [{"inn": str(o.get("inn") or ""), "name": str(o.get("name") or "")}
            for o in raw if isinstance(o, dict)] if isinstance(raw, list) else []


def remember_account(conn: Connection, role: str, organizations: Sequence[Mapping[str, Any]]) -> None:
    """Store what the server said about the account at login, in the caller's transaction."""
    set_meta(conn, ROLE_KEY, role if role in ROLES else DEFAULT_ROLE)
    orgs = [{"inn": str(o.get("inn") or ""), "name": str(o.get("name") or "")} for o in organizations]
    set_meta(conn, ORGANIZATIONS_KEY, json.dumps(orgs, ensure_ascii=False))


def _refuse(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed(errors)


class RecordRepository:
    """The record of one vault. Thread-safe as long as writes come from one thread."""

    def __init__(self, vault: Vault, *, user: str | None = None, host: str | None = None) -> None:
        self.vault = vault
        self.user = user or _safe_user()
        self.host = host or socket.gethostname()
        self._nsi: NsiRegistry | None = None
        self._audit_key = vault.subkey(audit.MAC_PURPOSE)

    # -- reading ---------------------------------------------------------------------------
    def nsi(self) -> NsiRegistry:
        if self._nsi is None:
            t = NsiEntry.__table__  # type: ignore[attr-defined]
            with self.vault.read() as conn:
                rows = [(r.dict_key, r.code, r.name) for r in conn.execute(select(t))]
            self._nsi = shipped().with_extra(rows) if rows else shipped()
        return self._nsi

    def person_id(self) -> str | None:
        with self.vault.read() as conn:
            return get_meta(conn, PERSON_KEY)

    def client_id(self) -> str:
        with self.vault.begin() as conn:
            cid = get_meta(conn, CLIENT_KEY)
            if not cid:
                cid = str(uuid.uuid4())
                set_meta(conn, CLIENT_KEY, cid)
            return cid

    def list(self, entity_name: str, person_id: str | None = None) -> Rows:
        t = table(entity_name)
        q = select(t)
        if person_id is not None:
            q = q.where(t.c.person_id == person_id)
        with self.vault.read() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def get(self, entity_name: str, row_id: str) -> dict[str, Any] | None:
        t = table(entity_name)
        with self.vault.read() as conn:
            r = conn.execute(select(t).where(t.c.id == row_id)).mappings().first()
        return dict(r) if r else None

    def snapshot(self, person_id: str | None = None) -> dict[str, Rows]:
        """Everything of one person (default: the vault's own), entity -> rows."""
        pid = person_id or self.person_id()
        with self.vault.read() as conn:
            out: dict[str, Rows] = {}
            for name in ENTITIES:
                t = table(name)
                col = t.c.id if name == "person" else t.c.person_id
                out[name] = [dict(r) for r in conn.execute(select(t).where(col == pid)).mappings()]
        return out

    def count(self, entity_name: str) -> int:
        with self.vault.read() as conn:
            return int(conn.execute(select(func.count()).select_from(table(entity_name))).scalar_one())

    def pending_count(self) -> int:
        t = Outbox.__table__  # type: ignore[attr-defined]
        with self.vault.read() as conn:
            return int(conn.execute(select(func.count()).where(t.c.state == "pending")).scalar_one())

    def outbox(self, state: str | None = None) -> Rows:
        t = Outbox.__table__  # type: ignore[attr-defined]
        q = select(t).order_by(t.c.seq)
        if state:
            q = q.where(t.c.state == state)
        with self.vault.read() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def consent_given(self) -> str | None:
        with self.vault.read() as conn:
            return get_meta(conn, CONSENT_KEY)

    def role(self) -> str:
        with self.vault.read() as conn:
            return get_role(conn)

    def organizations(self) -> Organizations:
        with self.vault.read() as conn:
            return get_organizations(conn)

    # -- writing ---------------------------------------------------------------------------
    def record_consent(self) -> str:
        ts = now_iso()
        with self.vault.begin() as conn:
            set_meta(conn, CONSENT_KEY, ts)
            self._journal(conn, "consent_152fz", "meta", CONSENT_KEY, [])
        return ts

    def add(self, entity_name: str, values: Mapping[str, Any], *, person_id: str | None = None,
            row_id: str | None = None) -> SaveResult:
        with self.vault.begin() as conn:
            return self.add_in(conn, entity_name, values, person_id=person_id, row_id=row_id)

    def add_in(self, conn: Connection, entity_name: str, values: Mapping[str, Any], *,
               person_id: str | None = None, row_id: str | None = None) -> SaveResult:
        """``add`` in the caller's transaction: several rows (a person and their card, a card
        closed and the next one opened) then commit together or not at all."""
        entity(entity_name)
        rid = row_id or str(uuid.uuid4())
        if entity_name == "person":
            pid = rid
        else:
            pid = person_id or get_meta(conn, PERSON_KEY) or ""
            if not pid:
                raise ValidationFailed({"person": tr("Сначала заполните раздел «Профиль» (персональные данные)")})
        res = validate(entity_name, values, nsi=self.nsi(), siblings=self._siblings(conn, entity_name, pid))
        if res.errors:
            raise ValidationFailed(res.errors)
        # The server would reject it at the next sync; say so now, before anything is queued.
        _refuse(self._workflow_errors(conn, entity_name, "create", None, res.values))
        if entity_name == "person":
            self._check_unique_snils(conn, str(res.values["snils"]), rid)
        row = {"id": rid, "person_id": pid, "version": 0, "updated_at": now_iso(), **res.values}
        conn.execute(table(entity_name).insert().values(**row))
        if entity_name == "person" and not get_meta(conn, PERSON_KEY) and get_role(conn) == "doctor":
            # a clerk's vault holds the staff, none of them its own: the first person a clerk
            # added became «the vault's person», and every child row without a person went to them
            set_meta(conn, PERSON_KEY, rid)
        changed = [k for k, v in res.values.items() if v is not None]
        self._queue(conn, entity_name, rid, pid, "create", res.values, {}, 0)
        self._journal(conn, "add", entity_name, rid, changed)
        return SaveResult(rid, res.warnings, changed)

    def insert_checked(self, conn: Connection, items: Sequence[tuple[str, str, str, Mapping[str, Any]]]) -> None:
        """New rows already validated by the caller with ``validate`` and the workflow rules —
        (entity, row id, person id, canonical values) each — written with their outbox and journal
        entries as ``add_in`` writes them, by a few bulk statements in the caller's transaction
        (the staff import: thousands of rows, each statement's overhead would dominate)."""
        ts = now_iso()
        by_entity: dict[str, Rows] = {}
        queued: Rows = []
        journal: list[tuple[str, str, str, Names]] = []
        for name, rid, pid, values in items:
            by_entity.setdefault(name, []).append(
                {"id": rid, "person_id": pid, "version": 0, "updated_at": ts,
                 **{n: values.get(n) for n in entity(name).names}})
            queued.append({"op_id": str(uuid.uuid4()), "entity": name, "entity_id": rid, "person_id": pid,
                           "op": "create", "fields": json.dumps(dict(values), ensure_ascii=False), "base": "{}",
                           "base_version": 0, "created_at": ts, "state": "pending", "attempts": 0, "result": ""})
            journal.append(("add", name, rid, [k for k, v in values.items() if v is not None]))
        for name, rows in by_entity.items():
            conn.execute(table(name).insert(), rows)
        if queued:
            conn.execute(Outbox.__table__.insert(), queued)  # type: ignore[attr-defined]
        audit.append_many(conn, self._audit_key, user=self.user, host=self.host, entries=journal)

    def edit(self, entity_name: str, row_id: str, values: Mapping[str, Any]) -> SaveResult:
        with self.vault.begin() as conn:
            return self.edit_in(conn, entity_name, row_id, values)

    def edit_in(self, conn: Connection, entity_name: str, row_id: str, values: Mapping[str, Any]) -> SaveResult:
        """``edit`` in the caller's transaction (see ``add_in``)."""
        spec = entity(entity_name)
        t = table(entity_name)
        cur = conn.execute(select(t).where(t.c.id == row_id)).mappings().first()
        if cur is None:
            raise ValidationFailed({"id": tr(
                "Запись {row_id} не найдена в разделе «{plural}»").format(
                row_id=row_id, plural=spec.plural)})
        if entity_name == "application" and cur["status"] in DECIDED_APPLICATION:
            raise ValidationFailed({"status": tr("Заявление уже рассмотрено — изменить его нельзя")})
        before = {n: cur[n] for n in spec.names}
        _refuse(self._workflow_errors(conn, entity_name, "update", before, None, values=False))
        merged = dict(before)
        merged.update(values)
        res = validate(
            entity_name, merged, nsi=self.nsi(),
            siblings=self._siblings(conn, entity_name, cur["person_id"]), row_id=row_id,
        )
        if res.errors:
            raise ValidationFailed(res.errors)
        changed = [n for n in spec.names if res.values[n] != cur[n]]
        if not changed:
            return SaveResult(row_id, res.warnings, [])
        _refuse(self._workflow_errors(conn, entity_name, "update", before, res.values))
        if entity_name == "person" and "snils" in changed:
            self._check_unique_snils(conn, str(res.values["snils"]), row_id)
        new = {n: res.values[n] for n in changed}
        conn.execute(t.update().where(t.c.id == row_id).values(updated_at=now_iso(), **new))
        self._queue(conn, entity_name, row_id, cur["person_id"], "update", new,
                    {n: cur[n] for n in changed}, cur["version"])
        self._journal(conn, "edit", entity_name, row_id, changed)
        return SaveResult(row_id, res.warnings, changed)

    def delete(self, entity_name: str, row_id: str) -> None:
        spec = entity(entity_name)
        t = table(entity_name)
        with self.vault.begin() as conn:
            cur = conn.execute(select(t).where(t.c.id == row_id)).mappings().first()
            if cur is None:
                raise ValidationFailed({"id": tr(
                    "Запись {row_id} не найдена в разделе «{plural}»").format(
                    row_id=row_id, plural=spec.plural)})
            _refuse(self._workflow_errors(conn, entity_name, "delete", {n: cur[n] for n in spec.names}, None))
            if entity_name == "person" and any(
                conn.execute(select(func.count()).select_from(table(c)).where(table(c).c.person_id == row_id))
                .scalar_one() for c in ENTITIES if c != "person"
            ):
                raise ValidationFailed({"id": tr("Нельзя удалить персональные данные, пока есть другие записи")})
            conn.execute(t.delete().where(t.c.id == row_id))
            if entity_name == "person" and get_meta(conn, PERSON_KEY) == row_id:
                # Left pointing at the deleted row, it made every later record a child of a
                # person who is gone (invisible in the record), and a new person not the
                # vault's own.
                conn.execute(Meta.__table__.delete().where(Meta.__table__.c.key == PERSON_KEY))  # type: ignore[attr-defined]
            self._queue(conn, entity_name, row_id, cur["person_id"], "delete", {},
                        {n: cur[n] for n in spec.names}, cur["version"])
            self._journal(conn, "delete", entity_name, row_id, [])

    def add_document(self, kind: str, title: str, data: bytes, mime: str | None = None, *,
                     signed: bool = False, signature_info: str | None = None,
                     check_type: bool = True) -> str:
        """Store a file in the vault and list it in «Документы», in one transaction."""
        if check_type:
            mime = check_attachment(data)
        sha = hashlib.sha256(data).hexdigest()
        with self.vault.begin() as conn:
            self._put_blob(conn, sha, data, mime or "application/octet-stream")
            pid = get_meta(conn, PERSON_KEY) or ""
            values = {
                "kind": kind, "title": title, "created_at": dt.date.today().isoformat(),
                "sha256": sha, "mime": mime, "size": len(data), "signed": int(signed),
                "signature_info": signature_info, "blob_sha256": sha,
            }
            res = validate("document", values, nsi=self.nsi())
            if res.errors:
                raise ValidationFailed(res.errors)
            rid = str(uuid.uuid4())
            conn.execute(table("document").insert().values(
                id=rid, person_id=pid, version=0, updated_at=now_iso(), **res.values))
            self._queue(conn, "document", rid, pid, "create", res.values, {}, 0)
            self._journal(conn, "add", "document", rid, list(values))
        return rid

    def load_synced(self, snapshot: Mapping[str, Rows], version: int = 1) -> int:
        """Insert rows that already exist on the server (demo data, a restored replica):
        no outbox entries, one journal entry per row, all in one transaction."""
        n = 0
        with self.vault.begin() as conn:
            for name in ENTITIES:
                spec = entity(name)
                for raw in snapshot.get(name, []):
                    res = validate(name, {k: raw.get(k) for k in spec.names}, nsi=self.nsi())
                    if res.errors:
                        raise ValidationFailed(res.errors)
                    conn.execute(table(name).insert().values(
                        id=raw["id"], person_id=raw["person_id"], version=raw.get("version", version),
                        updated_at=now_iso(), **res.values))
                    if name == "person" and not get_meta(conn, PERSON_KEY):
                        set_meta(conn, PERSON_KEY, raw["id"])
                    self._journal(conn, "import", name, raw["id"], [])
                    n += 1
        return n

    def get_blob(self, sha256: str) -> bytes | None:
        t = Blob.__table__  # type: ignore[attr-defined]
        with self.vault.read() as conn:
            return conn.execute(select(t.c.data).where(t.c.sha256 == sha256)).scalar_one_or_none()

    def import_nsi(self, dict_key: str, rows: Sequence[tuple[str, str]]) -> int:
        t = NsiEntry.__table__  # type: ignore[attr-defined]
        with self.vault.begin() as conn:
            conn.execute(t.delete().where(t.c.dict_key == dict_key))
            conn.execute(t.insert(), [{"dict_key": dict_key, "code": c, "name": n} for c, n in rows])
            self._journal(conn, "nsi_import", "nsi", dict_key, [])
        self._nsi = None
        return len(rows)

    def verify_journal(self) -> audit.VerifyReport:
        with self.vault.read() as conn:
            return audit.verify(conn, self._audit_key)

    # -- internals -------------------------------------------------------------------------
    @staticmethod
    def _workflow_errors(conn: Connection, entity_name: str, op: str, current: Mapping[str, Any] | None,
                         new: Mapping[str, Any] | None, *, values: bool = True) -> dict[str, str]:
        """What the shared workflow rules (``desktop.models.workflow``) say to this change by the
        vault's role — the same rules the server applies when the change arrives."""
        role = get_role(conn)
        if role == "hr" and entity_name in ("employment", "request"):
            # the server's rule (server/policy.py), asked offline: a clerk keeps its organizations'
            # cards and requests only — neither one of another organization, nor one moved there
            inns = {o["inn"] for o in get_organizations(conn) if o["inn"]}
            for row in (current, new):
                if inns and row is not None and str(row.get("org_inn") or "").strip() not in inns:
                    return {"org_inn": tr(OTHER_ORG)}
        errors = workflow.change_errors(entity_name, role, op, current, new, values=values)
        if not errors and values and op == "update":
            changed = {k for k in set(current or {}) | set(new or {})
                       if (current or {}).get(k) != (new or {}).get(k)}
            only = workflow.only_fields_error(entity_name, role, changed)
            if only:
                errors = {"_permission": only}
        return errors

    def _siblings(self, conn: Connection, entity_name: str, person_id: str) -> Rows:
        if entity_name not in ("education", "employment"):
            return []
        t = table(entity_name)
        return [dict(r) for r in conn.execute(select(t).where(t.c.person_id == person_id)).mappings()]

    def _check_unique_snils(self, conn: Connection, snils: str, row_id: str) -> None:
        t = table("person")
        other = conn.execute(select(t.c.id).where(t.c.snils == snils, t.c.id != row_id)).first()
        if other:
            raise ValidationFailed({"snils": tr("«СНИЛС»: человек с таким СНИЛС уже есть в хранилище")})

    def _put_blob(self, conn: Connection, sha: str, data: bytes, mime: str) -> None:
        t = Blob.__table__  # type: ignore[attr-defined]
        if conn.execute(select(t.c.sha256).where(t.c.sha256 == sha)).first() is None:
            conn.execute(t.insert().values(sha256=sha, mime=mime, size=len(data), created_at=now_iso(), data=data))

    def _queue(self, conn: Connection, entity_name: str, row_id: str, person_id: str, op: str,
               fields: Mapping[str, Any], base: Mapping[str, Any], base_version: int) -> None:
        conn.execute(Outbox.__table__.insert().values(  # type: ignore[attr-defined]
            op_id=str(uuid.uuid4()), entity=entity_name, entity_id=row_id, person_id=person_id, op=op,
            fields=json.dumps(dict(fields), ensure_ascii=False), base=json.dumps(dict(base), ensure_ascii=False),
            base_version=base_version, created_at=now_iso(), state="pending", attempts=0, result="",
        ))

    def _journal(self, conn: Connection, action: str, entity_name: str, row_id: str, fields: Names) -> None:
        audit.append(conn, self._audit_key, user=self.user, host=self.host, action=action,
                     entity=entity_name, entity_id=row_id, fields=fields)


def _safe_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
