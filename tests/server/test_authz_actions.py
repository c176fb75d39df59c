"""Authorization of workflow actions sent through /sync/push (docs/actions.md), cell by cell:
every action × role × relation of the target to the caller (readable / not readable /
non-existent), on SQLite and PostgreSQL — and the same cell through the action's REST endpoint.

The expectations are stated here from docs/security.md, not computed by the server:
- a role the action is not for → ``rejected`` with ``_permission`` (REST 403), whatever the target;
- the target not readable by the caller → byte for byte the answer for a non-existent target
  (REST: the same 404 body);
- readable → ``applied`` (REST 2xx), and the push answer carries the action's result;
- a refused action changes nothing (row versions, confirmation requests, seats).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from desktop.demo import DEMO_ORGS
from desktop.models.checkdigits import make_snils
from desktop.sync.wire import ACTIONS
from server.db import in_write_tx
from server.feed import Writer
from server.models import Confirmation, Programme, Record
from server.testing import SCHEMA_HEADER
from tests.server.conftest import World

ORG0 = str(DEMO_ORGS[0]["org_inn"])  # hr1, manager
ORG1 = str(DEMO_ORGS[1]["org_inn"])  # hr2
ORG_NAME = {str(o["org_inn"]): str(o["org_name"]) for o in DEMO_ORGS}
LOGINS = ("doctor", "hr1", "manager", "admin")
ROLE = {"doctor": "doctor", "hr1": "hr", "manager": "manager", "admin": "admin"}
PDF = b"%PDF-1.4\n% authz actions\n%%EOF\n"
SHA = hashlib.sha256(PDF).hexdigest()
TODAY = time.strftime("%Y-%m-%d")

ARGS: dict[str, dict[str, Any]] = {
    "submit_application": {},
    "answer_request": {"text": "Ответ", "status": "answered"},
    "request_confirmation": {"blob_sha256": SHA, "doc_kind": "contract", "doc_org_inn": ORG0,
                             "doc_org_name": ORG_NAME[ORG0], "doc_begin_date": "2015-01-12", "doc_date": TODAY},
    "enrol": {},
    "cancel_enrolment": {},
    "decide_confirmation": {"decision": "reject", "comment": "Документ нечитаем"},
    "decide_application": {"status": "in_review"},
    "decide_nmo": {"status": "confirmed"},
    "close_employment": {"end_date": "2024-02-01", "end_reason": "Увольнение"},
}
REST: dict[str, str] = {
    "submit_application": "/applications/{}/submit",
    "answer_request": "/requests/{}/answer",
    "request_confirmation": "/employment/{}/confirmations",
    "enrol": "/programmes/{}/enrol",
    "cancel_enrolment": "/programmes/{}/cancel",
    "decide_confirmation": "/confirmations/{}/decision",
    "decide_application": "/admin/applications/{}/decision",
    "decide_nmo": "/admin/nmo/{}/decision",
    "close_employment": "/employment/{}/close",
}


class Fixtures:
    """Fresh targets for each cell, written straight into the server's database."""

    def __init__(self, w: World) -> None:
        self.w = w
        self.n = int(uuid.uuid4().int % 10**6)
        from server.db import make_engine

        self.engine = make_engine(w.url)

    def _put(self, recs: list[Record], extra: list[Any] | None = None) -> None:
        def tx(s: Session) -> None:
            wr = Writer(s, None)
            for r in recs:
                wr.touch(r)
            wr.finish()
            for e in extra or []:
                s.add(e)

        in_write_tx(self.engine, tx)

    @staticmethod
    def _rec(entity: str, pid: str, data: dict[str, Any], rid: str | None = None,
             author_org: str | None = None) -> Record:
        return Record(id=rid or str(uuid.uuid4()), entity=entity, person_id=pid, version=1, data=data,
                      field_versions={k: 1 for k in data}, field_clients={}, author_org=author_org)

    def person(self, org: str) -> str:
        """A person with a confirmed card in ``org`` (staff of that organization's clerk)."""
        self.n += 1
        pid = str(uuid.uuid4())
        self._put([self._rec("person", pid, {
            "snils": make_snils(f"{200_000_000 + self.n % 700_000_000:09d}"), "last_name": "Проверкина",
            "first_name": "Анна", "gender": "female", "birth_date": "1985-05-05", "citizenship": "643"}, rid=pid),
            self._card(pid, org, "confirmed")])
        return pid

    def _card(self, pid: str, org: str, status: str) -> Record:
        # a begin date of its own: two cards of one person in one organization from the same day
        # are a duplicate the validation refuses
        self.n += 1
        begin = (dt.date(1990, 1, 1) + dt.timedelta(days=self.n % 12000)).isoformat()
        return Fixtures._rec("employment", pid, {
            "org_name": ORG_NAME[org], "org_inn": org, "position_code": "4", "position_type": "main",
            "contract_kind": "labor", "rate": "1", "begin_date": begin, "status": status})

    def target(self, action: str, pid: str, org: str) -> str:
        """A target of ``action`` belonging to person ``pid`` (organization ``org``), in the state
        the action starts from."""
        if action in ("enrol", "cancel_enrolment"):
            prog = str(uuid.uuid4())
            self._put([], [Programme(id=prog, title="Программа", format="distance", hours=36,
                                     begin_date="2030-01-10", end_date="2030-01-20", seats=3, free_seats=3)])
            return prog
        if action in ("submit_application", "decide_application"):
            rec = self._rec("application", pid, {"kind": "periodic", "specialty_code": "36", "status":
                                                 "draft" if action == "submit_application" else "submitted"})
        elif action == "answer_request":
            rec = self._rec("request", pid, {"org_name": ORG_NAME[org], "org_inn": org, "kind": "справка",
                                             "received_at": "2024-03-01", "status": "new"}, author_org=org)
        elif action == "decide_nmo":
            rec = self._rec("nmo", pid, {"event_date": "2024-02-01", "kind": "iom", "title": "Модуль",
                                         "credits": "2", "status": "pending"})
        elif action in ("request_confirmation", "close_employment"):
            rec = self._card(pid, org, "draft" if action == "request_confirmation" else "confirmed")
        else:  # decide_confirmation: a pending request about a submitted card
            card = self._card(pid, org, "submitted")
            conf = Confirmation(id=str(uuid.uuid4()), employment_id=card.id, person_id=pid, org_inn=org,
                                blob_sha256=SHA, doc_kind="contract", doc_org_inn=org, doc_org_name=ORG_NAME[org],
                                doc_begin_date="2015-01-12", doc_date=TODAY, status="pending", errors=[],
                                created_at=time.time())
            self._put([card], [conf])
            return conf.id
        self._put([rec])
        return rec.id

    def state(self, action: str, target: str) -> Any:
        """What a refused action must leave unchanged."""
        with Session(self.engine) as s:
            if action in ("enrol", "cancel_enrolment"):
                prog = s.get(Programme, target)
                return None if prog is None else prog.free_seats
            if action == "decide_confirmation":
                c = s.get(Confirmation, target)
                return None if c is None else c.status
            rec = s.get(Record, target)
            n = s.execute(sa.select(sa.func.count()).select_from(Confirmation)
                          .where(Confirmation.employment_id == target)).scalar_one()  # type: ignore[arg-type]
            return None if rec is None else (rec.version, n)


