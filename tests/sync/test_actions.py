"""Workflow actions as durable operations (docs/actions.md), through the fault proxy to a real
server on SQLite and on PostgreSQL: lost answers, cut connections, a crash after the server
committed, a server restart, a precondition that no longer holds — each action takes effect
exactly once (one confirmation number, one confirmation request, one enrolment …)."""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from desktop.models.validation import ValidationFailed
from desktop.sync import actions, decisions
from server.db import in_write_tx
from server.feed import Writer
from server.models import AppliedOp, Confirmation, Enrolment, Programme, Record, RequestComment
from server.testing import free_port, run_server
from tests.sync.proxy import FaultProxy
from tests.sync.world import Org, Replica, ServerDb, stored

PDF = b"%PDF-1.4\n% a labour contract scan\n%%EOF\n"
FAULTS = ["drop_response", "reset_request", "timeout", "5xx", "truncate"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def srv(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A real server (uvicorn) on each backend, shared by this module's tests."""
    from tests.server.conftest import new_database

    url, cleanup = new_database(str(request.param), tmp_path_factory.mktemp("srv"))
    port = free_port()
    try:
        with run_server(url, port=port) as base:
            db = ServerDb(url)
            yield {"url": base, "db": db, "database_url": url, "port": port}
            db.close()
    finally:
        cleanup()


@pytest.fixture
def fproxy(srv: dict[str, Any]) -> Iterator[FaultProxy]:
    with FaultProxy(srv["port"], hold_seconds=0.6) as p:
        yield p


def put_row(db: ServerDb, entity: str, person_id: str, data: dict[str, Any], author_org: str | None = None) -> str:
    rid = str(uuid.uuid4())

    def tx(s: Session) -> None:
        w = Writer(s, None)
        w.touch(Record(id=rid, entity=entity, person_id=person_id, version=1, data=data,
                       field_versions={k: 1 for k in data}, field_clients={}, author_org=author_org))
        w.finish()

    in_write_tx(db.engine, tx)
    return rid


def programme(db: ServerDb, seats: int = 5) -> str:
    pid = str(uuid.uuid4())

    def tx(s: Session) -> None:
        s.add(Programme(id=pid, title="Кардиология для терапевтов", format="distance", hours=36,
                        begin_date="2030-02-01", end_date="2030-02-20", seats=seats, free_seats=seats))

    in_write_tx(db.engine, tx)
    return pid


def doctor(srv: dict[str, Any], url: str, folder: Path, org: Org,
           card_status: str = "draft") -> tuple[Replica, str, str]:
    pid, card = srv["db"].person(org, employment_status=card_status)
    r = Replica(folder, url)
    r.login(srv["db"].account("doctor", person_id=pid))
    assert r.sync().outcome == "converged"
    return r, pid, card


def recorded(db: ServerDb, client_id: str) -> dict[str, dict[str, Any]]:
    with Session(db.engine) as s:
        return {a.op_id: a.result for a in s.exec(select(AppliedOp).where(AppliedOp.client_id == client_id)).all()}


def count(db: ServerDb, model: Any, *where: Any) -> int:
    with Session(db.engine) as s:
        return int(s.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one())


def new_application(r: Replica) -> str:
    return r.repo.add("application", {"kind": "periodic", "specialty_code": "36", "status": "draft"}).id


@pytest.mark.parametrize("fault", FAULTS)
def test_offline_submit_shows_waiting_then_goes_out_once(fault: str, srv: dict[str, Any], fproxy: FaultProxy,
                                                          tmp_path: Path) -> None:
    doc, pid, _ = doctor(srv, fproxy.url, tmp_path / "d", srv["db"].org())
    try:
        fproxy.offline = True
        app_id = new_application(doc)
        q = actions.queue_action(doc.repo, "submit_application", app_id)
        # at once, offline: the application shows as filed and waiting to be sent
        assert stored(doc.repo, "application", app_id)["status"] == "submitted"
        assert actions.waiting_label(doc.repo, app_id) == "Подача заявления на аккредитацию — ждёт отправки"
        with pytest.raises(ValidationFailed):  # the same action twice is refused locally
            actions.queue_action(doc.repo, "submit_application", app_id)
        rep = doc.sync()
        assert rep.outcome == "unreachable" and rep.pending == 2, rep
        fproxy.offline = False
        fproxy.add(fault, "/sync/push", count=2)
        rep = doc.sync(timeout=0.5, max_attempts=6)
        assert rep.outcome == "converged", rep
        assert fproxy.stats[fault] == 2
        row = srv["db"].rows(pid)[app_id]
        assert row["data"]["status"] == "submitted" and row["data"]["confirmation_number"]
        # exactly once: one op recorded, the row created (v1) and submitted (v2) — nothing more
        assert row["version"] == 2
        res = recorded(srv["db"], doc.repo.client_id())[q.op_id]
        number = row["data"]["confirmation_number"]
        assert res["status"] == "applied" and res["result"]["confirmation_number"] == number
        [mine] = actions.list_actions(doc.repo)
        assert mine["state"] == "applied" and mine["result"]["confirmation_number"] == number
        local = stored(doc.repo, "application", app_id)
        assert local["confirmation_number"] == row["data"]["confirmation_number"] and local["version"] == 2
        assert actions.waiting_label(doc.repo, app_id) is None
    finally:
        doc.close()


def test_each_doctor_action_once_when_answers_are_lost(srv: dict[str, Any], fproxy: FaultProxy,
                                                       tmp_path: Path) -> None:
    db = srv["db"]
    org = db.org()
    doc, pid, card = doctor(srv, fproxy.url, tmp_path / "d", org)
    try:
        req = put_row(db, "request", pid, {"org_name": org.name, "org_inn": org.inn, "kind": "справка",
                                           "received_at": "2024-03-01", "status": "new", "text": "Пришлите диплом"},
                      author_org=org.inn)
        prog = programme(db)
        assert doc.sync().outcome == "converged"
        doc.repo.add_document("scan", "Трудовой договор", PDF)
        sha = hashlib.sha256(PDF).hexdigest()
        today = time.strftime("%Y-%m-%d")
        queued = [
            actions.queue_action(doc.repo, "request_confirmation", card, {
                "blob_sha256": sha, "doc_kind": "contract", "doc_org_inn": org.inn, "doc_org_name": org.name,
                "doc_begin_date": "2015-01-12", "doc_date": today}),
            actions.queue_action(doc.repo, "answer_request", req, {"text": "Диплом во вложении", "blob_sha256": sha}),
            actions.queue_action(doc.repo, "enrol", prog),
        ]
        assert stored(doc.repo, "employment", card)["status"] == "submitted"
        assert stored(doc.repo, "request", req)["status"] == "answered"
        # the server commits each try, the answer never arrives — three times over
        fproxy.add("drop_response", "/sync/push", count=3)
        rep = doc.sync(timeout=0.5, max_attempts=6)
        assert rep.outcome == "converged", rep
        assert count(db, Confirmation, col(Confirmation.employment_id) == card) == 1
        assert count(db, RequestComment, col(RequestComment.request_id) == req) == 1
        assert count(db, Enrolment, col(Enrolment.programme_id) == prog) == 1
        with Session(db.engine) as s:
            prog_row = s.get(Programme, prog)
            assert prog_row is not None and prog_row.free_seats == 4
        rows = db.rows(pid)
        assert rows[card]["data"]["status"] == "submitted" and rows[card]["version"] == 2
        assert rows[req]["data"]["status"] == "answered" and rows[req]["version"] == 2
        res = recorded(db, doc.repo.client_id())
        assert all(res[q.op_id]["status"] == "applied" for q in queued), res
        conf = res[queued[0].op_id]["result"]["confirmation"]
        assert conf["status"] == "pending" and conf["errors"] == []
    finally:
        doc.close()


def test_precondition_gone_at_delivery_is_a_russian_rejection(srv: dict[str, Any], fproxy: FaultProxy,
                                                               tmp_path: Path) -> None:
    db = srv["db"]
    org = db.org()
    doc, _pid, card = doctor(srv, fproxy.url, tmp_path / "d", org)
    try:
        doc.repo.add_document("scan", "Приказ", PDF)
        fproxy.offline = True
        actions.queue_action(doc.repo, "request_confirmation", card, {
            "blob_sha256": hashlib.sha256(PDF).hexdigest(), "doc_kind": "order", "doc_org_inn": org.inn,
            "doc_org_name": org.name, "doc_begin_date": "2015-01-12", "doc_date": time.strftime("%Y-%m-%d")})
        assert doc.sync().outcome == "unreachable"

        def confirm(s: Session) -> None:  # meanwhile the operator confirmed the card
            rec = s.get(Record, card)
            assert rec is not None
            rec.data = {**rec.data, "status": "confirmed"}
            rec.version += 1
            w = Writer(s, None)
            w.touch(rec)
            w.finish()

        in_write_tx(db.engine, confirm)
        fproxy.offline = False
        rep = doc.sync()
        assert rep.outcome == "waiting" and rep.rejected == 1, rep
        [rj] = decisions.list_rejected(doc.repo)
        assert rj["action"] == "request_confirmation"
        assert rj["message"] == "Карточка уже подтверждена."
        assert count(db, Confirmation, col(Confirmation.employment_id) == card) == 0
        decisions.discard_rejected(doc.repo, rj["id"])
        assert doc.sync().outcome == "converged"
        assert stored(doc.repo, "employment", card)["status"] == "confirmed"
    finally:
        doc.close()


def test_clerk_and_operator_decisions_once(srv: dict[str, Any], fproxy: FaultProxy, tmp_path: Path) -> None:
    db = srv["db"]
    org = db.org()
    pid, card = db.person(org, employment_status="submitted")
    sha = hashlib.sha256(PDF + b"hr").hexdigest()
    doc = Replica(tmp_path / "d", srv["url"])
    hr = Replica(tmp_path / "hr", fproxy.url)
    admin = Replica(tmp_path / "adm", fproxy.url)
    try:
        doc.login(db.account("doctor", person_id=pid))
        doc.repo.add_document("scan", "Договор", PDF + b"hr")
        assert doc.sync().outcome == "converged"
        actions.queue_action(doc.repo, "request_confirmation", card, {
            "blob_sha256": sha, "doc_kind": "contract", "doc_org_inn": org.inn, "doc_org_name": org.name,
            "doc_begin_date": "2015-01-12", "doc_date": time.strftime("%Y-%m-%d")})
        nmo = doc.repo.add("nmo", {"event_date": "2024-02-01", "kind": "iom", "title": "Модуль", "credits": "2"}).id
        assert doc.sync().outcome == "converged"
        with Session(db.engine) as s:
            conf = s.exec(select(Confirmation).where(Confirmation.employment_id == card)).one()
        hr.login(db.account("hr", org=org))
        admin.login(db.account("admin"))
        assert hr.sync().outcome == "converged" and admin.sync().outcome == "converged"
        actions.queue_action(hr.repo, "decide_confirmation", conf.id, {"decision": "confirm"}, person_id=pid)
        actions.queue_action(admin.repo, "decide_nmo", nmo, {"status": "confirmed"})
        assert stored(admin.repo, "nmo", nmo)["status"] == "confirmed"  # the local preview
        fproxy.add("drop_response", "/sync/push", count=2)
        assert hr.sync(timeout=0.5, max_attempts=5).outcome == "converged"
        assert admin.sync(timeout=0.5, max_attempts=5).outcome == "converged"
        rows = db.rows(pid)
        # (the card was «submitted» already: asking for the confirmation did not change it)
        assert rows[card]["data"]["status"] == "confirmed" and rows[card]["version"] == 2
        assert rows[nmo]["data"]["status"] == "confirmed" and rows[nmo]["version"] == 2
        with Session(db.engine) as s:
            c2 = s.get(Confirmation, conf.id)
            assert c2 is not None and c2.status == "confirmed"
        # the clerk closes the card; a second, offline close is refused by the local copy already
        assert hr.sync().outcome == "converged"
        actions.queue_action(hr.repo, "close_employment", card, {"end_date": "01.02.2024", "end_reason": "Увольнение"})
        assert stored(hr.repo, "employment", card)["end_date"] == "2024-02-01"
        with pytest.raises(ValidationFailed):
            actions.queue_action(hr.repo, "close_employment", card, {"end_date": "02.02.2024", "end_reason": "x"})
        fproxy.add("reset_request", "/sync/push")
        assert hr.sync().outcome == "converged"
        assert db.rows(pid)[card]["data"]["end_date"] == "2024-02-01" and db.rows(pid)[card]["version"] == 3
    finally:
        for r in (doc, hr, admin):
            r.close()


def test_crash_after_the_server_committed_then_resend(srv: dict[str, Any], fproxy: FaultProxy, tmp_path: Path) -> None:
    db = srv["db"]
    doc, _pid, _ = doctor(srv, fproxy.url, tmp_path / "d", db.org())
    try:
        prog = programme(db, seats=1)
        q = actions.queue_action(doc.repo, "enrol", prog)
        fproxy.add("drop_response", "/sync/push")
        assert doc.sync(max_attempts=1).outcome == "unreachable"
        assert count(db, Enrolment, col(Enrolment.programme_id) == prog) == 1  # the server has it
        doc.crash()
        doc.reopen()
        assert [a["state"] for a in actions.list_actions(doc.repo)] == ["pending"]  # we never heard back
        rep = doc.sync()
        # the resend gets the recorded result — not «Свободных мест нет», not a second seat
        assert rep.outcome == "converged" and rep.rejected == 0, rep
        assert count(db, Enrolment, col(Enrolment.programme_id) == prog) == 1
        assert recorded(db, doc.repo.client_id())[q.op_id]["status"] == "applied"
    finally:
        doc.close()


def test_server_restart_mid_sync(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'srv.sqlite3'}"
    port = free_port()
    stack = contextlib.ExitStack()
    stack.enter_context(run_server(url, port=port))
    db = ServerDb(url)
    try:
        with FaultProxy(port) as proxy:
            doc, pid, _ = doctor({"db": db}, proxy.url, tmp_path / "d", db.org())
            apps = [new_application(doc) for _ in range(3)]
            for a in apps:
                actions.queue_action(doc.repo, "submit_application", a)
            restarted = threading.Event()

            def progress(phase: str, done: int, total: int | None) -> None:
                if phase == "push" and not restarted.is_set():
                    restarted.set()
                    stack.close()

                    def start() -> None:
                        time.sleep(0.3)
                        stack.enter_context(run_server(url, port=port))

                    threading.Thread(target=start, daemon=True).start()

            doc.repo.edit("person", pid, {"phone": "+79160000321"})
            rep = doc.engine(progress=progress, max_attempts=12, base_delay=0.2, max_delay=1.0, batch_size=3).sync()
            assert restarted.is_set() and rep.outcome == "converged", rep
            rows = db.rows(pid)
            numbers = {rows[a]["data"]["confirmation_number"] for a in apps}
            assert len(numbers) == 3 and None not in numbers
            assert all(rows[a]["version"] == 2 for a in apps)
            doc.close()
    finally:
        stack.close()
        db.close()
