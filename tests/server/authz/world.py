"""The matrix's world: bundles of rows per (caller, relation) created through the API, and what
the test knows about them (``Mx``: the decision table over those rows)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from desktop.models.schema import CHILD_ENTITIES
from server.db import in_write_tx
from server.models import Confirmation, Record, RequestComment
from server.testing import token_for
from tests.server.authz.table import LOGINS, ORG0, ORG1, RELATIONS, ROLE, FPerson, FRow, Table
from tests.server.authz.values import MARKER_RE, create_org, op, pdf, person_fields, row_fields, tok
from tests.server.conftest import World

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
        # the journal test's own: it leaves the doctor enrolled, which the REST matrix's enrol in
        # ``programme`` (201 expected) must not meet, whichever of the two modules runs first
        r = self.w.post("admin", "/programmes", json={
            "title": "Матрица прав: журнал", "format": "distance", "hours": 36, "begin_date": "2031-01-01",
            "end_date": "2031-02-01", "seats": 50})
        self.journal_programme = str(r.json().get("id", uuid.uuid4())) if r.status_code == 201 else str(uuid.uuid4())

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