def _push(w: World, login: str, action: str, target: str, pid: str) -> dict[str, Any]:
    op = {"op_id": str(uuid.uuid4()), "op": "action", "action": action, "entity": ACTIONS[action].entity,
          "entity_id": target, "person_id": pid, "args": ARGS[action], "blobs": []}
    r = w.post(login, "/sync/push", json={"client_id": str(uuid.uuid4()), "ops": [op]})
    assert r.status_code == 200, r.text
    [res] = r.json()["results"]
    res.pop("op_id")
    return dict(res)


def _rest(w: World, login: str, action: str, target: str) -> tuple[int, Any]:
    r = w.post(login, REST[action].format(target), json=ARGS[action])
    return r.status_code, r.json()


def test_every_action_role_relation(shared_world: World) -> None:
    w = shared_world
    fx = Fixtures(w)
    for login in ("doctor", "admin"):  # every login may read the file the confirmation requests name
        r = w.client.put(f"/blobs/{SHA}", content=PDF, headers={**w.h(login), "Content-Type": "application/pdf"})
        assert r.status_code in (200, 201), r.text
    own = w.person_id("doctor")
    staff0 = fx.person(ORG0)  # staff of hr1 and the manager
    staff1 = fx.person(ORG1)  # staff of hr2 only
    failures: list[str] = []
    cells = 0
    for action, spec in ACTIONS.items():
        for login in LOGINS:
            role = ROLE[login]
            # (relation, person, organization): readable by the caller, and not readable
            readable = {"doctor": (own, ORG0), "hr1": (staff0, ORG0), "manager": (staff0, ORG0),
                        "admin": (staff1, ORG1)}[login]
            hidden = None if role == "admin" else ((staff0, ORG0) if role == "doctor" else (staff1, ORG1))
            if action in ("enrol", "cancel_enrolment"):
                hidden = None  # every programme of the catalogue is public
            allowed = role in spec.roles
            missing_id = str(uuid.uuid4())
            missing = _push(w, login, action, missing_id, missing_id)
            missing_rest = _rest(w, login, action, str(uuid.uuid4()))
            for relation, owner in (("readable", readable), ("hidden", hidden)):
                if owner is None:
                    continue
                cells += 1
                where = f"{action} × {login} × {relation}"
                t_push, t_rest = fx.target(action, *owner), fx.target(action, *owner)
                before = (fx.state(action, t_push), fx.state(action, t_rest))
                got = _push(w, login, action, t_push, owner[0])
                code, body = _rest(w, login, action, t_rest)
                after = (fx.state(action, t_push), fx.state(action, t_rest))
                if not allowed:
                    ok = set(got.get("errors") or {}) == {"_permission"} and code == 403 and got == missing
                elif relation == "hidden":
                    ok = (got == missing and got["status"] == "rejected" and set(got["errors"]) == {"entity_id"}
                          and (code, body) == missing_rest and code == 404)
                else:
                    ok = got["status"] == "applied" and isinstance(got.get("result"), dict) and code in (200, 201)
                if ok and (not allowed or relation == "hidden") and before != after:
                    ok = False
                    where += f" (changed: {before} → {after})"
                if not ok:
                    failures.append(f"{where}: push {json.dumps(got, ensure_ascii=False)[:200]}, REST {code}")
    assert cells >= 40
    assert not failures, "\n".join(failures)


