"""``frmr sync`` killed with SIGKILL while the server holds the committed answer to a batch of
workflow actions (docs/actions.md): the resumed sync gets the recorded answers — one confirmation
number per application, one seat — and nothing runs twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import sqlalchemy as sa
from sqlmodel import Session, col

from desktop.models.repository import RecordRepository
from desktop.sync import actions
from desktop.vault.store import Vault
from server.db import in_write_tx
from server.models import AppliedOp, Enrolment, Programme
from tests.sync.proxy import FaultProxy
from tests.sync.test_cli_kill import PASS, ROOT, doctor_profile, frmr


def test_sigkill_during_an_action_push_then_resume(server, tmp_path) -> None:
    db = server["db"]
    prog = str(uuid.uuid4())

    def tx(s: Session) -> None:
        s.add(Programme(id=prog, title="Неотложная помощь", format="mixed", hours=72, begin_date="2030-03-01",
                        end_date="2030-03-20", seats=1, free_seats=1))

    in_write_tx(db.engine, tx)
    with FaultProxy(server["port"], hold_seconds=30) as proxy:
        prof, pid = doctor_profile(server, tmp_path, proxy.url)
        with Vault.open(prof, PASS) as v:
            repo = RecordRepository(v)
            apps = [repo.add("application", {"kind": "periodic", "specialty_code": "36", "status": "draft"}).id
                    for _ in range(2)]
            for a in apps:
                actions.queue_action(repo, "submit_application", a)
            actions.queue_action(repo, "enrol", prog)
        proxy.add("stall", "/sync/push")
        env = {**os.environ, "FRMR_PASSPHRASE": PASS, "FRMR_FAST_KDF": "1"}
        child = subprocess.Popen([sys.executable, "-m", "desktop.cli", "--profile", str(prof), "sync"], env=env,
                                 cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert proxy.stalled.wait(60)
        time.sleep(0.1)
        os.kill(child.pid, signal.SIGKILL)  # the server committed the batch; the client never heard
        child.wait()
        rows = db.rows(pid)
        first = {a: rows[a]["data"]["confirmation_number"] for a in apps}
        assert all(first.values()) and all(rows[a]["version"] == 2 for a in apps)
        with Vault.open(prof, PASS) as v:
            assert [a["state"] for a in actions.list_actions(RecordRepository(v))] == ["pending"] * 3
        proxy.clear()
        cp = frmr(prof, "sync", "--json")
        assert cp.returncode == 0, cp.stdout + cp.stderr
        rows = db.rows(pid)
        # resent, recognised, not run again: the same numbers, the seat taken once
        assert {a: rows[a]["data"]["confirmation_number"] for a in apps} == first
        assert all(rows[a]["version"] == 2 for a in apps)
        with Session(db.engine) as s:
            n = s.execute(sa.select(sa.func.count()).select_from(Enrolment)
                          .where(col(Enrolment.programme_id) == prog)).scalar_one()
            assert n == 1
            p = s.get(Programme, prog)
            assert p is not None and p.free_seats == 0
        with Vault.open(prof, PASS) as v:
            repo = RecordRepository(v)
            done = actions.list_actions(repo)
            assert [a["state"] for a in done] == ["applied"] * 3, done
            assert {a["entity_id"]: a["result"].get("confirmation_number") for a in done[:2]} == first
            cid = repo.client_id()
            for a in apps:
                assert repo.get("application", a)["confirmation_number"] == first[a]  # type: ignore[index]
        with Session(db.engine) as s:
            ops = s.execute(sa.select(sa.func.count()).select_from(AppliedOp)
                            .where(col(AppliedOp.client_id) == cid)).scalar_one()
            assert ops == 5  # two creates, two submits, one enrolment
