"""The authorization decision table of docs/security.md, stated again here and checked everywhere.

Generated, not hand-picked: every route of the app (``app.routes``) × role × relation of the target
to the caller (own / staff / authored / elsewhere) × existing or non-existent target, and every push
operation kind × entity × role × relation × existing or non-existent target. The expectations come
from the tables below (``may_read``, ``may_change``, ``ROUTES``), written from docs/security.md and
never computed by ``server.policy`` (that would only test the code against itself).

Properties checked on every answer:
- allowed → the success code of the route (or the precise 409 its state gives), a push op
  ``applied`` (``conflict`` for a create of an id the caller may read);
- refused, target readable → 403 / push ``rejected`` with ``_permission``;
- refused, target unreadable → exactly the answer for a non-existent id (status and body, ids
  removed), push results byte-identical without ``op_id``;
- no answer to any caller contains a value of a row the caller may not read (each fixture row
  carries unique marker values: passport number, phone, document numbers, comment texts …);
- a create with the id of an existing unreadable row never returns ``theirs``;
- a refused change leaves the row as it was (versions read from the database afterwards).

A route of the app missing from ``ROUTES`` fails ``test_every_route_is_in_the_matrix``, a push op
kind or workflow action of the wire contract missing from ``OP_KINDS``/``ACTION_TABLE`` fails
``test_every_push_op_kind_and_action_is_in_the_matrix``: new ones have to be placed in a table.

Besides the generated matrices: the issue's "Found" items 1–8 one test each (``test_item*``), the
change table's per-field and per-state rules, journaled reads, /sync/state against the pull, scope
ending with the last confirmed card, files named in workflows.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.routing import iter_route_contexts
from sqlmodel import Session, col

from desktop.demo import DEMO_ORGS
from desktop.models.checkdigits import make_inn10, make_snils
from desktop.models.schema import CHILD_ENTITIES, ENTITIES
from server.db import in_write_tx
from server.models import Audit, Confirmation, Record, RequestComment
from server.testing import SCHEMA_HEADER, token_for
from tests.server.conftest import World

# --------------------------------------------------------------------------------------------
# The decision table (docs/security.md), independent of server.policy
# --------------------------------------------------------------------------------------------

LOGINS = ("doctor", "hr1", "hr2", "manager", "admin")
ROLE = {"doctor": "doctor", "doctor2": "doctor", "hr1": "hr", "hr2": "hr", "manager": "manager", "admin": "admin"}
#: relations of a target to each caller that the matrix builds; the operator reads everything
#: ("any": a person who is staff of some organization, nothing to do with the operator)
RELATIONS: dict[str, tuple[str, ...]] = {
    "doctor": ("own", "elsewhere"),
    "hr1": ("staff", "authored", "elsewhere"),
    "hr2": ("staff", "authored", "elsewhere"),
    "manager": ("staff", "authored", "elsewhere"),
    "admin": ("any",),
}
#: entities a doctor creates, updates and deletes in its own record (state permitting)
DOCTOR_OWN_CRUD = ("education", "certificate", "accreditation", "category", "document", "employment", "nmo",
                   "application")
KINDS = ("create", "update", "delete")

ORG0 = str(DEMO_ORGS[0]["org_inn"])  # ГКБ № 1: hr1, manager
ORG1 = str(DEMO_ORGS[1]["org_inn"])  # поликлиника № 12: hr2
ORG_NAME = {str(o["org_inn"]): str(o["org_name"]) for o in DEMO_ORGS}
ORGS = {"hr1": frozenset({ORG0}), "hr2": frozenset({ORG1}), "manager": frozenset({ORG0})}
#: a valid ИНН of no organization in the database
NO_ORG = make_inn10("779999111")


@dataclass
class FPerson:
    """What the test knows about a person: the organizations where a live card is confirmed
    and the organization whose HR clerk entered the person (authored)."""

    pid: str
    staff_orgs: set[str]
    author_org: str | None = None


@dataclass
class FRow:
    id: str
    entity: str
    pid: str
    org: str | None = None
    author_org: str | None = None
    markers: list[str] = field(default_factory=list)
    label: str = ""


class Table:
    """may_read / may_change of docs/security.md over the fixture's persons and rows."""

    persons: dict[str, FPerson]
    rows: dict[str, FRow]
    p_doc: str

    def may_read(self, login: str, row: FRow) -> bool:
        role = ROLE[login]
        if role == "admin":
            return True
        if role == "doctor":
            return row.pid == self.own_person(login)
        orgs = ORGS[login]
        person = self.persons.get(row.pid)
        staff = person is not None and bool(person.staff_orgs & orgs)
        return staff or (row.author_org is not None and row.author_org in orgs)

    def own_person(self, login: str) -> str:
        return self.p_doc if login == "doctor" else ""

    def person_readable(self, login: str, pid: str) -> bool:
        row = self.rows.get(pid)
        return row is not None and self.may_read(login, row)

    def may_change(self, login: str, kind: str, entity: str, row: FRow | None, pid: str,
                   new_org: str | None) -> bool:
        """The change table. ``row``: the existing row (None for a create of a new id); ``pid``:
        the person of the row; ``new_org``: the organization of an employment/request row after the
        change. Fixture rows are in states a doctor may still change (draft/pending/new)."""
        role = ROLE[login]
        if role == "admin":
            return True
        if role == "manager":
            return False
        if row is not None and not self.may_read(login, row):
            return False  # checked after the read rule
        if role == "doctor":
            if pid != self.own_person(login):
                return False
            if entity == "person":
                return kind == "update"
            if entity == "request":
                return kind == "update"
            return entity in DOCTOR_OWN_CRUD
        orgs = ORGS[login]
        if entity == "person":
            if kind == "create":
                return row is None  # a new person (new СНИЛС)
            return kind == "update"
        if entity == "employment":
            if pid not in self.persons:
                return False  # of any *existing* person
            before_ok = row is None or row.org in orgs
            return before_ok and new_org in orgs
        if entity == "request":
            if kind == "delete":
                return False
            return (self.person_readable(login, pid) and (row is None or row.org in orgs)
                    and new_org in orgs)
        return False


# --------------------------------------------------------------------------------------------
# Values: every fixture row carries marker values nobody else has
# --------------------------------------------------------------------------------------------

_RND = random.Random()
_SEQ = itertools.count(1)
_USED_SNILS: set[str] = set()
MARKER_RE = re.compile(r"Zq[0-9a-f]{12}|(?<!\d)79\d{9}(?!\d)")
UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
ID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-f]{64}|"
                   r"(?<!\d)\d{10,12}(?!\d)")


def tok() -> str:
    return "Zq" + uuid.uuid4().hex[:12]


def phone() -> str:
    return "+7916" + f"{_RND.randrange(10**7):07d}"  # 916: a mobile range libphonenumber knows whole


def new_snils() -> str:
    while True:
        s = make_snils(f"{_RND.randrange(100_000_000, 199_999_999):09d}")
        if s not in _USED_SNILS:
            _USED_SNILS.add(s)
            return s


def day() -> str:
    """A fresh begin date per card (no two test cards are duplicates)."""
    n = next(_SEQ)
    return f"{1990 + n // 300:04d}-{1 + n // 25 % 12:02d}-{1 + n % 25:02d}"


def person_fields() -> tuple[dict[str, Any], list[str]]:
    ph, doc, addr = phone(), tok(), tok()
    return ({"snils": new_snils(), "last_name": "Проверкина", "first_name": "Ольга", "patronymic": "Тестовна",
             "gender": "female", "birth_date": "1981-02-03", "phone": ph, "id_doc_type": "21",
             "id_doc_series": "4501", "id_doc_number": doc, "address_registration": f"г. Москва, {addr}"},
            [ph[1:], doc, addr])


def row_fields(entity: str, org: str, status: str | None = None,
               operator: bool = True) -> tuple[dict[str, Any], list[str]]:
    """Valid fields of a new row; ``operator``: may carry the operator's fields (fixture rows)."""
    m = tok()
    if entity == "person":
        return person_fields()
    f: dict[str, Any]
    if entity == "education":
        f = {"kind": "advanced_training", "institution": "РМАНПО", "doc_number": m, "hours": 36}
    elif entity == "certificate":
        f = {"specialty_code": "36", "cert_number": m, "issue_date": "2020-01-10"}
    elif entity == "accreditation":
        f = {"kind": "periodic", "specialty_code": "36", "protocol_number": m, "protocol_date": "2024-01-10"}
    elif entity == "category":
        f = {"level": "first", "specialty_code": "36", "begin_date": "2022-01-10", "order_number": m}
    elif entity == "employment":
        f = {"org_name": ORG_NAME.get(org, "ООО «Другая»"), "org_inn": org, "position_code": "4",
             "position_type": "internal_part_time", "contract_kind": "labor", "rate": "0.25", "begin_date": day(),
             "contract_number": m, "status": status or "draft"}
    elif entity == "nmo":
        f = {"event_date": "2025-01-10", "kind": "iom", "title": "Модуль", "credits": "1",
             "status": status or "pending", "document_number": m}
    elif entity == "application":
        f = {"kind": "periodic", "specialty_code": "36", "status": status or "draft"}
        if operator:
            f["decision_comment"] = m
        if status == "submitted":
            f["submitted_at"] = "2025-01-10"
    elif entity == "request":
        f = {"org_name": ORG_NAME.get(org, "ООО «Другая»"), "org_inn": org, "kind": "Запрос",
             "received_at": "2025-01-10", "status": status or "new", "text": m}
    elif entity == "document":
        f = {"kind": "scan", "title": m, "created_at": "2025-01-10"}
    else:
        raise AssertionError(entity)
    return f, ([m] if m in json.dumps(f, ensure_ascii=False) else [])


def update_fields(entity: str, login: str) -> dict[str, Any]:
    """A harmless change a caller allowed to change the row may make."""
    t = tok()
    return {
        "person": {"phone": phone()}, "education": {"qualification": t}, "certificate": {"issuer": t},
        "accreditation": {"issuer": t}, "category": {"order_number": t}, "employment": {"subdivision": t},
        "nmo": {"provider": t}, "application": {"kind": "primary"},
        "request": {"status": "acknowledged"} if ROLE[login] == "doctor" else {"text": t},
        "document": {"title": t},
    }[entity]


def create_org(login: str) -> str:
    """The organization a caller's new employment/request rows name."""
    return sorted(ORGS[login])[0] if login in ORGS else ORG0


def op(entity: str, eid: str, pid: str, kind: str, fields: dict[str, Any] | None = None,
       base_version: int = 0, blobs: list[str] | None = None) -> dict[str, Any]:
    o: dict[str, Any] = {"op_id": str(uuid.uuid4()), "counter": next(_SEQ), "entity": entity, "entity_id": eid,
                         "person_id": pid, "op": kind, "fields": fields, "base_version": base_version}
    if blobs is not None:
        o["blobs"] = blobs
    return o


def pdf() -> tuple[bytes, str]:
    data = b"%PDF-1.4\n% authz matrix\n" + uuid.uuid4().bytes
    return data, hashlib.sha256(data).hexdigest()


def norm(text: str) -> str:
    """An answer with the ids (UUIDs, hashes, ИНН/СНИЛС-like numbers) taken out."""
    return ID_RE.sub("<id>", text)


def without_op_id(result: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in result.items() if k != "op_id"}, ensure_ascii=False, sort_keys=True)


# --------------------------------------------------------------------------------------------
# The fixture world: bundles of rows per (caller, relation)
# --------------------------------------------------------------------------------------------

#: row purposes per entity: push-matrix targets, REST targets, workflow targets
PUSH_PURPOSES = ("p-create", "p-update", "p-delete")
REST_PURPOSES = ("r-patch", "r-delete")
WORKFLOW_PURPOSES: dict[str, tuple[str, ...]] = {
    "employment": ("close", "confirm", "read", "decide", "a-close", "a-confirm", "a-decide"),
    "request": ("answer", "comment", "read", "a-answer"),
    "application": ("submit", "decide", "a-submit", "a-decide"),
    "nmo": ("decide", "a-decide"),
}


@dataclass
class Bundle:
    login: str
    rel: str
    pid: str
    org: str
    doomed: dict[str, str] = field(default_factory=dict)
    rows: dict[tuple[str, str], str] = field(default_factory=dict)
    conf: str = ""
    #: a pending confirmation to decide through a push action
    aconf: str = ""


