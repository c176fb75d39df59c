"""Faults between client and a real server, injected by the tests' own proxy.

Every test ends by checking the two things that matter: the server applied each edit exactly
once (its recorded ops and row versions), and the replica converged.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from desktop.models.repository import set_meta
from desktop.sync.auth import load_tokens, save_tokens
from desktop.sync.tables import SYNC_ROW
from server.models import AppliedOp
from server.testing import free_port, run_server
from tests.sync.proxy import FaultProxy
from tests.sync.world import Org, Replica, ServerDb, stored


def doctor_via(proxy_url: str, server: dict[str, Any], org: Org, folder: Path,
               replicas: list[Replica]) -> tuple[Replica, str, str]:
    pid, eid = server["db"].person(org)
    login = server["db"].account("doctor", person_id=pid)
    r = Replica(folder, proxy_url)
    replicas.append(r)
    r.login(login)
    assert r.sync().outcome == "converged"
    return r, pid, eid


def applied_ops(db: ServerDb, client_id: str) -> list[str]:
    with Session(db.engine) as s:
        return [a.op_id for a in s.exec(select(AppliedOp).where(AppliedOp.client_id == client_id)).all()]


def assert_exactly_once(r: Replica, db: ServerDb, pid: str, edits: int, start_version: int = 1) -> None:
    ops = r.repo.outbox()
    assert all(o["state"] in ("applied", "conflict", "rejected") for o in ops), [o["state"] for o in ops]
    recorded = applied_ops(db, r.repo.client_id())
    assert sorted(recorded) == sorted(o["op_id"] for o in ops)
    assert db.rows(pid)[pid]["version"] == start_version + edits


@pytest.mark.parametrize("fault", ["drop_response", "reset_request", "timeout", "5xx", "429", "truncate"])
def test_push_fault_applies_exactly_once(fault, server, org, proxy, tmp_path, replicas) -> None:
    proxy.hold_seconds = 0.6
    doc, pid, _ = doctor_via(proxy.url, server, org, tmp_path / "d", replicas)
    for i in range(3):
        doc.repo.edit("person", pid, {"phone": f"+7916000010{i}"})
    proxy.add(fault, "/sync/push", count=2)
    rep = doc.sync(timeout=0.5, max_attempts=5)
    assert rep.outcome == "converged", rep
    assert rep.retries >= 2
    assert proxy.stats[fault] == 2
    assert_exactly_once(doc, server["db"], pid, 3)
    assert stored(doc.repo, "person", pid)["phone"] == "+79160000102"


@pytest.mark.parametrize("fault", ["slow", "sliced", "truncate", "drop_response", "5xx"])
def test_pull_faults_never_corrupt_or_skip(fault, server, org, proxy, tmp_path, replicas) -> None:
    doc, pid, _ = doctor_via(proxy.url, server, org, tmp_path / "d", replicas)
    hr_login = server["db"].account("hr", org=org)
    hr = Replica(tmp_path / "hr", proxy.url)
    replicas.append(hr)
    hr.login(hr_login)
    for _ in range(5):  # more staff, several pages
        server["db"].person(org)
    proxy.add(fault, "/sync/pull", count=3)
    rep = hr.sync(page_limit=3, max_attempts=6)
    assert rep.outcome == "converged", rep
    assert hr.repo.count("person") == 6
    assert stored(hr.repo, "person", pid)["last_name"] == "Тестова"
    assert doc.sync().outcome == "converged"


def test_offline_edits_queue_then_go_out_once(server, org, proxy, tmp_path, replicas) -> None:
    doc, pid, _ = doctor_via(proxy.url, server, org, tmp_path / "d", replicas)
    proxy.offline = True
    for i in range(4):
        doc.repo.edit("person", pid, {"email": f"off{i}@example.ru"})
        rep = doc.sync()
        assert rep.outcome == "unreachable" and rep.exit_code == 4, rep
        assert rep.pending == i + 1
    proxy.offline = False
    rep = doc.sync()
    assert rep.outcome == "converged" and rep.applied == 4
    assert_exactly_once(doc, server["db"], pid, 4)


def test_crash_after_server_committed_then_restart(server, org, proxy, tmp_path, replicas) -> None:
    doc, pid, _ = doctor_via(proxy.url, server, org, tmp_path / "d", replicas)
    doc.repo.edit("person", pid, {"phone": "+79160000555"})
    proxy.add("drop_response", "/sync/push")
    assert doc.sync(max_attempts=1).outcome == "unreachable"
    assert server["db"].rows(pid)[pid]["data"]["phone"] == "+79160000555"  # the server has it
    doc.crash()
    doc.reopen()
    assert doc.repo.pending_count() == 1  # we never heard back: still queued
    assert doc.sync().outcome == "converged"
    assert_exactly_once(doc, server["db"], pid, 1)


def test_server_restart_mid_sync(tmp_path, replicas) -> None:
    url = f"sqlite:///{tmp_path / 'srv.sqlite3'}"
    port = free_port()
    stack = contextlib.ExitStack()
    stack.enter_context(run_server(url, port=port))
    db = ServerDb(url)
    try:
        org = db.org()
        with FaultProxy(port) as proxy:
            srv = {"db": db, "url": proxy.url}
            doc, pid, _ = doctor_via(proxy.url, srv, org, tmp_path / "d", replicas)
            for i in range(3):
                doc.repo.edit("person", pid, {"phone": f"+7916000020{i}"})
            restarted = threading.Event()

            def progress(phase: str, done: int, total: int | None) -> None:
                if phase == "push" and not restarted.is_set():
                    restarted.set()
                    stack.close()  # the server goes down between push and pull

                    def start() -> None:
                        time.sleep(0.3)
                        stack.enter_context(run_server(url, port=port))

                    threading.Thread(target=start, daemon=True).start()

            rep = doc.engine(progress=progress, max_attempts=12, base_delay=0.2, max_delay=1.0).sync()
            assert restarted.is_set()
            assert rep.outcome == "converged", rep
            assert rep.retries >= 1
            assert_exactly_once(doc, db, pid, 3)
    finally:
        stack.close()
        db.close()


def test_login_needed_is_never_a_rejection(server, org, proxy, tmp_path, replicas) -> None:
    doc, pid, _ = doctor_via(proxy.url, server, org, tmp_path / "d", replicas)
    t = load_tokens(doc.vault)
    assert t is not None
    import httpx

    httpx.post(server["url"] + "/oauth/revoke", data={"token": t.refresh_token})
    doc.repo.edit("person", pid, {"email": "after-revoke@example.ru"})
    rep = doc.sync()
    assert rep.outcome == "login_needed" and rep.exit_code == 5, rep
    assert doc.repo.pending_count() == 1 and rep.rejected == 0
    doc.repo.edit("person", pid, {"phone": "+79160000777"})  # edits keep queueing
    doc.login(_login_of(server["db"], pid))
    rep = doc.sync()
    assert rep.outcome == "converged" and rep.applied == 2, rep


def _login_of(db: ServerDb, pid: str) -> str:
    from server.models import Account

    with Session(db.engine) as s:
        acc = s.exec(select(Account).where(Account.person_id == pid)).first()
        assert acc is not None
        return acc.login


def test_expired_access_token_is_refreshed_and_offline_refresh_keeps_queue(server, org, proxy, tmp_path,
                                                                           replicas) -> None:
    doc, pid, _ = doctor_via(proxy.url, server, org, tmp_path / "d", replicas)
    t = load_tokens(doc.vault)
    assert t is not None
    t.expires_at = time.time() - 1
    save_tokens(doc.vault, t)
    proxy.offline = True
    doc.repo.edit("person", pid, {"email": "expired@example.ru"})
    rep = doc.sync()
    assert rep.outcome == "unreachable", rep  # not "login needed": the refresh token is fine
    proxy.offline = False
    rep = doc.sync()
    assert rep.outcome == "converged", rep
    t2 = load_tokens(doc.vault)
    assert t2 is not None and t2.refresh_token != t.refresh_token  # rotated and stored


def test_client_too_old(tmp_path, replicas) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    with run_server(url) as base:
        db = ServerDb(url)
        org = db.org()
        pid, _ = db.person(org)
        r = Replica(tmp_path / "d", base)
        replicas.append(r)
        r.login(db.account("doctor", person_id=pid))
        db.close()
    with run_server(url, env={"FRMR_MIN_CLIENT_SCHEMA": "99"}) as base2:
        r.server_url = base2
        with r.vault.begin() as conn:
            set_meta(conn, "sync_server", base2)
        t = load_tokens(r.vault)
        assert t is not None
        t.server = base2
        save_tokens(r.vault, t)
        rep = r.sync()
        assert rep.outcome == "client_too_old" and rep.exit_code == 6
        assert "обновите" in rep.message.lower()


def test_malformed_op_is_isolated_by_bisection(server, org, proxy, tmp_path, replicas) -> None:
    doc, pid, _ = doctor_via(proxy.url, server, org, tmp_path / "d", replicas)
    doc.repo.edit("person", pid, {"phone": "+79160000901"})
    from desktop.models.tables import Outbox

    with doc.vault.begin() as conn:  # an op the server's request schema refuses as a whole batch
        conn.execute(Outbox.__table__.insert().values(  # type: ignore[attr-defined]
            op_id="not-a-uuid", entity="person", entity_id=pid, person_id=pid, op="update",
            fields="{}", base="{}", base_version=1, created_at="", state="pending", attempts=0, result=""))
    doc.repo.edit("person", pid, {"email": "after-bad@example.ru"})
    rep = doc.sync()
    assert rep.outcome == "waiting" and rep.rejected == 1 and rep.applied == 2, rep
    row = server["db"].rows(pid)[pid]["data"]
    assert (row["phone"], row["email"]) == ("+79160000901", "after-bad@example.ru")


def test_attachment_uploaded_before_op_and_downloaded_when_opened(server, org, proxy, tmp_path, replicas) -> None:
    doc, pid, _ = doctor_via(proxy.url, server, org, tmp_path / "d", replicas)
    data = b"%PDF-1.4\n% test scan\n%%EOF\n"
    sha = hashlib.sha256(data).hexdigest()
    rid = doc.repo.add_document("scan", "Скан диплома", data)
    proxy.add("reset_request", "/blobs/")
    rep = doc.sync()
    assert rep.outcome == "converged" and rep.blobs_uploaded >= 1, rep
    assert server["db"].rows(pid)[rid]["data"]["blob_sha256"] == sha
    # a second device of the same doctor gets the row, and the file only when it is opened
    other = Replica(tmp_path / "d2", proxy.url)
    replicas.append(other)
    other.login(_login_of(server["db"], pid))
    assert other.sync().outcome == "converged"
    assert other.repo.get("document", rid) is not None
    assert other.repo.get_blob(sha) is None
    assert other.engine().fetch_blob(sha) == data
    assert other.repo.get_blob(sha) == data


def test_convergence_repulls_a_damaged_entity_without_touching_pending(server, org, proxy, tmp_path,
                                                                       replicas) -> None:
    doc, pid, eid = doctor_via(proxy.url, server, org, tmp_path / "d", replicas)
    doc.repo.add("nmo", {"event_date": "2024-01-10", "kind": "iom", "title": "Модуль", "credits": "2"})
    assert doc.sync().outcome == "converged"
    from desktop.models.repository import table

    with doc.vault.begin() as conn:  # lose a row and its shadow behind the engine's back
        conn.execute(table("employment").delete().where(table("employment").c.id == eid))
        conn.execute(SYNC_ROW.delete().where(SYNC_ROW.c.id == eid))
    doc.repo.edit("person", pid, {"email": "pending@example.ru"})
    proxy.add("5xx", "/sync/push", count=10)  # the edit can't go out in this sync
    rep = doc.sync(max_attempts=2)
    assert rep.outcome == "unreachable"
    proxy.clear()
    rep = doc.sync()
    assert rep.outcome == "converged", rep
    assert "employment" in rep.repulled
    assert doc.repo.get("employment", eid) is not None
    assert server["db"].rows(pid)[pid]["data"]["email"] == "pending@example.ru"
    assert stored(doc.repo, "person", pid)["email"] == "pending@example.ru"


def test_foreign_cursor_restarts_feed(server, org, proxy, tmp_path, replicas) -> None:
    doc, _pid, _ = doctor_via(proxy.url, server, org, tmp_path / "d", replicas)
    with doc.vault.begin() as conn:
        set_meta(conn, "sync_cursor", "c1.MTIz.0000000000aaaaaaaaaa")
    rep = doc.sync()
    assert rep.outcome == "converged", rep
    assert rep.pulled >= 2


def test_queued_ops_of_an_older_vault_schema_still_go_out(server, org, proxy, tmp_path, replicas) -> None:
    doc, pid, _ = doctor_via(proxy.url, server, org, tmp_path / "d", replicas)
    doc.repo.edit("person", pid, {"email": "queued-by-old@example.ru"})
    doc.close()
    # make the file look like the previous release left it: no sync tables, schema 2
    from desktop.vault.store import LATEST_SCHEMA, _raw_connect

    conn = _raw_connect(doc.folder / "vault.db", doc.key)
    conn.execute("DROP TABLE sync_row")
    conn.execute("DROP TABLE sync_conflict")
    conn.execute("PRAGMA user_version = 2")
    conn.close()
    doc.reopen()
    assert doc.vault.schema_version == LATEST_SCHEMA
    assert [json.loads(o["fields"]) for o in doc.repo.outbox("pending")] == [{"email": "queued-by-old@example.ru"}]
    assert doc.sync().outcome == "converged"
    assert server["db"].rows(pid)[pid]["data"]["email"] == "queued-by-old@example.ru"
