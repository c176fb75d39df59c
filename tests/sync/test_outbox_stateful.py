"""Hypothesis state machine over the outbox: edit, add, delete, offline, online, crash and
restart, a concurrent edit on the server by the HR clerk, sync with a fault — against a real
server through the fault proxy."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlmodel import Session, select

from desktop.models.validation import ValidationFailed
from desktop.sync import decisions
from server.models import AppliedOp
from tests.sync.proxy import FaultProxy
from tests.sync.world import Replica

SERVER: dict[str, Any] = {}
FIELDS = st.sampled_from(["phone", "email", "address_actual"])
FAULT = st.sampled_from(["pass", "drop_response", "reset_request", "5xx", "truncate", "sliced"])


def value(field: str, n: int) -> str:
    return {"phone": f"+7916{n:07d}", "email": f"h{n}@example.ru", "address_actual": f"ул. Тестовая, {n}"}[field]


class OutboxMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        db = SERVER["db"]
        self.tmp = tempfile.TemporaryDirectory(prefix="frmr-outbox-")
        org = db.org()
        self.pid, _ = db.person(org)
        self.proxy = FaultProxy(SERVER["port"], hold_seconds=0.3)
        self.me = Replica(Path(self.tmp.name) / "me", self.proxy.url)
        self.me.adopt_session(db.session(db.account("doctor", person_id=self.pid)))
        self.hr = Replica(Path(self.tmp.name) / "hr", SERVER["url"])
        self.hr.adopt_session(db.session(db.account("hr", org=org)))
        assert self.me.sync().outcome == "converged"
        assert self.hr.sync().outcome == "converged"
        self.saved: list[str] = []
        self.nmo: list[str] = []
        self.n = 0

    def _last_op(self) -> None:
        self.saved.append(self.me.repo.outbox()[-1]["op_id"])

    @rule(field=FIELDS)
    def edit(self, field: str) -> None:
        self.n += 1
        if self.me.repo.edit("person", self.pid, {field: value(field, self.n)}).changed:
            self._last_op()

    @rule()
    def add(self) -> None:
        self.n += 1
        self.nmo.append(self.me.repo.add("nmo", {"event_date": "2024-03-01", "kind": "iom",
                                                 "title": f"Модуль {self.n}", "credits": "1.5"}).id)
        self._last_op()

    @precondition(lambda self: self.nmo)
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        rid = self.nmo.pop(data.draw(st.integers(0, len(self.nmo) - 1)))
        if self.me.repo.get("nmo", rid) is not None:
            self.me.repo.delete("nmo", rid)
            self._last_op()

    @rule()
    def offline(self) -> None:
        self.proxy.offline = True

    @rule()
    def online(self) -> None:
        self.proxy.offline = False

    @rule()
    def crash_restart(self) -> None:
        self.me.crash()
        self.me.reopen()

    @rule(field=FIELDS)
    def concurrent_server_edit(self, field: str) -> None:
        self.n += 1
        try:
            self.hr.repo.edit("person", self.pid, {field: value(field, 10_000 + self.n)})
        except ValidationFailed:
            return
        self.hr.sync()

    @rule(fault=FAULT)
    def sync(self, fault: str) -> None:
        if fault != "pass":
            self.proxy.add(fault, "/sync/")
        rep = self.me.sync(timeout=1.0)
        if rep.outcome in ("converged", "waiting"):
            assert rep.pending == 0

    @invariant()
    def nothing_saved_goes_missing(self) -> None:
        ops = {o["op_id"]: o for o in self.me.repo.outbox()}
        assert all(op_id in ops for op_id in self.saved)
        done = [o for o in ops.values() if o["state"] != "pending"]
        if done:
            with Session(SERVER["db"].engine) as s:
                recorded = {a.op_id for a in s.exec(select(AppliedOp).where(
                    AppliedOp.client_id == self.me.repo.client_id())).all()}
            # an op leaves "pending" only with the server's recorded answer
            assert all(o["op_id"] in recorded or json.loads(o["result"] or "{}").get("local")
                       for o in done if o["state"] in ("applied", "conflict", "rejected"))

    def teardown(self) -> None:
        try:
            self.proxy.offline = False
            self.proxy.clear()
            for _ in range(6):
                rep = self.me.sync(timeout=5.0)
                for c in decisions.list_conflicts(self.me.repo):
                    for f, v in c["fields"].items():
                        if v["choice"] is None:
                            decisions.resolve(self.me.repo, c["id"], f, "mine")
                for r in decisions.list_rejected(self.me.repo):
                    decisions.discard_rejected(self.me.repo, r["id"])
                if rep.outcome == "converged" and rep.pushed == 0:
                    break
            assert rep.outcome == "converged", rep
            rows = SERVER["db"].rows(self.pid)
            local = self.me.repo.get("person", self.pid)
            assert local is not None
            assert {k: local[k] for k in rows[self.pid]["data"]} == rows[self.pid]["data"]
            live_nmo = {rid for rid, r in rows.items() if r["entity"] == "nmo" and not r["deleted"]}
            assert {r["id"] for r in self.me.repo.list("nmo")} == live_nmo
            with Session(SERVER["db"].engine) as s:
                recorded = [a.op_id for a in s.exec(select(AppliedOp).where(
                    AppliedOp.client_id == self.me.repo.client_id())).all()]
            assert len(recorded) == len(set(recorded))
            assert set(self.saved) <= set(recorded)
        finally:
            self.proxy.close()
            self.me.close()
            self.hr.close()
            self.tmp.cleanup()


@pytest.fixture(scope="module", autouse=True)
def _server(server: dict[str, Any]) -> None:
    SERVER.update(server)


OutboxMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=15, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestOutbox = OutboxMachine.TestCase