class Mx(Table):
    def __init__(self, w: World) -> None:
        self.w = w
        self.p_doc = w.person_id("doctor")
        self.p_doc2 = w.person_id("doctor2")
        self.persons = {self.p_doc: FPerson(self.p_doc, {ORG0, ORG1}), self.p_doc2: FPerson(self.p_doc2, {ORG0, ORG1})}
        self.rows = {
            self.p_doc: FRow(self.p_doc, "person", self.p_doc, markers=["79161234567"], label="demo doctor's person"),
            self.p_doc2: FRow(self.p_doc2, "person", self.p_doc2, label="doctor2's person"),
        }
        self.bundles: dict[tuple[str, str], Bundle] = {}
        self.problems: list[str] = []
        self.marker_owner: dict[str, FRow] = {}
        self._hidden: dict[tuple[str, int, int], dict[str, FRow]] = {}
        self._plans: dict[str, list[tuple[dict[str, Any], FRow | None]]] = {"hr1": [], "hr2": [], "admin": []}
        for login in LOGINS:
            for rel in RELATIONS[login]:
                self._plan_bundle(login, rel)
        for author in ("hr1", "hr2", "admin"):
            self._run_plan(author)
        self._db_extras()
        self._sessions_and_blobs()

    # -- planning -------------------------------------------------------------------------
    def _add(self, author: str, o: dict[str, Any], row: FRow | None) -> None:
        self._plans[author].append((o, row))

    def _new_person(self, author: str, staff_org: str | None, label: str) -> str:
        pid = str(uuid.uuid4())
        f, markers = person_fields()
        author_org = create_org(author) if ROLE[author] == "hr" else None
        self.persons[pid] = FPerson(pid, {staff_org} if staff_org else set(), author_org)
        row = FRow(pid, "person", pid, None, author_org, markers, f"person ({label})")
        self.rows[pid] = row
        self._add(author, op("person", pid, pid, "create", f), row)
        if staff_org:  # the anchor: a confirmed live card, never a target
            cf, _ = row_fields("employment", staff_org, "confirmed")
            self._add("admin", op("employment", str(uuid.uuid4()), pid, "create", cf), None)
        return pid

    def _plan_bundle(self, login: str, rel: str) -> None:
        label = f"{login}/{rel}"
        if rel == "own":
            b = Bundle(login, rel, self.p_doc, ORG0, {"push": self.p_doc, "rest": self.p_doc})
        else:
            if rel == "staff":
                author, staff_org, org = "admin", create_org(login), create_org(login)
            elif rel == "authored":
                author, staff_org, org = ("hr1" if login == "manager" else login), None, create_org(login)
            else:  # elsewhere / any: staff of an organization that is not the caller's
                other = {"doctor": ORG0, "hr1": ORG1, "manager": ORG1, "hr2": ORG0, "admin": ORG1}[login]
                author, staff_org, org = "admin", other, other
            pid = self._new_person(author, staff_org, label)
            doomed = {ch: self._new_person(author, staff_org, f"{label}, {ch} delete target")
                      for ch in ("push", "rest")}
            b = Bundle(login, rel, pid, org, doomed)
        hr_author = "hr1" if login == "manager" else login
        for entity in CHILD_ENTITIES:
            purposes = PUSH_PURPOSES + REST_PURPOSES + WORKFLOW_PURPOSES.get(entity, ())
            for purpose in purposes:
                author = hr_author if rel == "authored" and entity in ("employment", "request") else "admin"
                status = None
                if entity == "employment":
                    status = "confirmed" if rel in ("staff", "elsewhere", "any") else "draft"
                if purpose in ("decide", "a-decide"):
                    status = {"application": "submitted", "nmo": "pending"}.get(entity, status)
                f, markers = row_fields(entity, b.org, status)
                rid = str(uuid.uuid4())
                row = FRow(rid, entity, b.pid, b.org if entity in ("employment", "request") else None,
                           create_org(author) if ROLE[author] == "hr" else None, markers,
                           f"{entity} {purpose} of {label}")
                self.rows[rid] = row
                b.rows[(entity, purpose)] = rid
                self._add(author, op(entity, rid, b.pid, "create", f), row)
        self.bundles[(login, rel)] = b

    def _run_plan(self, author: str) -> None:
        plan = self._plans[author]
        for i in range(0, len(plan), 900):
            chunk = plan[i:i + 900]
            r = self.w.post(author, "/sync/push", json={"client_id": str(uuid.uuid4()), "ops": [o for o, _ in chunk]})
            if r.status_code != 200:
                self.problems.append(f"setup push by {author}: {r.status_code} {r.text[:300]}")
                results: list[dict[str, Any]] = [{"status": "rejected", "errors": {}}] * len(chunk)
            else:
                results = r.json()["results"]
            for (o, row), res in zip(chunk, results, strict=True):
                if res["status"] == "applied":
                    if row is not None:
                        for m in row.markers:
                            self.marker_owner[m] = row
                    continue
                self.problems.append(f"setup: {author} could not create {row.label if row else o['entity']}: {res}")
                if row is not None:
                    self.rows.pop(row.id, None)

    def _db_extras(self) -> None:
        """Confirmation history and request comments with markers; pending confirmations to decide."""
        admin_id = 1

        def tx(s: Session) -> None:
            for b in self.bundles.values():
                card = self.rows.get(b.rows[("employment", "read")])
                if card is not None:
                    m = tok()
                    s.add(Confirmation(id=str(uuid.uuid4()), employment_id=card.id, person_id=card.pid,
                                       org_inn=str(card.org), blob_sha256="0" * 64, doc_kind="order",
                                       doc_org_inn=str(card.org), doc_org_name="x", doc_begin_date="2023-01-01",
                                       doc_date="2023-01-01", status="rejected", comment=m, created_at=time.time()))
                    card.markers.append(m)
                    self.marker_owner[m] = card
                for purpose, attr in (("decide", "conf"), ("a-decide", "aconf")):
                    dcard = self.rows.get(b.rows[("employment", purpose)])
                    if dcard is None:
                        continue
                    cid = str(uuid.uuid4())
                    setattr(b, attr, cid)
                    s.add(Confirmation(id=cid, employment_id=dcard.id, person_id=dcard.pid, org_inn=str(dcard.org),
                                       blob_sha256="0" * 64, doc_kind="order", doc_org_inn=str(dcard.org),
                                       doc_org_name="x", doc_begin_date="2023-01-01", doc_date="2023-01-01",
                                       created_at=time.time()))
                req = self.rows.get(b.rows[("request", "read")])
                if req is not None:
                    m = tok()
                    s.add(RequestComment(request_id=req.id, account_id=admin_id, text=m, created_at=time.time()))
                    req.markers.append(m)
                    self.marker_owner[m] = req

        in_write_tx(self.engine, tx)

    def _sessions_and_blobs(self) -> None:
        #: a second session per account, for DELETE /sessions/{id} (the matrix's own tokens stay)
        self.spare_session = {login: str(token_for(self.w.url, login)["session_id"]) for login in (*LOGINS, "doctor2")}
        #: a blob each caller uploaded itself (used in its confirmation requests)
        self.own_blob: dict[str, str] = {}
        for login in (*LOGINS, "doctor2"):
            data, sha = pdf()
            r = self.w.client.put(f"/blobs/{sha}", content=data, headers=self.w.h(login))
            if r.status_code not in (200, 201):
                self.problems.append(f"setup: {login} could not upload a file: {r.status_code} {r.text[:200]}")
            self.own_blob[login] = sha
        self.blob_kind: dict[str, str] = {}
        # a file named by a confirmation request sent to ORG0 (doctor2 asks for it)
        data, sha = pdf()
        self.w.client.put(f"/blobs/{sha}", content=data, headers=self.w.h("doctor2"))
        cf, _ = row_fields("employment", ORG0, "draft")
        card = str(uuid.uuid4())
        r = self.w.post("admin", "/sync/push", json={"client_id": str(uuid.uuid4()), "ops": [
            op("employment", card, self.p_doc2, "create", cf)]})
        r = self.w.post("doctor2", f"/employment/{card}/confirmations", json={
            "blob_sha256": sha, "doc_kind": "order", "doc_org_inn": ORG0, "doc_org_name": cf["org_name"],
            "doc_begin_date": cf["begin_date"], "doc_date": time.strftime("%Y-%m-%d")})
        if r.status_code != 201:
            self.problems.append(f"setup: doctor2 could not ask ORG0 to confirm a card: {r.status_code} {r.text[:200]}")
        self.blob_kind["confirmation"] = sha
        # a file attached by the demo doctor to a reply to ORG1's request
        data, sha = pdf()
        self.w.client.put(f"/blobs/{sha}", content=data, headers=self.w.h("doctor"))
        rf, _ = row_fields("request", ORG1)
        req = str(uuid.uuid4())
        self.w.post("admin", "/sync/push", json={"client_id": str(uuid.uuid4()), "ops": [
            op("request", req, self.p_doc, "create", rf)]})
        r = self.w.post("doctor", f"/requests/{req}/answer", json={"text": "Ответ с файлом", "blob_sha256": sha})
        if r.status_code != 200:
            self.problems.append(f"setup: doctor could not answer ORG1's request with a file: {r.status_code} "
                                 f"{r.text[:200]}")
        self.blob_kind["reply"] = sha
        # a file of doctor2's named in a `document` row of the demo doctor's (grants nothing)
        data, sha = pdf()
        self.w.client.put(f"/blobs/{sha}", content=data, headers=self.w.h("doctor2"))
        df, _ = row_fields("document", "")
        df.update(blob_sha256=sha, sha256=sha)
        self.w.post("doctor", "/sync/push", json={"client_id": str(uuid.uuid4()), "ops": [
            op("document", str(uuid.uuid4()), self.p_doc, "create", df)]})
        self.blob_kind["document"] = sha
        data, sha = pdf()
        self.w.client.put(f"/blobs/{sha}", content=data, headers=self.w.h("doctor2"))
        self.blob_kind["unrelated"] = sha
        # an education programme to enrol in
        r = self.w.post("admin", "/programmes", json={
            "title": "Матрица прав", "format": "distance", "hours": 36, "begin_date": "2031-01-01",
            "end_date": "2031-02-01", "seats": 50})
        self.programme = str(r.json().get("id", uuid.uuid4())) if r.status_code == 201 else str(uuid.uuid4())
        r = self.w.post("admin", "/programmes", json={
            "title": "Матрица прав: действия", "format": "distance", "hours": 36, "begin_date": "2031-01-01",
            "end_date": "2031-02-01", "seats": 50})
        self.programme2 = str(r.json().get("id", uuid.uuid4())) if r.status_code == 201 else str(uuid.uuid4())

    # -- reading back ---------------------------------------------------------------------
    @property
    def engine(self) -> sa.Engine:
        engine: sa.Engine = self.w.client.app.state.frmr.engine  # type: ignore[attr-defined]
        return engine

    def states(self, ids: list[str]) -> dict[str, tuple[int, bool]]:
        out: dict[str, tuple[int, bool]] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(ids), 500):
                q = sa.select(col(Record.id), col(Record.version), col(Record.deleted)).where(
                    col(Record.id).in_(ids[i:i + 500]))
                for rid, version, deleted in conn.execute(q):
                    out[str(rid)] = (int(version), bool(deleted))
        return out

    def hidden_markers(self, login: str) -> dict[str, FRow]:
        """Marker → row for the rows ``login`` may not read (the fixture's relations do not change)."""
        key = (login, len(self.marker_owner), len(self.rows))
        if key not in self._hidden:
            self._hidden[key] = {m: row for m, row in self.marker_owner.items()
                                 if row.id in self.rows and not self.may_read(login, row)}
        return self._hidden[key]

    def leaks(self, login: str, text: str) -> list[str]:
        """Marker values in an answer to ``login`` that belong to rows it may not read."""
        if login not in ROLE or ROLE[login] == "admin":
            return []
        hidden = self.hidden_markers(login)
        found = sorted(set(MARKER_RE.findall(text)) & set(hidden))
        return [f"{m} ({hidden[m].label})" for m in found]

    def bundle(self, login: str, rel: str) -> Bundle:
        return self.bundles[(login, rel)]


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mx(shared_world: World) -> Mx:
    return Mx(shared_world)


def call(w: World, login: str, method: str, path: str, **kw: Any) -> httpx.Response:
    headers = {**(w.h(login) if login else SCHEMA_HEADER), **kw.pop("headers", {})}
    r: httpx.Response = w.client.request(method, path, headers=headers, **kw)
    return r


# --------------------------------------------------------------------------------------------
# The push matrix
# --------------------------------------------------------------------------------------------

@dataclass
class PushCell:
    login: str
    rel: str
    entity: str
    kind: str
    exists: bool
    op: dict[str, Any]
    row: FRow | None
    expect: str
    twin: PushCell | None = None
    before: tuple[int, bool] | None = None
    result: dict[str, Any] | None = None

    def name(self) -> str:
        return (f"push {self.kind} {self.entity} by {self.login}, {self.rel}, "
                f"{'existing' if self.exists else 'non-existent'} target")


def push_expectation(mx: Mx, login: str, kind: str, entity: str, row: FRow | None, pid: str,
                     new_org: str | None) -> str:
    if row is not None:
        if not mx.may_read(login, row):
            return "hidden"
        allowed = mx.may_change(login, kind, entity, row if kind != "create" else None, pid, new_org)
        if kind == "create":
            return "conflict" if allowed else "perm"
        return "applied" if allowed else "perm"
    if kind == "create":
        return "applied" if mx.may_change(login, kind, entity, None, pid, new_org) else "perm"
    return "missing" if kind == "update" else "gone"


def push_cells(mx: Mx, login: str) -> list[PushCell]:
    cells: list[PushCell] = []
    last: list[PushCell] = []  # deletes of persons go last: they take the person's rows with them
    for rel in RELATIONS[login]:
        b = mx.bundle(login, rel)
        for entity in ENTITIES:
            # a stale base (0) comes before the current one: permission before conflict detection
            for kind in ("create", "stale-update", "update", "stale-delete", "delete"):
                op_kind = kind.removeprefix("stale-")
                base = 0 if kind.startswith("stale-") else 1
                if entity == "person":
                    rid = b.doomed["push"] if op_kind == "delete" else b.pid
                else:
                    rid = b.rows[(entity, f"p-{op_kind}")]
                row = mx.rows.get(rid)
                if row is None:
                    continue  # setup failed; reported by the test
                pid = row.pid
                org = create_org(login)
                fields: dict[str, Any] | None
                if op_kind == "create":
                    fields, _ = row_fields(entity, org, None, operator=False)
                elif op_kind == "update":
                    fields = update_fields(entity, login)
                else:
                    fields = None
                new_org = (fields or {}).get("org_inn", row.org) if entity in ("employment", "request") else None
                ghost = str(uuid.uuid4())
                ghost_pid = ghost if entity == "person" else pid
                gfields: dict[str, Any] | None = person_fields()[0] if op_kind == "create" and entity == "person" \
                    else fields
                expect = push_expectation(mx, login, op_kind, entity, row, pid, new_org)
                if base == 0 and expect == "applied":
                    expect = "stale-ok"  # allowed: a conflict (changed since 0) or applied
                ex = PushCell(login, rel, entity, kind, True, op(entity, rid, pid, op_kind, fields, base), row, expect)
                tw = PushCell(login, rel, entity, kind, False, op(entity, ghost, ghost_pid, op_kind, gfields, base),
                              None, push_expectation(mx, login, op_kind, entity, None, ghost_pid, new_org))
                ex.twin = tw
                (last if entity == "person" and op_kind == "delete" else cells).extend([ex, tw])
    return cells + last


def check_push_cell(mx: Mx, c: PushCell, res: dict[str, Any], after: dict[str, tuple[int, bool]],
                    touched: set[str]) -> list[str]:
    out: list[str] = []
    st, errors = res.get("status"), res.get("errors") or {}
    text = json.dumps(res, ensure_ascii=False)

    def bad(msg: str) -> None:
        out.append(f"{c.name()}: expected {c.expect}, {msg}: {text[:300]}")

    if c.expect == "applied":
        if st != "applied" or (c.exists and not isinstance(res.get("version"), int)):
            bad("refused or not applied")
    elif c.expect == "perm":
        if st != "rejected" or "_permission" not in errors:
            bad("not a _permission rejection")
    elif c.expect == "conflict":
        if st != "conflict" or "_exists" not in (res.get("conflicts") or {}):
            bad("not an _exists conflict")
    elif c.expect == "stale-ok":
        if st not in ("conflict", "applied"):
            bad("an allowed change on a stale base is neither a conflict nor applied")
    elif c.expect == "missing":
        if st != "rejected":
            bad("an update of a non-existent id was not rejected")
    elif c.expect == "gone":
        # what a delete of an unknown row answers; a role that may delete no such row at all
        # may be refused for rights first (the same answer for a hidden row is checked there)
        gone = st == "applied" and res.get("version") is None
        if not gone and not (st == "rejected" and "_permission" in errors):
            bad("a delete of a non-existent id is neither 'applied' without a version nor a _permission refusal")
    elif c.expect == "hidden":
        assert c.twin is not None and c.twin.result is not None
        twin_res = c.twin.result
        if c.kind == "create":
            if st != "rejected":
                bad("a create with the id of an unreadable row is not rejected")
            elif twin_res.get("status") == "rejected" and without_op_id(res) != without_op_id(twin_res):
                bad(f"differs from the refusal for a non-existent id {without_op_id(twin_res)[:200]}")
        elif without_op_id(res) != without_op_id(twin_res):
            bad(f"differs from the answer for a non-existent id {without_op_id(twin_res)[:200]}")
        if '"theirs"' in text:
            bad("carries 'theirs' for a row the caller may not read")
    leaked = mx.leaks(c.login, text)
    if leaked:
        bad(f"leaks values of unreadable rows {leaked}")
    # side effects
    if c.exists and c.row is not None and c.before is not None:
        now = after.get(c.row.id)
        changed = now != c.before
        if c.expect in ("perm", "hidden", "conflict") and changed and c.row.id not in touched:
            bad(f"yet the row changed {c.before} -> {now}")
        if c.expect == "applied" and not changed:
            bad(f"yet the row did not change {c.before}")
    if not c.exists and c.kind == "create" and c.expect != "applied":
        if c.op["entity_id"] in after:
            bad("yet the row was created")
    return out