def test_a_resent_action_returns_the_recorded_answer(shared_world: World) -> None:
    """Exactly once at the server: the same op twice (two batches, and twice in one batch) —
    one confirmation number, the row bumped once, the same answer each time."""
    w = shared_world
    fx = Fixtures(w)
    pid = w.person_id("doctor")
    app = fx.target("submit_application", pid, ORG0)
    op = {"op_id": str(uuid.uuid4()), "op": "action", "action": "submit_application", "entity": "application",
          "entity_id": app, "person_id": pid, "args": {}}
    cid = str(uuid.uuid4())
    first = w.post("doctor", "/sync/push", json={"client_id": cid, "ops": [op, op]}).json()["results"]
    again = w.post("doctor", "/sync/push", json={"client_id": cid, "ops": [op]}).json()["results"]
    assert first[0] == first[1] == again[0]
    assert first[0]["status"] == "applied" and first[0]["version"] == 2
    with Session(fx.engine) as s:
        rec = s.get(Record, app)
        assert rec is not None and rec.version == 2
        assert rec.data["confirmation_number"] == first[0]["result"]["confirmation_number"]
    # a new op for the same submit: the state says it is done
    op2 = {**op, "op_id": str(uuid.uuid4())}
    [res] = w.post("doctor", "/sync/push", json={"client_id": cid, "ops": [op2]}).json()["results"]
    assert res["status"] == "rejected" and res["errors"]["_state"].startswith("Заявление уже подано")


def test_a_refused_action_leaves_the_batch_standing(shared_world: World) -> None:
    """A refused action rolls back only itself: the edits before and after it in the batch apply."""
    w = shared_world
    pid = w.person_id("doctor")
    fx = Fixtures(w)
    app = fx.target("decide_application", pid, ORG0)  # already submitted: a submit is refused
    with Session(fx.engine) as s:
        me = s.get(Record, pid)
        assert me is not None
        v = me.version
    ops = [
        {"op_id": str(uuid.uuid4()), "op": "update", "entity": "person", "entity_id": pid, "person_id": pid,
         "fields": {"phone": "+79160000111"}, "base_version": v},
        {"op_id": str(uuid.uuid4()), "op": "action", "action": "submit_application", "entity": "application",
         "entity_id": app, "person_id": pid, "args": {}},
        {"op_id": str(uuid.uuid4()), "op": "action", "action": "no_such_thing", "entity": "application",
         "entity_id": app, "person_id": pid, "args": {}},
        {"op_id": str(uuid.uuid4()), "op": "action", "action": "answer_request", "entity": "request",
         "entity_id": app, "person_id": pid, "args": {"status": "closed"}},
        {"op_id": str(uuid.uuid4()), "op": "update", "entity": "person", "entity_id": pid, "person_id": pid,
         "fields": {"email": "after-refusal@example.ru"}, "base_version": v},
    ]
    r = w.post("doctor", "/sync/push", json={"client_id": str(uuid.uuid4()), "ops": ops}, headers=SCHEMA_HEADER)
    res = r.json()["results"]
    assert [x["status"] for x in res] == ["applied", "rejected", "rejected", "rejected", "applied"], res
    # a filed application never lacks its number, even one written directly as submitted (issue 14)
    assert set(res[1]["errors"]) == {"_state"}
    assert res[1]["errors"]["_state"].startswith("Заявление уже подано (номер А-")
    assert set(res[2]["errors"]) == {"action"}
    assert set(res[3]["errors"]) == {"args.status"}