def test_push_matrix(mx: Mx) -> None:
    """create/update/delete × every entity × every role × relation × existing/non-existent target."""
    violations: list[str] = list(mx.problems)
    total = 0
    expectations: dict[str, int] = {}
    for login in LOGINS:
        cells = push_cells(mx, login)
        targets = [c.row.id for c in cells if c.row is not None]
        before = mx.states(targets)
        for c in cells:
            if c.row is not None:
                c.before = before.get(c.row.id)
        results: list[dict[str, Any]] = []
        for i in range(0, len(cells), 900):
            chunk = cells[i:i + 900]
            r = mx.w.post(login, "/sync/push", json={"client_id": str(uuid.uuid4()), "ops": [c.op for c in chunk]})
            assert r.status_code == 200, f"push by {login}: {r.status_code} {r.text[:500]}"
            results.extend(r.json()["results"])
            leaked = mx.leaks(login, r.text)
            if leaked:
                violations.append(f"push answer to {login} leaks {leaked}")
        for c, res in zip(cells, results, strict=True):
            c.result = res
        after = mx.states(targets + [c.op["entity_id"] for c in cells if not c.exists])
        # rows another cell of the batch changes rightly (a person row is created-over and updated)
        touched = {c.row.id for c in cells if c.row is not None and c.expect == "applied"}
        for c, res in zip(cells, results, strict=True):
            total += 1
            expectations[c.expect] = expectations.get(c.expect, 0) + 1
            violations.extend(check_push_cell(mx, c, res, after, touched))
    print(f"push matrix: {total} cells {expectations}")
    assert total >= len(ENTITIES) * (len(KINDS) + 2) * 2 * sum(len(r) for r in RELATIONS.values())
    assert not violations, f"{len(violations)} of {total} push cells violate docs/security.md:\n" + "\n".join(
        violations)


# --------------------------------------------------------------------------------------------
# The REST matrix: every route of the app
# --------------------------------------------------------------------------------------------

@dataclass
class Target:
    rel: str
    exists: bool
    ids: dict[str, str] = field(default_factory=dict)
    row: FRow | None = None
    pid: str = ""
    org: str = ""
    entity: str = ""
    visible: bool | None = None  # set by special targets (sessions, blobs, confirmations …)
    allowed: bool | None = None


Call = Callable[[Mx, str, Target], httpx.Response]
Allow = Callable[[Mx, str, Target], bool]
Targets = Callable[[Mx, str], list[tuple[Target, Target]]]


@dataclass(frozen=True)
class Route:
    #: public: no token; self: the caller's own things, no target; target: per relation and id
    kind: str
    ok: tuple[int, ...]
    call: Call
    allow: Allow = lambda mx, login, t: True
    targets: Targets | None = None
    #: may the caller read the target (refusal 403) or not (refusal = answer for a missing id)
    visible: Allow | None = None


def roles(*names: str) -> Allow:
    return lambda mx, login, t: ROLE[login] in names


def read_row(mx: Mx, login: str, t: Target) -> bool:
    return t.row is not None and mx.may_read(login, t.row)


def read_person(mx: Mx, login: str, t: Target) -> bool:
    return mx.person_readable(login, t.pid)


def own_org(mx: Mx, login: str, t: Target) -> bool:
    return ROLE[login] == "admin" or t.org in ORGS.get(login, frozenset())


def flag(name: str) -> Allow:
    def f(mx: Mx, login: str, t: Target) -> bool:
        v = getattr(t, name)
        return bool(v)
    return f


def both(*checks: Allow) -> Allow:
    return lambda mx, login, t: all(c(mx, login, t) for c in checks)


def changes(kind: str) -> Allow:
    """may_change for a REST call on a record row (create: of a new id for t.pid)."""
    def f(mx: Mx, login: str, t: Target) -> bool:
        entity = t.entity or (t.row.entity if t.row else "")
        row = None if kind == "create" else t.row
        if kind != "create" and row is None:
            return False
        new_org = create_org(login) if kind == "create" else (row.org if row else None)
        return mx.may_change(login, kind, entity, row, t.pid, new_org)
    return f


def ghost() -> str:
    return str(uuid.uuid4())


def row_targets(entity: str, purpose: str) -> Targets:
    def f(mx: Mx, login: str) -> list[tuple[Target, Target]]:
        out = []
        for rel in RELATIONS[login]:
            b = mx.bundle(login, rel)
            rid = b.rows[(entity, purpose)]
            row = mx.rows.get(rid)
            if row is None:
                continue
            out.append((Target(rel, True, {"row_id": rid}, row, b.pid, entity=entity),
                        Target(rel, False, {"row_id": ghost()}, None, b.pid, entity=entity)))
        return out
    return f


def person_targets(mx: Mx, login: str) -> list[tuple[Target, Target]]:
    out = []
    for rel in RELATIONS[login]:
        b = mx.bundle(login, rel)
        if b.pid in mx.rows:
            out.append((Target(rel, True, row=mx.rows[b.pid], pid=b.pid, entity="person"),
                        Target(rel, False, pid=ghost(), entity="person")))
    return out


def record_row_targets(purpose: str) -> Targets:
    """PATCH/DELETE /persons/{person_id}/{entity}/{row_id}: every entity, the person row too."""
    def f(mx: Mx, login: str) -> list[tuple[Target, Target]]:
        out = []
        for rel in RELATIONS[login]:
            b = mx.bundle(login, rel)
            for entity in ENTITIES:
                if entity == "person":
                    rid = b.doomed["rest"] if purpose == "r-delete" else b.pid
                    g = ghost()
                    twin = Target(rel, False, {"row_id": g}, None, g, entity=entity)
                else:
                    rid = b.rows[(entity, purpose)]
                    twin = Target(rel, False, {"row_id": ghost()}, None, b.pid, entity=entity)
                row = mx.rows.get(rid)
                if row is not None:
                    out.append((Target(rel, True, {"row_id": rid}, row, row.pid, entity=entity), twin))
        return out
    return f


def create_targets(mx: Mx, login: str) -> list[tuple[Target, Target]]:
    """POST /persons/{person_id}/{entity}: every child entity for each relation's person."""
    out = []
    for rel in RELATIONS[login]:
        b = mx.bundle(login, rel)
        for entity in CHILD_ENTITIES:
            out.append((Target(rel, True, row=mx.rows.get(b.pid), pid=b.pid, entity=entity),
                        Target(rel, False, pid=ghost(), entity=entity)))
    return out


def org_targets(mx: Mx, login: str) -> list[tuple[Target, Target]]:
    own = create_org(login)
    other = ORG1 if own == ORG0 else ORG0
    return [(Target("own-org", True, org=own), Target("own-org", False, org=NO_ORG)),
            (Target("other-org", True, org=other), Target("other-org", False, org=NO_ORG))]


def org_person_targets(mx: Mx, login: str) -> list[tuple[Target, Target]]:
    """POST /orgs/{inn}/employment|requests: own organization × each relation's person, and the
    other organization."""
    own = create_org(login)
    other = ORG1 if own == ORG0 else ORG0
    out = []
    for rel in RELATIONS[login]:
        b = mx.bundle(login, rel)
        out.append((Target(rel, True, row=mx.rows.get(b.pid), pid=b.pid, org=own),
                    Target(rel, False, pid=ghost(), org=own)))
    rel0 = RELATIONS[login][0]
    b = mx.bundle(login, rel0)
    out.append((Target(f"{rel0}, other-org", True, row=mx.rows.get(b.pid), pid=b.pid, org=other),
                Target(f"{rel0}, other-org", False, row=mx.rows.get(b.pid), pid=b.pid, org=NO_ORG)))
    return out


def confirmation_targets(mx: Mx, login: str) -> list[tuple[Target, Target]]:
    """A pending confirmation per relation (sent to the relation's organization)."""
    out = []
    for rel in RELATIONS[login]:
        b = mx.bundle(login, rel)
        card = mx.rows.get(b.rows[("employment", "decide")])
        if card is None or not b.conf:
            continue
        role = ROLE[login]
        org_ok = role == "admin" or (role == "hr" and card.org in ORGS[login])
        vis = role == "admin" or (role in ("hr", "manager") and card.org in ORGS[login]) or (
            role == "doctor" and mx.may_read(login, card))
        out.append((Target(rel, True, {"conf_id": b.conf}, card, card.pid, visible=vis, allowed=org_ok),
                    Target(rel, False, {"conf_id": ghost()}, visible=False, allowed=False)))
    return out


def session_targets(mx: Mx, login: str) -> list[tuple[Target, Target]]:
    return [(Target("own", True, {"sid": mx.spare_session[login]}, visible=True, allowed=True),
             Target("own", False, {"sid": ghost()}, visible=False, allowed=False)),
            (Target("elsewhere", True, {"sid": mx.spare_session["doctor2"]}, visible=False, allowed=False),
             Target("elsewhere", False, {"sid": ghost()}, visible=False, allowed=False))]


#: who may read which file (docs/security.md, Files)
BLOB_READERS = {
    "own": set(LOGINS),                                  # every account that uploaded the bytes
    "confirmation": {"hr1", "manager", "admin"},        # named by a confirmation sent to ORG0
    "reply": {"doctor", "hr2", "admin"},                # attached to the doctor's reply to ORG1
    "document": {"admin"},                              # named in someone's document row: nothing
    "unrelated": {"admin"},
}


def blob_targets(mx: Mx, login: str) -> list[tuple[Target, Target]]:
    out = []
    for kind, readers in BLOB_READERS.items():
        sha = mx.own_blob[login] if kind == "own" else mx.blob_kind[kind]
        allowed = login in readers
        out.append((Target(kind, True, {"sha": sha}, visible=allowed, allowed=allowed),
                    Target(kind, False, {"sha": hashlib.sha256(uuid.uuid4().bytes).hexdigest()}, visible=False,
                           allowed=False)))
    return out


def account_targets(mx: Mx, login: str) -> list[tuple[Target, Target]]:
    acc = mx.w.get("admin", "/admin/accounts", params={"role": "doctor"}).json()["items"]
    target = next(a["id"] for a in acc if a["login"] == "doctor2")
    return [(Target("any", True, {"id": str(target)}), Target("any", False, {"id": "999999"}))]


def programme_targets(mx: Mx, login: str) -> list[tuple[Target, Target]]:
    return [(Target("any", True, {"id": mx.programme}), Target("any", False, {"id": ghost()}))]


def snils_targets(mx: Mx, login: str) -> list[tuple[Target, Target]]:
    out = []
    for rel in RELATIONS[login]:
        b = mx.bundle(login, rel)
        s = mx.w.get("admin", f"/persons/{b.pid}/record").json()["entities"]["person"][0]["fields"]["snils"]
        out.append((Target(rel, True, {"snils": s}, mx.rows.get(b.pid), b.pid),
                    Target(rel, False, {"snils": new_snils()})))
    return out


def _today() -> str:
    return time.strftime("%Y-%m-%d")


def _confirmation_body(mx: Mx, login: str, t: Target) -> dict[str, Any]:
    return {"blob_sha256": mx.own_blob[login], "doc_kind": "order", "doc_org_inn": t.row.org if t.row else ORG0,
            "doc_org_name": "ГБУЗ", "doc_begin_date": "2023-01-01", "doc_date": _today()}


def _create_body(login: str, t: Target) -> dict[str, Any]:
    f, _ = row_fields(t.entity, create_org(login), None, operator=False)
    return {"fields": f}


OAUTH_PARAMS = {"response_type": "code", "client_id": "frmr-desktop", "redirect_uri": "http://127.0.0.1:53682/callback",
                "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256",
                "state": "s"}

ROUTES: dict[tuple[str, str], Route] = {
    # -- public: no token needed --------------------------------------------------------------
    ("GET", "/healthz"): Route("public", (200,), lambda m, lg, t: call(m.w, "", "GET", "/healthz")),
    ("GET", "/openapi.json"): Route("public", (200,), lambda m, lg, t: call(m.w, "", "GET", "/openapi.json")),
    ("HEAD", "/openapi.json"): Route("public", (200,), lambda m, lg, t: call(m.w, "", "HEAD", "/openapi.json")),
    ("GET", "/docs"): Route("public", (200,), lambda m, lg, t: call(m.w, "", "GET", "/docs")),
    ("HEAD", "/docs"): Route("public", (200,), lambda m, lg, t: call(m.w, "", "HEAD", "/docs")),
    ("GET", "/docs/oauth2-redirect"): Route("public", (200,), lambda m, lg, t: call(
        m.w, "", "GET", "/docs/oauth2-redirect")),
    ("HEAD", "/docs/oauth2-redirect"): Route("public", (200,), lambda m, lg, t: call(
        m.w, "", "HEAD", "/docs/oauth2-redirect")),
    ("GET", "/redoc"): Route("public", (200,), lambda m, lg, t: call(m.w, "", "GET", "/redoc")),
    ("HEAD", "/redoc"): Route("public", (200,), lambda m, lg, t: call(m.w, "", "HEAD", "/redoc")),
    ("GET", "/oauth/authorize"): Route("public", (200,), lambda m, lg, t: call(
        m.w, "", "GET", "/oauth/authorize", params=OAUTH_PARAMS)),
    # a wrong password: the form again, 401 (the login form's own refusal)
    ("POST", "/oauth/authorize"): Route("public", (401,), lambda m, lg, t: call(
        m.w, "", "POST", "/oauth/authorize", data={
            **OAUTH_PARAMS, "username": "nobody-" + uuid.uuid4().hex[:6], "password": "wrong", "otp": "000000"})),
    ("POST", "/oauth/token"): Route("public", (400,), lambda m, lg, t: call(m.w, "", "POST", "/oauth/token", data={
        "grant_type": "authorization_code", "client_id": "frmr-desktop", "code": "x" * 40,
        "redirect_uri": "http://127.0.0.1:53682/callback", "code_verifier": "v" * 50})),
    ("POST", "/oauth/revoke"): Route("public", (200,), lambda m, lg, t: call(m.w, "", "POST", "/oauth/revoke", data={
        "token": "not-a-token"})),
    # -- the caller's own account and sync: every role ---------------------------------------
    ("GET", "/me"): Route("self", (200,), lambda m, lg, t: call(m.w, lg, "GET", "/me")),
    ("GET", "/sessions"): Route("self", (200,), lambda m, lg, t: call(m.w, lg, "GET", "/sessions")),
    ("DELETE", "/sessions/{session_id}"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "DELETE", f"/sessions/{t.ids['sid']}"),
        flag("allowed"), session_targets, flag("visible")),
    # the seeded accounts have the second factor already: replacing the device needs the password
    # (422 without it), and there is nothing pending to confirm (409)
    ("POST", "/me/totp/enrol"): Route("self", (422,), lambda m, lg, t: call(m.w, lg, "POST", "/me/totp/enrol")),
    ("POST", "/me/totp/confirm"): Route("self", (409,), lambda m, lg, t: call(
        m.w, lg, "POST", "/me/totp/confirm", json={"code": "000000"})),
    ("POST", "/me/totp/recovery-codes"): Route("self", (422,), lambda m, lg, t: call(
        m.w, lg, "POST", "/me/totp/recovery-codes", json={"password": ""})),
    # the account's own password: the same one twice is refused before anything is checked
    ("POST", "/me/password"): Route("self", (422,), lambda m, lg, t: call(
        m.w, lg, "POST", "/me/password", json={"old_password": "Ab3$efghijkl", "new_password": "Ab3$efghijkl"})),
    # ends the caller's other sessions (the spare ones of DELETE /sessions/{id}); this one stays
    ("DELETE", "/sessions"): Route("self", (200,), lambda m, lg, t: call(m.w, lg, "DELETE", "/sessions")),
    ("GET", "/me/journal"): Route("self", (200,), lambda m, lg, t: call(m.w, lg, "GET", "/me/journal")),
    ("GET", "/me/consent"): Route("self", (200,), lambda m, lg, t: call(m.w, lg, "GET", "/me/consent")),
    ("POST", "/me/consent"): Route("self", (201,), lambda m, lg, t: call(
        m.w, lg, "POST", "/me/consent", json={"version": "152fz-matrix"})),
    # no token: a code that was never issued, for a login that does not exist
    ("POST", "/account/password/reset"): Route("public", (400,), lambda m, lg, t: call(
        m.w, "", "POST", "/account/password/reset", json={
            "login": "nobody-" + uuid.uuid4().hex[:6], "code": "AAAA-BBBB-CCCC-DDDD", "new_password": "Ab3$efghijkl"})),
    ("POST", "/sync/push"): Route("self", (200,), lambda m, lg, t: call(
        m.w, lg, "POST", "/sync/push", json={"client_id": ghost(), "ops": []})),
    ("GET", "/sync/pull"): Route("self", (200,), lambda m, lg, t: call(
        m.w, lg, "GET", "/sync/pull", params={"limit": 5000})),
    ("GET", "/sync/state"): Route("self", (200,), lambda m, lg, t: call(m.w, lg, "GET", "/sync/state")),
    ("PUT", "/blobs/{sha256}"): Route("self", (201,), lambda m, lg, t: _put_new_blob(m, lg)),
    ("GET", "/blobs/{sha256}"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", f"/blobs/{t.ids['sha']}"),
        flag("allowed"), blob_targets, flag("visible")),
    ("HEAD", "/blobs/{sha256}"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "HEAD", f"/blobs/{t.ids['sha']}"),
        flag("allowed"), blob_targets, flag("visible")),
    ("GET", "/orgs"): Route("self", (200,), lambda m, lg, t: call(m.w, lg, "GET", "/orgs")),
    ("GET", "/programmes"): Route("self", (200,), lambda m, lg, t: call(m.w, lg, "GET", "/programmes")),
    # -- the record ------------------------------------------------------------------------
    ("GET", "/persons/{person_id}/record"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", f"/persons/{t.pid}/record"),
        read_person, person_targets, read_person),
    ("GET", "/record"): Route("self", (200,), lambda m, lg, t: call(m.w, lg, "GET", "/record"), roles("doctor")),
    ("POST", "/persons/{person_id}/{entity}"): Route(
        "target", (201,), lambda m, lg, t: call(m.w, lg, "POST", f"/persons/{t.pid}/{t.entity}",
                                                json=_create_body(lg, t)),
        changes("create"), create_targets, read_person),
    ("PATCH", "/persons/{person_id}/{entity}/{row_id}"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "PATCH", f"/persons/{t.pid}/{t.entity}/{t.ids['row_id']}",
                                                json={"fields": update_fields(t.entity, lg)}),
        changes("update"), record_row_targets("r-patch"), read_row),
    ("DELETE", "/persons/{person_id}/{entity}/{row_id}"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "DELETE", f"/persons/{t.pid}/{t.entity}/{t.ids['row_id']}"),
        changes("delete"), record_row_targets("r-delete"), read_row),
    ("GET", "/persons"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", "/persons", params={"snils": t.ids["snils"]}),
        roles("hr", "admin"), snils_targets, roles("hr", "admin")),
    ("POST", "/persons"): Route("self", (201,), lambda m, lg, t: call(
        m.w, lg, "POST", "/persons", json={"fields": person_fields()[0]}), roles("hr", "admin")),
    # -- organizations -----------------------------------------------------------------------
    ("POST", "/orgs"): Route("self", (201,), lambda m, lg, t: call(m.w, lg, "POST", "/orgs", json={
        "inn": make_inn10(f"{_RND.randrange(100_000_000, 999_999_999)}"), "name": "Новая организация"}),
        roles("admin")),
    ("GET", "/orgs/{inn}/staff"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", f"/orgs/{t.org}/staff", params={"page_size": 500}),
        both(roles("hr", "manager", "admin"), own_org), org_targets, both(roles("hr", "manager", "admin"), own_org)),
    ("GET", "/orgs/{inn}/staff.csv"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", f"/orgs/{t.org}/staff.csv"),
        both(roles("hr", "manager", "admin"), own_org), org_targets, both(roles("hr", "manager", "admin"), own_org)),
    ("GET", "/orgs/{inn}/summary"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", f"/orgs/{t.org}/summary"),
        both(roles("hr", "manager", "admin"), own_org), org_targets, both(roles("hr", "manager", "admin"), own_org)),
    # the organization's figures and the people behind a bar (issue 15): read like the summary
    ("GET", "/orgs/{inn}/report"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", f"/orgs/{t.org}/report"),
        both(roles("hr", "manager", "admin"), own_org), org_targets, both(roles("hr", "manager", "admin"), own_org)),
    ("GET", "/orgs/{inn}/report/people"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", f"/orgs/{t.org}/report/people",
                                                params={"group": "all"}),
        both(roles("hr", "manager", "admin"), own_org), org_targets, both(roles("hr", "manager", "admin"), own_org)),
    # a card in the caller's organization for any existing person
    ("POST", "/orgs/{inn}/employment"): Route(
        "target", (201,), lambda m, lg, t: call(m.w, lg, "POST", f"/orgs/{t.org}/employment", json={
            "person_id": t.pid, "fields": {k: v for k, v in row_fields("employment", t.org)[0].items()
                                           if k not in ("org_inn", "org_name", "status")}}),
        both(roles("hr", "admin"), own_org, lambda m, lg, t: t.exists and t.pid in m.persons), org_person_targets,
        both(roles("hr", "admin"), own_org, lambda m, lg, t: t.exists)),
    # a request to a person the organization may read
    ("POST", "/orgs/{inn}/requests"): Route(
        "target", (201,), lambda m, lg, t: call(m.w, lg, "POST", f"/orgs/{t.org}/requests", json={
            "person_id": t.pid, "kind": "Запрос", "text": "Просим ответить"}),
        both(roles("hr", "admin"), own_org, read_person), org_person_targets,
        both(roles("hr", "admin"), own_org, read_person)),
    # -- workflows -------------------------------------------------------------------------
    ("POST", "/employment/{row_id}/close"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "POST", f"/employment/{t.ids['row_id']}/close", json={
            "end_date": "2025-01-31", "end_reason": "увольнение"}),
        both(roles("hr", "admin"), changes("update")), row_targets("employment", "close"), read_row),
    ("POST", "/employment/{row_id}/confirmations"): Route(
        "target", (201,), lambda m, lg, t: call(m.w, lg, "POST", f"/employment/{t.ids['row_id']}/confirmations",
                                                json=_confirmation_body(m, lg, t)),
        both(roles("doctor"), read_row), row_targets("employment", "confirm"), read_row),
    ("GET", "/employment/{row_id}/confirmations"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", f"/employment/{t.ids['row_id']}/confirmations"),
        read_row, row_targets("employment", "read"), read_row),
    ("GET", "/confirmations"): Route("self", (200,), lambda m, lg, t: call(
        m.w, lg, "GET", "/confirmations", params={"status": ""}), roles("hr", "manager", "admin")),
    ("POST", "/confirmations/{conf_id}/decision"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "POST", f"/confirmations/{t.ids['conf_id']}/decision",
                                                json={"decision": "reject", "comment": "Документ не читается"}),
        flag("allowed"), confirmation_targets, flag("visible")),
    ("POST", "/requests/{row_id}/answer"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "POST", f"/requests/{t.ids['row_id']}/answer",
                                                json={"text": "Ответ"}),
        both(roles("doctor"), read_row), row_targets("request", "answer"), read_row),
    ("POST", "/requests/{row_id}/comments"): Route(
        "target", (201,), lambda m, lg, t: call(m.w, lg, "POST", f"/requests/{t.ids['row_id']}/comments",
                                                json={"text": "Комментарий"}),
        both(read_row, lambda m, lg, t: ROLE[lg] in ("doctor", "admin") or (
            ROLE[lg] == "hr" and t.row is not None and t.row.org in ORGS[lg])),
        row_targets("request", "comment"), read_row),
    ("GET", "/requests/{row_id}/comments"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", f"/requests/{t.ids['row_id']}/comments"),
        read_row, row_targets("request", "read"), read_row),
    ("GET", "/requests/{row_id}/sender"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", f"/requests/{t.ids['row_id']}/sender"),
        read_row, row_targets("request", "read"), read_row),
    ("POST", "/applications/{row_id}/submit"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "POST", f"/applications/{t.ids['row_id']}/submit"),
        both(roles("doctor"), read_row), row_targets("application", "submit"), read_row),
    # -- the operator --------------------------------------------------------------------------
    ("GET", "/admin/applications"): Route("self", (200,), lambda m, lg, t: call(
        m.w, lg, "GET", "/admin/applications"), roles("admin")),
    ("POST", "/admin/applications/{row_id}/decision"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "POST", f"/admin/applications/{t.ids['row_id']}/decision",
                                                json={"status": "in_review"}),
        roles("admin"), row_targets("application", "decide"), read_row),
    ("GET", "/admin/applications/{row_id}/attachments"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", f"/admin/applications/{t.ids['row_id']}/attachments"),
        roles("admin"), row_targets("application", "decide"), read_row),
    # the matrix's applications carry no files: the operator's allowed call meets «not among the
    # attachments» (404); files actually served are tested in tests/reports/test_operator_files.py
    ("GET", "/admin/applications/{row_id}/attachments/{sha256}"): Route(
        "target", (404,), lambda m, lg, t: call(
            m.w, lg, "GET", f"/admin/applications/{t.ids['row_id']}/attachments/{'ab' * 32}"),
        roles("admin"), row_targets("application", "decide"), read_row),
    ("GET", "/admin/nmo"): Route("self", (200,), lambda m, lg, t: call(m.w, lg, "GET", "/admin/nmo"), roles("admin")),
    ("POST", "/admin/nmo/{row_id}/decision"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "POST", f"/admin/nmo/{t.ids['row_id']}/decision",
                                                json={"status": "rejected"}),
        roles("admin"), row_targets("nmo", "decide"), read_row),
    ("GET", "/admin/accounts"): Route("self", (200,), lambda m, lg, t: call(m.w, lg, "GET", "/admin/accounts"),
                                      roles("admin")),
    ("POST", "/admin/accounts"): Route("self", (201,), lambda m, lg, t: call(m.w, lg, "POST", "/admin/accounts", json={
        "login": "u" + uuid.uuid4().hex[:8], "password": "Ab3$efghijkl", "role": "admin"}), roles("admin")),
    ("PATCH", "/admin/accounts/{account_id}"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "PATCH", f"/admin/accounts/{t.ids['id']}",
                                                json={"unlock": True}),
        roles("admin"), account_targets, roles("admin")),
    ("POST", "/admin/accounts/{account_id}/reset-code"): Route(
        "target", (201,), lambda m, lg, t: call(m.w, lg, "POST", f"/admin/accounts/{t.ids['id']}/reset-code"),
        roles("admin"), account_targets, roles("admin")),
    ("GET", "/admin/audit"): Route("self", (200,), lambda m, lg, t: call(
        m.w, lg, "GET", "/admin/audit", params={"limit": 5}), roles("admin")),
    ("POST", "/programmes"): Route("self", (201,), lambda m, lg, t: call(m.w, lg, "POST", "/programmes", json={
        "title": "П", "format": "distance", "hours": 36, "begin_date": "2030-01-01", "end_date": "2030-02-01",
        "seats": 3}), roles("admin")),
    ("POST", "/programmes/{programme_id}/enrol"): Route(
        "target", (201,), lambda m, lg, t: call(m.w, lg, "POST", f"/programmes/{t.ids['id']}/enrol"),
        both(roles("doctor"), lambda m, lg, t: t.exists), programme_targets, roles("doctor")),
    ("POST", "/programmes/{programme_id}/cancel"): Route(  # idempotent: not enrolled is already the state asked for
        "target", (200,), lambda m, lg, t: call(m.w, lg, "POST", f"/programmes/{t.ids['id']}/cancel"),
        both(roles("doctor"), lambda m, lg, t: t.exists), programme_targets, roles("doctor")),
    ("GET", "/programmes/{programme_id}/enrolments"): Route(
        "target", (200,), lambda m, lg, t: call(m.w, lg, "GET", f"/programmes/{t.ids['id']}/enrolments"),
        both(roles("admin"), lambda m, lg, t: t.exists), programme_targets, roles("admin")),
}


def _put_new_blob(mx: Mx, login: str) -> httpx.Response:
    data, sha = pdf()
    r: httpx.Response = mx.w.client.put(f"/blobs/{sha}", content=data, headers=mx.w.h(login))
    return r


def app_routes(w: World) -> set[tuple[str, str]]:
    """(method, path) of every route of the app, routers included (FastAPI ≥ 0.165 keeps included
    routers as one entry of ``app.routes``; ``iter_route_contexts`` flattens them)."""
    out: set[tuple[str, str]] = set()
    for r in iter_route_contexts(w.client.app.routes):  # type: ignore[attr-defined]
        path = str(r.path or getattr(r, "path_format", "") or r.name)
        # a mount or websocket has no methods: it is listed as "*" and must be placed in ROUTES too
        for method in r.methods or ("*",):
            out.add((str(method), path))
    return out


def test_every_route_is_in_the_matrix(shared_world: World) -> None:
    """A route the table does not list fails here: place it in ROUTES with its decision."""
    have = app_routes(shared_world)
    assert len(have) > 40
    new = sorted(have - set(ROUTES))
    gone = sorted(set(ROUTES) - have)
    assert not new, "new routes are not in the authorization matrix (tests/server/test_authz_matrix.py ROUTES): " + \
        ", ".join(f"{m} {p}" for m, p in new)
    assert not gone, "the matrix lists routes the app no longer has: " + ", ".join(f"{m} {p}" for m, p in gone)


def check_answer(mx: Mx, route: str, login: str, t: Target, r: httpx.Response, allowed: bool, visible: bool,
                 ok: tuple[int, ...], twin: httpx.Response | None) -> list[str]:
    where = f"{route} by {login}, {t.rel}{'' if t.entity == '' else ' ' + t.entity}, " \
            f"{'existing' if t.exists else 'non-existent'} target"
    body = r.text[:300]
    out: list[str] = []
    code = r.status_code
    if code >= 500:
        out.append(f"{where}: server error {code} {body}")
    elif not t.exists:
        if code not in (403, 404):
            out.append(f"{where}: non-existent target, expected 403/404, got {code} {body}")
    elif allowed:
        if code not in ok:
            out.append(f"{where}: allowed, expected {ok}, got {code} {body}")
    elif visible:
        if code != 403:
            out.append(f"{where}: readable but not changeable, expected 403, got {code} {body}")
    else:
        if code not in (403, 404):
            out.append(f"{where}: unreadable target, expected 403/404, got {code} {body}")
        elif twin is not None and (twin.status_code != code or norm(twin.text) != norm(r.text)):
            out.append(f"{where}: differs from a non-existent id: {code} {body} vs {twin.status_code} "
                       f"{twin.text[:300]}")
    leaked = mx.leaks(login, r.text if r.headers.get("content-type", "").startswith(("application/json",
                                                                                         "application/problem",
                                                                                         "text/")) else "")
    if leaked:
        out.append(f"{where}: answer ({code}) leaks values of unreadable rows {leaked}")
    return out


REST_KINDS: dict[str, int] = {}


def rest_cells(mx: Mx, name: str, route: Route) -> tuple[int, list[str]]:
    """Run one route's cells; returns (cells, violations)."""
    out: list[str] = []
    if route.kind == "public":
        r = route.call(mx, "", Target("public", True))
        if r.status_code not in route.ok:
            out.append(f"{name} without a token: expected {route.ok}, got {r.status_code} {r.text[:200]}")
        return 1, out
    cells = 0
    for login in LOGINS:
        if route.kind == "self":
            t = Target("self", True)
            r = route.call(mx, login, t)
            cells += 1
            out.extend(check_answer(mx, name, login, t, r, route.allow(mx, login, t), True, route.ok, None))
            continue
        assert route.targets is not None and route.visible is not None
        for existing, missing in route.targets(mx, login):
            allowed = route.allow(mx, login, existing)
            visible = route.visible(mx, login, existing)
            kind = "allowed" if allowed else ("refused-readable" if visible else "refused-unreadable")
            REST_KINDS[kind] = REST_KINDS.get(kind, 0) + 1
            REST_KINDS["non-existent"] = REST_KINDS.get("non-existent", 0) + 1
            # the non-existent twin first: a successful call may change what exists
            rt = route.call(mx, login, missing)
            r = route.call(mx, login, existing)
            cells += 2
            out.extend(check_answer(mx, name, login, missing, rt, False, False, route.ok, None))
            out.extend(check_answer(mx, name, login, existing, r, allowed, visible, route.ok, rt))
    return cells, out


def test_rest_matrix(mx: Mx) -> None:
    """Every route × role × relation × existing/non-existent target."""
    violations: list[str] = list(mx.problems)
    cells = 0
    spent: dict[str, float] = {}
    for (method, path), route in ROUTES.items():
        name = f"{method} {path}"
        started = time.perf_counter()
        n, bad = rest_cells(mx, name, route)
        spent[name] = round(time.perf_counter() - started, 2)
        cells += n
        violations.extend(bad)
    slow = sorted(spent.items(), key=lambda kv: -kv[1])[:5]
    print(f"REST matrix: {cells} cells over {len(ROUTES)} routes {REST_KINDS}; slowest {slow}")
    REST_KINDS.clear()
    assert cells > 500
    assert not violations, f"{len(violations)} REST cells violate docs/security.md:\n" + "\n".join(violations)


def test_no_token_no_entry(mx: Mx) -> None:
    """Every non-public route refuses a call without a token (401) before anything else."""
    bad = []
    for (method, path), route in ROUTES.items():
        if route.kind == "public":
            continue
        concrete = re.sub(r"\{[^}]+\}", lambda m: "0" * 64 if m.group(0) == "{sha256}" else (
            ORG0 if m.group(0) == "{inn}" else ("1" if m.group(0) == "{account_id}" else (
                "education" if m.group(0) == "{entity}" else str(uuid.uuid4())))), path)
        r = mx.w.client.request(method, concrete, headers=SCHEMA_HEADER)
        if r.status_code != 401:
            bad.append(f"{method} {concrete}: {r.status_code}")
    assert not bad, bad


# --------------------------------------------------------------------------------------------
# The "Found" list of issue 11, items 1–8, one focused test each
# --------------------------------------------------------------------------------------------

def push_one(w: World, login: str, o: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
    r = w.client.post("/sync/push", json={"client_id": str(uuid.uuid4()), "ops": [o]},
                      headers=headers or w.h(login))
    assert r.status_code == 200, r.text
    res: dict[str, Any] = r.json()["results"][0]
    return res


def new_person(mx: Mx, staff_org: str | None, author: str = "admin") -> tuple[str, list[str]]:
    pid = str(uuid.uuid4())
    f, markers = person_fields()
    assert push_one(mx.w, author, op("person", pid, pid, "create", f))["status"] == "applied"
    if staff_org:
        cf, _ = row_fields("employment", staff_org, "confirmed")
        assert push_one(mx.w, "admin", op("employment", str(uuid.uuid4()), pid, "create", cf))["status"] == "applied"
    return pid, markers


def record_version(mx: Mx, rid: str) -> tuple[int, bool] | None:
    return mx.states([rid]).get(rid)


def audit_count(mx: Mx, login: str, action: str) -> int:
    with mx.engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(Audit).where(
            col(Audit.login) == login, col(Audit.action) == action)).scalar_one()
    return int(n)


def test_item1_create_conflict_does_not_leak(mx: Mx) -> None:
    """1. A create with the id of an existing row: no `theirs` before the permission check."""
    w = mx.w
    pid, markers = new_person(mx, ORG1)  # staff of ORG1 only: hidden from the manager, hr1, the doctor
    snils = w.get("admin", f"/persons/{pid}/record").json()["entities"]["person"][0]["fields"]["snils"]
    # hr1 learns the id by СНИЛС (by design), then tries the conflict
    found = w.get("hr1", "/persons", params={"snils": snils})
    assert found.status_code == 200 and found.json()["person_id"] == pid
    assert not set(markers) & set(MARKER_RE.findall(found.text)), found.text
    failures = []
    for login in ("manager", "hr1", "doctor"):
        f, _ = person_fields()
        res = push_one(w, login, op("person", pid, pid, "create", f))
        ghost_id = str(uuid.uuid4())
        twin = push_one(w, login, op("person", ghost_id, ghost_id, "create", f | {"snils": new_snils()}))
        text = json.dumps(res, ensure_ascii=False)
        if res["status"] != "rejected" or "theirs" in text or set(markers) & set(MARKER_RE.findall(text)):
            failures.append(f"{login}: create person with an unreadable id answers {text[:300]}")
        if ROLE[login] != "hr" and without_op_id(res) != without_op_id(twin):
            failures.append(f"{login}: differs from a new id: {without_op_id(res)} vs {without_op_id(twin)}")
        # a child row with the id of the person's card, the same
        rec = w.get("admin", f"/persons/{pid}/record").json()["entities"]
        card = rec["employment"][0]["id"]
        res = push_one(w, login, op("employment", card, pid, "create", row_fields("employment", ORG0)[0]))
        if "theirs" in json.dumps(res) or res["status"] != "rejected":
            failures.append(f"{login}: create employment with an unreadable card's id answers {res}")
    # a conflict that does carry a row (the doctor's own) is a read of personal data: journaled
    before = audit_count(mx, "doctor", "read_personal_data")
    own_edu = w.get("doctor", "/record").json()["entities"]["education"][0]
    res = push_one(w, "doctor", op("education", own_edu["id"], mx.p_doc, "create",
                                   row_fields("education", ORG0)[0]))
    if res["status"] == "conflict" and res["conflicts"]["_exists"].get("theirs"):
        if audit_count(mx, "doctor", "read_personal_data") <= before:
            failures.append("a conflict carrying the doctor's own row ('theirs') is not journaled "
                            "as read_personal_data")
    assert not failures, "\n".join(failures)


def test_item2_hr_cannot_change_snils(mx: Mx) -> None:
    """2. СНИЛС is the operator's: not an HR clerk's, on a staff person or one it entered."""
    w = mx.w
    failures = []
    staff, _ = new_person(mx, ORG0)
    authored, _ = new_person(mx, None, author="hr1")
    for pid in (staff, authored):
        before = record_version(mx, pid)
        res = push_one(w, "hr1", op("person", pid, pid, "update", {"snils": new_snils()}, 1))
        if res["status"] != "rejected" or "_permission" not in (res.get("errors") or {}):
            failures.append(f"push: hr1 changing СНИЛС of {pid} answers {res}")
        r = w.patch("hr1", f"/persons/{pid}/person/{pid}", json={"fields": {"snils": new_snils()}})
        if r.status_code != 403:
            failures.append(f"PATCH: hr1 changing СНИЛС of {pid} answers {r.status_code} {r.text[:200]}")
        if record_version(mx, pid) != before:
            failures.append(f"the person {pid} changed: {before} -> {record_version(mx, pid)}")
    # the operator may
    res = push_one(w, "admin", op("person", staff, staff, "update", {"snils": new_snils()}, 0))
    assert res["status"] in ("applied", "conflict"), res
    assert not failures, "\n".join(failures)


def test_item3_draft_card_brings_nobody_into_scope(mx: Mx) -> None:
    """3. An HR clerk's draft card for a person known elsewhere gives it nothing but the card."""
    w = mx.w
    pid, markers = new_person(mx, ORG1)
    edu = str(uuid.uuid4())
    ef, edu_markers = row_fields("education", ORG1)
    assert push_one(w, "admin", op("education", edu, pid, "create", ef))["status"] == "applied"
    snils = w.get("admin", f"/persons/{pid}/record").json()["entities"]["person"][0]["fields"]["snils"]
    found = w.get("hr1", "/persons", params={"snils": snils}).json()
    assert set(found["fields"]) <= {"snils", "last_name", "first_name", "patronymic", "birth_date"}, found
    fields = {k: v for k, v in row_fields("employment", ORG0)[0].items() if k not in ("org_inn", "org_name", "status")}
    r = w.post("hr1", f"/orgs/{ORG0}/employment", json={"person_id": pid, "fields": fields})
    assert r.status_code == 201, r.text
    card = r.json()["id"]
    hidden = set(markers) | set(edu_markers)
    person_before = record_version(mx, pid)
    failures = []

    def leak(what: str, text: str) -> None:
        if hidden & set(MARKER_RE.findall(text)):
            failures.append(f"{what} leaks {sorted(hidden & set(MARKER_RE.findall(text)))}")

    r = w.get("hr1", f"/persons/{pid}/record")
    if r.status_code != 404:
        failures.append(f"GET record after a draft card: {r.status_code}")
    leak("GET record", r.text)
    g = str(uuid.uuid4())
    rt = w.get("hr1", f"/persons/{g}/record")
    if norm(rt.text) != norm(r.text):
        failures.append(f"GET record differs from a non-existent person: {r.text[:200]} vs {rt.text[:200]}")
    r = w.patch("hr1", f"/persons/{pid}/person/{pid}", json={"fields": {"phone": phone()}})
    if r.status_code != 404:
        failures.append(f"PATCH person after a draft card: {r.status_code} {r.text[:200]}")
    res = push_one(w, "hr1", op("person", pid, pid, "update", {"phone": phone()}, 1))
    twin = push_one(w, "hr1", op("person", g, g, "update", {"phone": phone()}, 1))
    if without_op_id(res) != without_op_id(twin):
        failures.append(f"push update person after a draft card: {res} vs non-existent {twin}")
    res = push_one(w, "hr1", op("education", edu, pid, "update", {"qualification": tok()}, 1))
    if res["status"] != "rejected":
        failures.append(f"push update of the person's education after a draft card: {res}")
    leak("pull", w.get("hr1", "/sync/pull", params={"limit": 5000}).text)
    staff = w.get("hr1", f"/orgs/{ORG0}/staff", params={"page_size": 500, "q": snils})
    leak("staff list", staff.text)
    items = [i for i in staff.json().get("items", []) if i["person_id"] == pid]
    if not items:
        failures.append("the clerk's own draft card is not in its staff list (docs: it sees that card, name, СНИЛС)")
    leak("staff.csv", w.get("hr1", f"/orgs/{ORG0}/staff.csv").text)
    # the card is the clerk's: it may delete it, and leaves nothing changed behind
    r = w.delete("hr1", f"/persons/{pid}/employment/{card}")
    if r.status_code != 200:
        failures.append(f"deleting its own draft card: {r.status_code} {r.text[:200]}")
    if record_version(mx, pid) != person_before:
        failures.append(f"the person changed: {person_before} -> {record_version(mx, pid)}")
    assert not failures, "\n".join(failures)


def test_item4_document_row_grants_no_file(mx: Mx) -> None:
    """4. Naming a hash in a document row or a push's blobs grants nothing."""
    w = mx.w
    data, sha = pdf()
    assert w.client.put(f"/blobs/{sha}", content=data, headers=w.h("doctor2")).status_code == 201
    ghost_sha = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    failures = []
    df, _ = row_fields("document", "")
    res = push_one(w, "doctor", op("document", str(uuid.uuid4()), mx.p_doc, "create",
                                   df | {"blob_sha256": sha, "sha256": sha}, blobs=[sha]))
    twin = push_one(w, "doctor", op("document", str(uuid.uuid4()), mx.p_doc, "create",
                                    df | {"blob_sha256": ghost_sha, "sha256": ghost_sha}, blobs=[ghost_sha]))
    if res["status"] != "rejected":
        failures.append(f"a push naming someone else's file in blobs is {res['status']}")
    elif norm(without_op_id(res)) != norm(without_op_id(twin)):
        failures.append(f"naming someone else's file differs from naming a missing one: {res} vs {twin}")
    # the row without a blobs list: stored or not, it opens nothing
    push_one(w, "doctor", op("document", str(uuid.uuid4()), mx.p_doc, "create",
                             df | {"blob_sha256": sha, "sha256": sha}))
    for login in ("doctor", "hr1", "manager"):
        r, rt = w.get(login, f"/blobs/{sha}"), w.get(login, f"/blobs/{ghost_sha}")
        if r.status_code != 404 or norm(r.text) != norm(rt.text):
            failures.append(f"{login} reads a file named by the doctor's document row: {r.status_code}")
        h = w.client.head(f"/blobs/{sha}", headers=w.h(login))
        if h.status_code != 404:
            failures.append(f"HEAD by {login}: {h.status_code}")
    assert not failures, "\n".join(failures)


def test_item5_other_orgs_comments_and_history(mx: Mx) -> None:
    """5. A clerk of another organization reads neither the request comments nor the confirmation
    history of a card of ORG0, for a person it has only a draft card for."""
    w = mx.w
    pid, markers = new_person(mx, ORG0)
    # ORG1 only has a draft card for the person (filed by the operator for it)
    cf, _ = row_fields("employment", ORG1, "draft")
    assert push_one(w, "admin", op("employment", str(uuid.uuid4()), pid, "create", cf))["status"] == "applied"
    rec = w.get("admin", f"/persons/{pid}/record").json()["entities"]
    card = next(c["id"] for c in rec["employment"] if c["fields"]["org_inn"] == ORG0)
    r = w.post("admin", f"/orgs/{ORG0}/requests", json={"person_id": pid, "kind": "Запрос", "text": tok()})
    assert r.status_code == 201, r.text
    req = r.json()["id"]
    secret = tok()
    assert w.post("hr1", f"/requests/{req}/comments", json={"text": secret}).status_code == 201
    hist = tok()

    def tx(s: Session) -> None:
        s.add(Confirmation(id=str(uuid.uuid4()), employment_id=card, person_id=pid, org_inn=ORG0, blob_sha256="0" * 64,
                           doc_kind="order", doc_org_inn=ORG0, doc_org_name="x", doc_begin_date="2023-01-01",
                           doc_date="2023-01-01", status="rejected", comment=hist, created_at=time.time()))

    in_write_tx(mx.engine, tx)
    assert secret in w.get("hr1", f"/requests/{req}/comments").text
    assert hist in w.get("hr1", f"/employment/{card}/confirmations").text
    failures = []
    g = str(uuid.uuid4())
    for path, twin in ((f"/requests/{req}/comments", f"/requests/{g}/comments"),
                       (f"/employment/{card}/confirmations", f"/employment/{g}/confirmations")):
        r, rt = w.get("hr2", path), w.get("hr2", twin)
        if r.status_code != 404 or norm(r.text) != norm(rt.text):
            failures.append(f"hr2 GET {path}: {r.status_code} {r.text[:200]} (non-existent: {rt.status_code})")
        if {secret, hist, *markers} & set(MARKER_RE.findall(r.text)):
            failures.append(f"hr2 GET {path} leaks")
    assert not failures, "\n".join(failures)


def test_item6_permission_before_validation(mx: Mx) -> None:
    """6. Refusals do not confirm that a guessed id exists: permission before validation."""
    w = mx.w
    pid, _ = new_person(mx, ORG0)  # hidden from hr2 and the doctor, staff for hr1 and the manager
    rec = w.get("admin", f"/persons/{pid}/record").json()["entities"]
    card = rec["employment"][0]
    failures = []
    # a duplicate of the hidden person's ORG0 card, by hr2: the refusal must not be about the duplicate
    dup = dict(card["fields"])
    res = push_one(w, "hr2", op("employment", str(uuid.uuid4()), pid, "create", dup))
    txt = json.dumps(res, ensure_ascii=False)
    if res["status"] != "rejected" or "_permission" not in (res.get("errors") or {}) or "уже есть" in txt:
        failures.append(f"hr2 duplicating a hidden card: {txt[:300]}")
    # a create for a hidden person vs a person that does not exist
    for login in ("doctor", "hr2"):
        ef, _ = row_fields("education", ORG0)
        a = push_one(w, login, op("education", str(uuid.uuid4()), pid, "create", ef))
        b = push_one(w, login, op("education", str(uuid.uuid4()), str(uuid.uuid4()), "create", ef))
        if without_op_id(a) != without_op_id(b):
            failures.append(f"{login}: create for a hidden person {without_op_id(a)} vs a non-existent one "
                            f"{without_op_id(b)}")
        # an update with invalid values of a hidden row vs a non-existent id
        a = push_one(w, login, op("employment", card["id"], pid, "update", {"rate": "много", "zz": 1}, 1))
        b = push_one(w, login, op("employment", str(uuid.uuid4()), pid, "update", {"rate": "много", "zz": 1}, 1))
        if without_op_id(a) != without_op_id(b):
            failures.append(f"{login}: invalid update of a hidden card {without_op_id(a)} vs a non-existent one "
                            f"{without_op_id(b)}")
        ra = w.patch(login, f"/persons/{pid}/employment/{card['id']}", json={"fields": {"rate": "много"}})
        rb = w.patch(login, f"/persons/{pid}/employment/{uuid.uuid4()}", json={"fields": {"rate": "много"}})
        if ra.status_code != rb.status_code or norm(ra.text) != norm(rb.text):
            failures.append(f"{login}: PATCH with invalid values of a hidden card {ra.status_code} {ra.text[:150]} "
                            f"vs non-existent {rb.status_code} {rb.text[:150]}")
    # the read-only manager: invalid values on a row it may read are refused for rights, not values
    res = push_one(w, "manager", op("employment", card["id"], pid, "update", {"rate": "много"}, 1))
    if "_permission" not in (res.get("errors") or {}) or "rate" in (res.get("errors") or {}):
        failures.append(f"manager: invalid update of a staff card answers {res}")
    assert not failures, "\n".join(failures)


def _outsider(mx: Mx) -> tuple[str, str, dict[str, str], list[str]]:
    """A doctor with an account and no card anywhere: (login, person id, headers, markers)."""
    w = mx.w
    pid, markers = new_person(mx, None)
    login = "out" + uuid.uuid4().hex[:8]
    r = w.post("admin", "/admin/accounts", json={"login": login, "password": "Ab3$efghijkl" + "x", "role": "doctor",
                                                "person_id": pid})
    assert r.status_code == 201, r.text
    t = token_for(w.url, login)
    return login, pid, {"Authorization": f"Bearer {t['access_token']}", **SCHEMA_HEADER}, markers


def test_item7_outsider_card_is_not_staff(mx: Mx) -> None:
    """7. A doctor's own card «in» an organization is not its staff until confirmed."""
    w = mx.w
    _, pid, h, markers = _outsider(mx)
    snils = w.get("admin", f"/persons/{pid}/record").json()["entities"]["person"][0]["fields"]["snils"]
    summary_before = w.get("hr1", f"/orgs/{ORG0}/summary").json()
    cf, _ = row_fields("employment", ORG0, "draft")
    card = str(uuid.uuid4())
    assert push_one(w, "", op("employment", card, pid, "create", cf), headers=h)["status"] == "applied"
    failures = []
    for login in ("hr1", "manager"):
        staff = w.get(login, f"/orgs/{ORG0}/staff", params={"page_size": 500})
        if any(i["person_id"] == pid for i in staff.json()["items"]) or snils in staff.text:
            failures.append(f"{login}: the outsider's draft card puts it in the staff list")
        if snils in w.get(login, f"/orgs/{ORG0}/staff.csv").text:
            failures.append(f"{login}: the outsider is in the staff CSV")
        summary = w.get(login, f"/orgs/{ORG0}/summary").json()
        for k in ("persons", "cards"):
            if summary.get(k) != summary_before.get(k):
                failures.append(f"{login}: summary {k} {summary_before.get(k)} -> {summary.get(k)}")
        r = w.get(login, f"/persons/{pid}/record")
        if r.status_code != 404:
            failures.append(f"{login} reads the outsider's record: {r.status_code}")
        pulled = set(MARKER_RE.findall(w.get(login, "/sync/pull", params={"limit": 5000}).text))
        if pulled & set(markers):
            failures.append(f"{login}: the outsider's person row is in its pull")
    # asking for a confirmation: a pending confirmation for the organization, still not staff
    data, sha = pdf()
    assert w.client.put(f"/blobs/{sha}", content=data, headers=h).status_code == 201
    r = w.client.post(f"/employment/{card}/confirmations", headers=h, json={
        "blob_sha256": sha, "doc_kind": "order", "doc_org_inn": ORG0, "doc_org_name": cf["org_name"],
        "doc_begin_date": cf["begin_date"], "doc_date": _today()})
    assert r.status_code == 201, r.text
    pending = w.get("hr1", "/confirmations").json()["items"]
    if not any(c["employment_id"] == card for c in pending):
        failures.append("the outsider's confirmation request is not among hr1's pending confirmations")
    staff = w.get("hr1", f"/orgs/{ORG0}/staff", params={"page_size": 500})
    if any(i["person_id"] == pid for i in staff.json()["items"]):
        failures.append("a submitted (unconfirmed) card puts the outsider in the staff list")
    # the card is not the organization's: its clerk cannot change, close or delete it (hidden)
    version = mx.states([card])[card][0]
    g = str(uuid.uuid4())
    for kind, fields in (("update", {"subdivision": tok()}), ("delete", None)):
        a = push_one(w, "hr1", op("employment", card, pid, kind, fields, version))
        b = push_one(w, "hr1", op("employment", g, pid, kind, fields, version))
        if without_op_id(a) != without_op_id(b):
            failures.append(f"hr1 push {kind} of the outsider's card: {without_op_id(a)} vs unknown {without_op_id(b)}")
    for method, path, body in (("POST", "/employment/{}/close", {"end_date": "2025-01-31", "end_reason": "x"}),
                               ("DELETE", f"/persons/{pid}/employment/{{}}", None),
                               ("PATCH", f"/persons/{pid}/employment/{{}}", {"fields": {"subdivision": tok()}})):
        ra = call(w, "hr1", method, path.format(card), json=body)
        rb = call(w, "hr1", method, path.format(g), json=body)
        if ra.status_code != 404 or norm(ra.text) != norm(rb.text):
            failures.append(f"hr1 {method} {path}: {ra.status_code} {ra.text[:150]} vs unknown {rb.status_code}")
    if mx.states([card])[card][0] != version:
        failures.append("the outsider's card was changed by hr1")
    if w.get("hr1", f"/persons/{pid}/record").status_code != 404:
        failures.append("hr1 reads the outsider's record once it asked for a confirmation")
    assert not failures, "\n".join(failures)


def test_item8_confirmation_file_and_second_uploader(mx: Mx) -> None:
    """8. The clerk deciding a confirmation opens its file; a second uploader of the same bytes gets
    201 and may read and use the file."""
    w = mx.w
    _, pid, h, _ = _outsider(mx)
    cf, _ = row_fields("employment", ORG0, "draft")
    card = str(uuid.uuid4())
    assert push_one(w, "", op("employment", card, pid, "create", cf), headers=h)["status"] == "applied"
    data, sha = pdf()
    assert w.client.put(f"/blobs/{sha}", content=data, headers=h).status_code == 201
    r = w.client.post(f"/employment/{card}/confirmations", headers=h, json={
        "blob_sha256": sha, "doc_kind": "order", "doc_org_inn": ORG0, "doc_org_name": cf["org_name"],
        "doc_begin_date": cf["begin_date"], "doc_date": _today()})
    assert r.status_code == 201, r.text
    failures = []
    for login, code in (("hr1", 200), ("manager", 200), ("admin", 200), ("hr2", 404), ("doctor", 404)):
        got = w.get(login, f"/blobs/{sha}").status_code
        if got != code:
            failures.append(f"{login} GET the confirmation's file: {got}, expected {code}")
    # the same bytes uploaded again by someone else: 201, then theirs to read and use
    _, pid2, h2, _ = _outsider(mx)
    up = w.client.put(f"/blobs/{sha}", content=data, headers=h2)
    if up.status_code != 201:
        failures.append(f"second uploader of the same bytes: {up.status_code}, expected 201")
    if w.client.get(f"/blobs/{sha}", headers=h2).status_code != 200:
        failures.append("the second uploader cannot read the file it uploaded")
    cf2, _ = row_fields("employment", ORG1, "draft")
    card2 = str(uuid.uuid4())
    assert push_one(w, "", op("employment", card2, pid2, "create", cf2), headers=h2)["status"] == "applied"
    r = w.client.post(f"/employment/{card2}/confirmations", headers=h2, json={
        "blob_sha256": sha, "doc_kind": "order", "doc_org_inn": ORG1, "doc_org_name": cf2["org_name"],
        "doc_begin_date": cf2["begin_date"], "doc_date": _today()})
    if r.status_code != 201:
        failures.append(f"the second uploader cannot use the file in a confirmation request: {r.status_code} "
                        f"{r.text[:200]}")
    res = push_one(w, "", op("document", str(uuid.uuid4()), pid2, "create",
                             row_fields("document", "")[0] | {"blob_sha256": sha}, blobs=[sha]), headers=h2)
    if res["status"] != "applied":
        failures.append(f"the second uploader cannot name the file in a push: {res}")
    assert not failures, "\n".join(failures)


# --------------------------------------------------------------------------------------------
# The per-field and per-state rules of the change table
# --------------------------------------------------------------------------------------------

def _verdict(res: dict[str, Any]) -> str:
    if res["status"] == "rejected":
        return "perm" if "_permission" in (res.get("errors") or {}) else "invalid"
    return str(res["status"])


def test_field_and_state_rules(mx: Mx) -> None:
    """Status moves and operator-only fields (docs/security.md, Changing): who may set what."""
    w = mx.w
    own = mx.p_doc
    rec = w.get("admin", f"/persons/{own}/record").json()["entities"]
    confirmed_card = next(c for c in rec["employment"] if c["fields"].get("status") == "confirmed")
    decided_nmo = next(n for n in rec["nmo"] if n["fields"].get("status") == "confirmed")
    approved_app = next(a for a in rec["application"] if a["fields"].get("status") == "approved")

    def fresh(author: str, entity: str, pid: str, org: str, status: str | None = None) -> str:
        rid = str(uuid.uuid4())
        res = push_one(w, author, op(entity, rid, pid, "create", row_fields(entity, org, status)[0]))
        assert res["status"] == "applied", (author, entity, res)
        return rid

    staff, _ = new_person(mx, ORG0)
    cases: list[tuple[str, str, dict[str, Any], str]] = []

    def case(what: str, login: str, o: dict[str, Any], expect: str) -> None:
        cases.append((what, login, o, expect))

    # the doctor, own record
    card = fresh("admin", "employment", own, ORG0, "draft")
    case("doctor sets own draft card confirmed", "doctor", op("employment", card, own, "update",
                                                             {"status": "confirmed"}, 1), "perm")
    case("doctor sets own draft card rejected", "doctor", op("employment", card, own, "update",
                                                            {"status": "rejected"}, 1), "perm")
    card2 = fresh("admin", "employment", own, ORG0, "draft")
    case("doctor submits own draft card", "doctor", op("employment", card2, own, "update",
                                                      {"status": "submitted"}, 1), "applied")
    # docs/security.md: a doctor may withdraw a card not yet decided (submitted → draft)
    case("doctor moves own submitted card back to draft", "doctor", op("employment", card2, own, "update",
                                                                      {"status": "draft"}, 2), "applied")
    case("doctor edits own confirmed card", "doctor", op("employment", confirmed_card["id"], own, "update",
                                                        {"subdivision": tok()}, confirmed_card["version"]), "perm")
    case("doctor deletes own confirmed card", "doctor", op("employment", confirmed_card["id"], own, "delete",
                                                          None, confirmed_card["version"]), "perm")
    case("doctor creates a confirmed card", "doctor", op("employment", str(uuid.uuid4()), own, "create",
                                                        row_fields("employment", ORG0, "confirmed")[0]), "perm")
    nmo = fresh("admin", "nmo", own, ORG0, "pending")
    case("doctor confirms own НМО credits", "doctor", op("nmo", nmo, own, "update", {"status": "confirmed"}, 1),
         "perm")
    case("doctor edits decided НМО credits", "doctor", op("nmo", decided_nmo["id"], own, "update",
                                                         {"provider": tok()}, decided_nmo["version"]), "perm")
    case("doctor deletes decided НМО credits", "doctor", op("nmo", decided_nmo["id"], own, "delete", None,
                                                           decided_nmo["version"]), "perm")
    case("doctor creates confirmed НМО credits", "doctor", op("nmo", str(uuid.uuid4()), own, "create",
                                                             row_fields("nmo", ORG0, "confirmed")[0]), "perm")
    app = fresh("admin", "application", own, ORG0, "draft")
    case("doctor sets the confirmation number", "doctor", op("application", app, own, "update",
                                                            {"confirmation_number": "А-2025-123456"}, 1), "perm")
    case("doctor writes the decision comment", "doctor", op("application", app, own, "update",
                                                           {"decision_comment": "одобрено"}, 1), "perm")
    case("doctor approves own application", "doctor", op("application", app, own, "update",
                                                        {"status": "approved"}, 1), "perm")
    case("doctor edits an approved application", "doctor", op("application", approved_app["id"], own, "update",
                                                              {"kind": "primary"}, approved_app["version"]), "perm")
    case("doctor deletes an approved application", "doctor", op("application", approved_app["id"], own, "delete",
                                                               None, approved_app["version"]), "perm")
    req = fresh("admin", "request", own, ORG0)
    case("doctor acknowledges a request", "doctor", op("request", req, own, "update", {"status": "acknowledged"}, 1),
         "applied")
    case("doctor answers a request", "doctor", op("request", req, own, "update", {"status": "answered"}, 2),
         "applied")
    # docs/security.md: new → acknowledged → answered, forwards only
    case("doctor moves an answered request back to acknowledged", "doctor", op(
        "request", req, own, "update", {"status": "acknowledged"}, 3), "perm")
    case("doctor closes a request", "doctor", op("request", req, own, "update", {"status": "closed"}, 3), "perm")
    case("doctor rewrites a request's text", "doctor", op("request", req, own, "update", {"text": tok()}, 3), "perm")
    case("doctor deletes a request", "doctor", op("request", req, own, "delete", None, 3), "perm")
    case("doctor creates a request", "doctor", op("request", str(uuid.uuid4()), own, "create",
                                                 row_fields("request", ORG0)[0]), "perm")
    pv = int(rec["person"][0]["version"])
    case("doctor changes own СНИЛС", "doctor", op("person", own, own, "update", {"snils": new_snils()}, pv), "perm")
    # permission before conflict detection: a stale base changes nothing about the refusal
    case("doctor changes own СНИЛС on a stale base", "doctor", op("person", own, own, "update",
                                                                 {"snils": new_snils()}, 0), "perm")
    case("doctor deletes own person", "doctor", op("person", own, own, "delete", None, pv), "perm")
    # the HR clerk, ORG0
    hcard = fresh("hr1", "employment", staff, ORG0, "draft")
    case("hr1 confirms a card itself", "hr1", op("employment", hcard, staff, "update", {"status": "confirmed"}, 1),
         "perm")
    case("hr1 submits its draft card", "hr1", op("employment", hcard, staff, "update", {"status": "submitted"}, 1),
         "applied")
    case("hr1 moves its card to ORG1", "hr1", op("employment", hcard, staff, "update",
                                                {"org_inn": ORG1, "org_name": ORG_NAME[ORG1]}, 2), "perm")
    other_card = fresh("admin", "employment", staff, ORG1, "confirmed")
    case("hr1 moves a staff person's ORG1 card into ORG0", "hr1", op("employment", other_card, staff, "update",
                                                                   {"org_inn": ORG0, "org_name": ORG_NAME[ORG0]}, 1),
         "perm")
    case("hr1 deletes a staff person's ORG1 card", "hr1", op("employment", other_card, staff, "delete", None, 1),
         "perm")
    case("hr1 creates a card in ORG1", "hr1", op("employment", str(uuid.uuid4()), staff, "create",
                                                row_fields("employment", ORG1)[0]), "perm")
    case("hr1 creates a confirmed card", "hr1", op("employment", str(uuid.uuid4()), staff, "create",
                                                   row_fields("employment", ORG0, "confirmed")[0]), "perm")
    case("hr1 creates an ORG1 request", "hr1", op("request", str(uuid.uuid4()), staff, "create",
                                                 row_fields("request", ORG1)[0]), "perm")
    hreq = fresh("hr1", "request", staff, ORG0)
    case("hr1 moves its request to ORG1", "hr1", op("request", hreq, staff, "update",
                                                   {"org_inn": ORG1, "org_name": ORG_NAME[ORG1]}, 1), "perm")
    case("hr1 closes its request", "hr1", op("request", hreq, staff, "update", {"status": "closed"}, 1), "applied")
    case("hr1 deletes its request", "hr1", op("request", hreq, staff, "delete", None, 2), "perm")
    case("hr1 creates education for staff", "hr1", op("education", str(uuid.uuid4()), staff, "create",
                                                     row_fields("education", ORG0)[0]), "perm")
    g = str(uuid.uuid4())
    taken = person_fields()[0] | {"snils": w.accounts["doctor"]["snils"]}
    case("hr1 creates a person with a taken СНИЛС", "hr1", op("person", g, g, "create", taken), "invalid")
    failures = []
    # closing a staff person's card of the other organization: readable, not the clerk's to close
    r = w.post("hr1", f"/employment/{other_card}/close", json={"end_date": "2025-01-31", "end_reason": "x"})
    if r.status_code != 403:
        failures.append(f"hr1 closing an ORG1 card of its staff person: {r.status_code} {r.text[:200]}")
    res = push_one(w, "hr1", {"op_id": str(uuid.uuid4()), "counter": next(_SEQ), "op": "action",
                              "action": "close_employment", "entity": "employment", "entity_id": other_card,
                              "person_id": staff, "args": {"end_date": "2025-01-31", "end_reason": "x"}})
    if _verdict(res) != "perm":
        failures.append(f"hr1 close_employment action on an ORG1 card of its staff person: {res}")
    other_req = fresh("admin", "request", staff, ORG1)
    # docs/security.md: a request is readable only by its two sides, even about a shared person
    r = w.post("hr1", f"/requests/{other_req}/comments", json={"text": "Комментарий"})
    if r.status_code != 404:
        failures.append(f"hr1 commenting ORG1's request to its staff person: {r.status_code} {r.text[:200]}")
    for what, login, o, expect in cases:
        res = push_one(w, login, o)
        if _verdict(res) != expect:
            failures.append(f"{what}: expected {expect}, got {json.dumps(res, ensure_ascii=False)[:250]}")
    assert not failures, "\n".join(failures)


def test_hidden_id_under_another_person(mx: Mx) -> None:
    """A hidden row's id sent with the caller's own person_id answers as an unknown id does."""
    w = mx.w
    pid, markers = new_person(mx, ORG1)  # hidden from the doctor and hr1
    eid = str(uuid.uuid4())
    ef, em = row_fields("education", ORG1)
    assert push_one(w, "admin", op("education", eid, pid, "create", ef))["status"] == "applied"
    failures = []
    for login, own_pid in (("doctor", mx.p_doc), ("hr1", mx.bundle("hr1", "staff").pid)):
        for kind in ("update", "delete"):
            fields = {"qualification": tok()} if kind == "update" else None
            a = push_one(w, login, op("education", eid, own_pid, kind, fields, 1))
            b = push_one(w, login, op("education", str(uuid.uuid4()), own_pid, kind, fields, 1))
            if without_op_id(a) != without_op_id(b):
                failures.append(f"{login} {kind} of a hidden id under its own person: {without_op_id(a)} vs "
                                f"unknown id {without_op_id(b)}")
        # the hidden id under another entity (the caller's own person): as unknown as well
        a = push_one(w, login, op("nmo", eid, own_pid, "update", {"provider": tok()}, 1))
        b = push_one(w, login, op("nmo", str(uuid.uuid4()), own_pid, "update", {"provider": tok()}, 1))
        if without_op_id(a) != without_op_id(b):
            failures.append(f"{login} update of a hidden id as another entity: {without_op_id(a)} vs "
                            f"unknown id {without_op_id(b)}")
        a = push_one(w, login, op("education", eid, own_pid, "create", row_fields("education", ORG0)[0]))
        text = json.dumps(a, ensure_ascii=False)
        if a["status"] == "applied" or "theirs" in text or set(markers + em) & set(MARKER_RE.findall(text)):
            failures.append(f"{login} create with a hidden id under its own person: {text[:250]}")
    assert record_version(mx, eid) == (1, False)
    assert not failures, "\n".join(failures)


def test_reads_of_personal_data_are_journaled(mx: Mx) -> None:
    """Every answer that carries personal data leaves a read_personal_data entry for the caller."""
    w = mx.w
    b = mx.bundle("hr1", "staff")
    snils = w.get("admin", f"/persons/{b.pid}/record").json()["entities"]["person"][0]["fields"]["snils"]
    own_edu = w.get("doctor", "/record").json()["entities"]["education"][0]
    reads: list[tuple[str, str, Callable[[], httpx.Response], tuple[str, ...]]] = [
        ("hr1", "GET record", lambda: w.get("hr1", f"/persons/{b.pid}/record"), ("read_personal_data",)),
        ("doctor", "GET /record", lambda: w.get("doctor", "/record"), ("read_personal_data",)),
        ("hr1", "GET /persons?snils", lambda: w.get("hr1", "/persons", params={"snils": snils}),
         ("read_personal_data",)),
        ("manager", "GET staff", lambda: w.get("manager", f"/orgs/{ORG0}/staff"), ("read_personal_data",)),
        ("manager", "GET staff.csv", lambda: w.get("manager", f"/orgs/{ORG0}/staff.csv"),
         ("read_personal_data", "export")),
        ("hr2", "GET /sync/pull", lambda: w.get("hr2", "/sync/pull", params={"limit": 50}), ("read_personal_data",)),
        ("doctor", "GET /blobs", lambda: w.get("doctor", f"/blobs/{mx.own_blob['doctor']}"), ("read_personal_data",)),
        ("hr1", "GET confirmation history", lambda: w.get(
            "hr1", f"/employment/{b.rows[('employment', 'read')]}/confirmations"), ("read_personal_data",)),
        ("hr1", "GET request comments", lambda: w.get("hr1", f"/requests/{b.rows[('request', 'read')]}/comments"),
         ("read_personal_data",)),
        ("hr1", "GET /confirmations", lambda: w.get("hr1", "/confirmations", params={"status": ""}),
         ("read_personal_data",)),
        ("admin", "GET /admin/applications", lambda: w.get("admin", "/admin/applications"), ("read_personal_data",)),
        ("admin", "GET /admin/nmo", lambda: w.get("admin", "/admin/nmo"), ("read_personal_data",)),
        ("admin", "GET enrolments", lambda: w.get("admin", f"/programmes/{mx.programme}/enrolments"),
         ("read_personal_data",)),
        ("doctor", "push conflict carrying theirs", lambda: w.post("doctor", "/sync/push", json={
            "client_id": str(uuid.uuid4()), "ops": [op("education", own_edu["id"], mx.p_doc, "create",
                                                      row_fields("education", ORG0)[0])]}), ("read_personal_data",)),
    ]
    # an answer with nobody in it carries no personal data: make sure each list has someone
    assert w.post("doctor", f"/programmes/{mx.programme}/enrol").status_code in (201, 409)
    failures = []
    for login, what, fn, actions in reads:
        before = sum(audit_count(mx, login, a) for a in actions)
        r = fn()
        assert r.status_code == 200, (what, r.status_code, r.text[:200])
        if sum(audit_count(mx, login, a) for a in actions) <= before:
            failures.append(f"{what} by {login}: no {'/'.join(actions)} entry")
    assert not failures, "\n".join(failures)


def test_lists_are_scoped(mx: Mx) -> None:
    """Lists carry only the caller's organizations (no relation to a row can widen them)."""
    w = mx.w
    failures = []
    for login in ("hr1", "hr2", "manager"):
        items = w.get(login, "/confirmations", params={"status": "", "limit": 500}).json()["items"]
        foreign = [c["id"] for c in items if c["org_inn"] not in ORGS[login]]
        if foreign:
            failures.append(f"{login} GET /confirmations lists {len(foreign)} of other organizations")
        orgs = [o["inn"] for o in w.get(login, "/orgs").json()["organizations"]]
        if set(orgs) != set(ORGS[login]):
            failures.append(f"{login} GET /orgs: {orgs}")
    for login in ("doctor", "doctor2"):
        if w.get(login, "/orgs").json()["organizations"]:
            failures.append(f"{login} GET /orgs lists organizations")
    assert not failures, "\n".join(failures)


def _pulled_state(w: World, login: str) -> dict[str, dict[str, Any]]:
    """/sync/state computed from the caller's whole pull (from an empty cursor)."""
    rows: dict[str, tuple[str, int | None, bool]] = {}
    cursor = ""
    while True:
        page = w.get(login, "/sync/pull", params={"cursor": cursor, "limit": 5000}).json()
        for ch in page["changes"]:
            if ch.get("scope_exit"):
                continue
            rows[ch["id"]] = (ch["entity"], ch["version"], bool(ch["deleted"]))
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    lines: dict[str, list[str]] = {name: [] for name in ENTITIES}
    for rid, (entity, version, deleted) in rows.items():
        if not deleted:
            lines[entity].append(f"{rid}:{version}\n")
    return {e: {"count": len(v), "checksum": hashlib.sha256("".join(sorted(v)).encode()).hexdigest()}
            for e, v in lines.items()}


def test_state_follows_the_read_rule(mx: Mx) -> None:
    """/sync/state counts exactly the rows the pull shows (and the pull is marker-checked above)."""
    w = mx.w
    failures = []
    for login in LOGINS:
        state = w.get(login, "/sync/state").json()["entities"]
        pulled = _pulled_state(w, login)
        for entity in ENTITIES:
            if state.get(entity) != pulled[entity]:
                failures.append(f"{login} {entity}: state {state.get(entity)} vs pull {pulled[entity]}")
        leaked = mx.leaks(login, json.dumps(state))
        if leaked:
            failures.append(f"{login} state leaks {leaked}")
    assert not failures, "\n".join(failures)


def test_confirmation_follows_the_card(mx: Mx) -> None:
    """A card moved to another organization after its confirmation was requested cannot be
    confirmed by the first organization (nor does the move make anyone staff)."""
    w = mx.w
    _, pid, h, markers = _outsider(mx)
    cf, _ = row_fields("employment", ORG0, "draft")
    card = str(uuid.uuid4())
    assert push_one(w, "", op("employment", card, pid, "create", cf), headers=h)["status"] == "applied"
    data, sha = pdf()
    assert w.client.put(f"/blobs/{sha}", content=data, headers=h).status_code == 201
    r = w.client.post(f"/employment/{card}/confirmations", headers=h, json={
        "blob_sha256": sha, "doc_kind": "order", "doc_org_inn": ORG0, "doc_org_name": cf["org_name"],
        "doc_begin_date": cf["begin_date"], "doc_date": _today()})
    assert r.status_code == 201, r.text
    conf = r.json()["id"]
    version = mx.states([card])[card][0]
    moved = push_one(w, "", op("employment", card, pid, "update", {"org_inn": ORG1, "org_name": ORG_NAME[ORG1]},
                               version), headers=h)
    failures = []
    d = w.post("hr1", f"/confirmations/{conf}/decision", json={"decision": "confirm"})
    if d.status_code == 200:
        failures.append(f"hr1 confirmed a card that is now in ORG1 (move answered {moved['status']})")
    rec = w.get("admin", f"/persons/{pid}/record").json()["entities"]["employment"]
    if any(c["fields"].get("status") == "confirmed" for c in rec):
        failures.append("the outsider has a confirmed card without its organization's decision")
    for login in ("hr1", "hr2", "manager"):
        if w.get(login, f"/persons/{pid}/record").status_code != 404:
            failures.append(f"{login} reads the outsider's record")
        if set(markers) & set(MARKER_RE.findall(w.get(login, "/sync/pull", params={"limit": 5000}).text)):
            failures.append(f"{login} pulls the outsider's person row")
    assert not failures, "\n".join(failures)


def test_staff_scope_is_a_live_confirmed_card(mx: Mx) -> None:
    """Closing a card (an end date) keeps the person on the organization's staff; deleting the last
    confirmed card ends the organization's reading of the record."""
    w = mx.w
    pid, _ = new_person(mx, ORG0)
    card = w.get("admin", f"/persons/{pid}/record").json()["entities"]["employment"][0]["id"]
    r = w.post("hr1", f"/employment/{card}/close", json={"end_date": "2025-01-31", "end_reason": "увольнение"})
    assert r.status_code == 200, r.text
    failures = []
    if w.get("hr1", f"/persons/{pid}/record").status_code != 200:
        failures.append("a closed (ended) confirmed card no longer lets hr1 read the record")
    r = w.delete("hr1", f"/persons/{pid}/employment/{card}")
    if r.status_code != 200:
        failures.append(f"hr1 deleting its organization's confirmed card: {r.status_code} {r.text[:200]}")
    r = w.get("hr1", f"/persons/{pid}/record")
    if r.status_code != 404:
        failures.append(f"hr1 still reads the record after the last confirmed card is gone: {r.status_code}")
    pulled = w.get("hr1", "/sync/pull", params={"limit": 5000}).json()
    if not any(c.get("scope_exit") and c["id"] == pid for c in pulled["changes"]):
        failures.append("no scope exit for the person in hr1's pull")
    # what the person's record gets afterwards never reaches the clerk, from any cursor
    ef, em = row_fields("education", ORG1)
    assert push_one(w, "admin", op("education", str(uuid.uuid4()), pid, "create", ef))["status"] == "applied"
    ph = phone()
    pv = mx.states([pid])[pid][0]
    assert push_one(w, "admin", op("person", pid, pid, "update", {"phone": ph}, pv))["status"] == "applied"
    for cursor in ("", pulled["cursor"]):
        text = w.get("hr1", "/sync/pull", params={"cursor": cursor, "limit": 5000}).text
        if {*em, ph[1:]} & set(MARKER_RE.findall(text)):
            failures.append(f"hr1 pulls the former employee's new data (cursor {'empty' if not cursor else 'kept'})")
    assert not failures, "\n".join(failures)


def test_reply_file_readers(mx: Mx) -> None:
    """A file attached to a reply to ORG0's request: the worker, ORG0's HR clerks and managers (the
    request is their organization's), the operator; not ORG1."""
    w = mx.w
    rf, _ = row_fields("request", ORG0)
    req = str(uuid.uuid4())
    assert push_one(w, "admin", op("request", req, mx.p_doc, "create", rf))["status"] == "applied"
    data, sha = pdf()
    assert w.client.put(f"/blobs/{sha}", content=data, headers=w.h("doctor")).status_code == 201
    r = w.post("doctor", f"/requests/{req}/answer", json={"text": "Ответ", "blob_sha256": sha})
    assert r.status_code == 200, r.text
    got = {login: w.get(login, f"/blobs/{sha}").status_code for login in LOGINS}
    want = {"doctor": 200, "hr1": 200, "admin": 200, "hr2": 404, "manager": 200}
    assert got == want, f"readers of a reply's file: {got}, docs/security.md: {want}"


def test_naming_a_hash_in_a_workflow_grants_nothing(mx: Mx) -> None:
    """A reply or a confirmation request naming someone else's file is refused as for a file that
    does not exist, and opens the file to nobody (docs/security.md, Files)."""
    w = mx.w
    data, sha = pdf()
    assert w.client.put(f"/blobs/{sha}", content=data, headers=w.h("doctor2")).status_code == 201
    ghost_sha = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    failures = []
    # a reply to ORG0's request
    rf, _ = row_fields("request", ORG0)
    req = str(uuid.uuid4())
    assert push_one(w, "admin", op("request", req, mx.p_doc, "create", rf))["status"] == "applied"
    ra = w.post("doctor", f"/requests/{req}/answer", json={"text": "Ответ", "blob_sha256": sha})
    rb = w.post("doctor", f"/requests/{req}/answer", json={"text": "Ответ", "blob_sha256": ghost_sha})
    if ra.status_code < 400 or ra.status_code != rb.status_code or norm(ra.text) != norm(rb.text):
        failures.append(f"reply naming doctor2's file: {ra.status_code} {ra.text[:150]} vs a missing file "
                        f"{rb.status_code} {rb.text[:150]}")
    # a confirmation request for the doctor's own draft card
    cf, _ = row_fields("employment", ORG0, "draft")
    card = str(uuid.uuid4())
    assert push_one(w, "admin", op("employment", card, mx.p_doc, "create", cf))["status"] == "applied"
    body = {"doc_kind": "order", "doc_org_inn": ORG0, "doc_org_name": cf["org_name"],
            "doc_begin_date": cf["begin_date"], "doc_date": _today()}
    ca = w.post("doctor", f"/employment/{card}/confirmations", json=body | {"blob_sha256": sha})
    cb = w.post("doctor", f"/employment/{card}/confirmations", json=body | {"blob_sha256": ghost_sha})
    if ca.status_code < 400 or ca.status_code != cb.status_code or norm(ca.text) != norm(cb.text):
        failures.append(f"confirmation naming doctor2's file: {ca.status_code} {ca.text[:150]} vs a missing file "
                        f"{cb.status_code} {cb.text[:150]}")
    # the same through push actions, with and without the op's blobs list
    req2 = str(uuid.uuid4())
    assert push_one(w, "admin", op("request", req2, mx.p_doc, "create", rf))["status"] == "applied"
    for blobs in (True, False):
        pair = []
        for h in (sha, ghost_sha):
            o = {"op_id": str(uuid.uuid4()), "counter": next(_SEQ), "op": "action", "action": "answer_request",
                 "entity": "request", "entity_id": req2, "person_id": mx.p_doc,
                 "args": {"text": "Ответ", "blob_sha256": h, "status": "answered"}}
            if blobs:
                o["blobs"] = [h]
            pair.append(push_one(w, "doctor", o))
        if pair[0]["status"] != "rejected" or norm(without_op_id(pair[0])) != norm(without_op_id(pair[1])):
            failures.append(f"answer_request action naming doctor2's file (blobs list: {blobs}): {pair[0]} vs "
                            f"a missing file {pair[1]}")
    for login in ("doctor", "hr1", "manager", "hr2"):
        got = w.get(login, f"/blobs/{sha}").status_code
        if got != 404:
            failures.append(f"{login} reads doctor2's file after the doctor named it in a workflow: {got}")
    # a new person whose id is a hidden row's id (another entity): no conflict, nothing of the row
    pid, markers = new_person(mx, ORG1)
    eid = str(uuid.uuid4())
    ef, em = row_fields("education", ORG1)
    assert push_one(w, "admin", op("education", eid, pid, "create", ef))["status"] == "applied"
    res = push_one(w, "hr1", op("person", eid, eid, "create", person_fields()[0]))
    text = json.dumps(res, ensure_ascii=False)
    if res["status"] != "rejected" or "theirs" in text or set(markers + em) & set(MARKER_RE.findall(text)):
        failures.append(f"hr1 creating a person with a hidden education row's id: {text[:250]}")
    assert not failures, "\n".join(failures)


# --------------------------------------------------------------------------------------------
# Workflow actions carried by /sync/push (op = "action", docs/actions.md): the same decisions
# as their REST routes, so the table is theirs
# --------------------------------------------------------------------------------------------

#: action -> (entity of the target, bundle row purpose or "conf"/"programme", the REST route whose
#: decision it shares, args)
ACTION_TABLE: dict[str, tuple[str, str, tuple[str, str], Callable[[Mx, str, Target], dict[str, Any]]]] = {
    "submit_application": ("application", "a-submit", ("POST", "/applications/{row_id}/submit"),
                           lambda m, lg, t: {}),
    "answer_request": ("request", "a-answer", ("POST", "/requests/{row_id}/answer"),
                       lambda m, lg, t: {"text": "Ответ", "status": "answered"}),
    "request_confirmation": ("employment", "a-confirm", ("POST", "/employment/{row_id}/confirmations"),
                             _confirmation_body),
    "close_employment": ("employment", "a-close", ("POST", "/employment/{row_id}/close"),
                         lambda m, lg, t: {"end_date": "2025-01-31", "end_reason": "увольнение"}),
    "decide_application": ("application", "a-decide", ("POST", "/admin/applications/{row_id}/decision"),
                           lambda m, lg, t: {"status": "in_review"}),
    "decide_nmo": ("nmo", "a-decide", ("POST", "/admin/nmo/{row_id}/decision"),
                   lambda m, lg, t: {"status": "rejected"}),
    "decide_confirmation": ("confirmation", "conf", ("POST", "/confirmations/{conf_id}/decision"),
                            lambda m, lg, t: {"decision": "reject", "comment": "Документ не читается"}),
    "enrol": ("programme", "programme", ("POST", "/programmes/{programme_id}/enrol"), lambda m, lg, t: {}),
    "cancel_enrolment": ("programme", "programme", ("POST", "/programmes/{programme_id}/cancel"),
                         lambda m, lg, t: {}),
}
#: the op kinds the push matrix covers: edits in test_push_matrix, actions here
OP_KINDS = (*KINDS, "action")


def test_every_push_op_kind_and_action_is_in_the_matrix() -> None:
    """A new kind of push op or a new action of the wire contract fails here until it is tabled."""
    from typing import get_args

    from desktop.sync.wire import ACTIONS, OpKind

    assert set(get_args(OpKind)) == set(OP_KINDS), f"push op kinds {get_args(OpKind)} vs the matrix's {OP_KINDS}"
    assert set(ACTIONS) == set(ACTION_TABLE), f"actions {sorted(ACTIONS)} vs the matrix's {sorted(ACTION_TABLE)}"
    for name, spec in ACTIONS.items():
        assert spec.entity == ACTION_TABLE[name][0], (name, spec.entity)


def action_op(name: str, entity: str, eid: str, pid: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"op_id": str(uuid.uuid4()), "counter": next(_SEQ), "op": "action", "action": name, "entity": entity,
            "entity_id": eid, "person_id": pid, "args": args}


def action_targets(mx: Mx, login: str, name: str) -> list[tuple[Target, Target, str | None]]:
    """(existing target, non-existent twin, the row whose version must not move when refused)."""
    entity, purpose, _route, _args = ACTION_TABLE[name]
    out: list[tuple[Target, Target, str | None]] = []
    if entity == "programme":
        return [(Target("any", True, {"id": mx.programme2}, pid=mx.p_doc, entity=entity),
                 Target("any", False, {"id": ghost()}, pid=mx.p_doc, entity=entity), None)]
    for rel in RELATIONS[login]:
        b = mx.bundle(login, rel)
        if entity == "confirmation":
            card = mx.rows.get(b.rows[("employment", "a-decide")])
            if card is None or not b.aconf:
                continue
            role = ROLE[login]
            allowed = role == "admin" or (role == "hr" and card.org in ORGS[login])
            vis = role == "admin" or (role in ("hr", "manager") and card.org in ORGS[login]) or (
                role == "doctor" and mx.may_read(login, card))
            out.append((Target(rel, True, {"id": b.aconf}, card, card.pid, entity=entity, visible=vis, allowed=allowed),
                        Target(rel, False, {"id": ghost()}, None, card.pid, entity=entity), card.id))
            continue
        row = mx.rows.get(b.rows[(entity, purpose)])
        if row is None:
            continue
        out.append((Target(rel, True, {"id": row.id, "row_id": row.id}, row, row.pid, entity=entity),
                    Target(rel, False, {"id": ghost(), "row_id": ""}, None, row.pid, entity=entity), row.id))
    return out


def test_push_action_matrix(mx: Mx) -> None:
    """Every action × role × relation × existing/non-existent target, through /sync/push: allowed →
    applied; refused on a readable target → _permission; on an unreadable one → exactly the answer
    for a target that does not exist; nothing of an unreadable row in any answer."""
    violations: list[str] = []
    cells = 0
    seen: dict[str, int] = {}
    for login in LOGINS:
        batch: list[tuple[str, Target, Target, str | None, dict[str, Any], dict[str, Any], str, bool]] = []
        for name, (entity, _purpose, route_key, args) in ACTION_TABLE.items():
            route = ROUTES[route_key]
            assert route.visible is not None
            for ex, tw, watch in action_targets(mx, login, name):
                allowed = route.allow(mx, login, ex)
                visible = route.visible(mx, login, ex)
                expect = "applied" if allowed else ("perm" if visible else "hidden")
                a = args(mx, login, ex)
                batch.append((name, ex, tw, watch, action_op(name, entity, ex.ids["id"], ex.pid, a),
                              action_op(name, entity, tw.ids["id"], tw.pid, a), expect, visible))
        watched = [x[3] for x in batch if x[3]]
        before = mx.states(watched)
        ops = [o for x in batch for o in (x[5], x[4])]  # the twin first, as on REST
        r = mx.w.post(login, "/sync/push", json={"client_id": str(uuid.uuid4()), "ops": ops})
        assert r.status_code == 200, f"push of actions by {login}: {r.status_code} {r.text[:400]}"
        results = r.json()["results"]
        after = mx.states(watched)
        leaked = mx.leaks(login, r.text)
        if leaked:
            violations.append(f"action push answer to {login} leaks {leaked}")
        for i, (name, ex, _tw, watch, _o, _to, expect, _vis) in enumerate(batch):
            tres, res = results[2 * i], results[2 * i + 1]
            cells += 2
            seen[expect] = seen.get(expect, 0) + 1
            where = f"action {name} by {login}, {ex.rel}"
            st, errors = res.get("status"), res.get("errors") or {}
            text = json.dumps(res, ensure_ascii=False)
            if tres.get("status") != "rejected":
                violations.append(f"{where}, non-existent target: not rejected: {json.dumps(tres)[:200]}")
            if expect == "applied" and st != "applied":
                violations.append(f"{where}: allowed, got {text[:250]}")
            elif expect == "perm" and not (st == "rejected" and "_permission" in errors):
                violations.append(f"{where}: readable but not allowed, expected _permission, got {text[:250]}")
            elif expect == "hidden" and without_op_id(res) != without_op_id(tres):
                violations.append(f"{where}: unreadable target answered {without_op_id(res)[:200]} vs non-existent "
                                  f"{without_op_id(tres)[:200]}")
            if expect != "applied" and watch and before.get(watch) != after.get(watch):
                violations.append(f"{where}: refused, yet the row changed {before.get(watch)} -> {after.get(watch)}")
    print(f"push action matrix: {cells} cells, existing targets {seen}")
    assert cells >= 2 * len(ACTION_TABLE) * len(LOGINS)
    assert not violations, f"{len(violations)} action cells violate docs/security.md:\n" + "\n".join(violations)
