"""SIGKILL in the middle of a confirmation upload (issue 14): ``frmr sync`` killed while the
document's bytes are with the server, and again while the server holds its committed answer to
the action — the next sync finishes the job, and the clerk gets exactly one request."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from server.models import Blob, Confirmation
from tests.sync.proxy import FaultProxy
from tests.sync.test_cli_kill import PASS, ROOT, frmr, new_profile
from tests.sync.world import PASSWORD

PDF = b"%PDF-1.4\n% contract\n" + os.urandom(200_000).hex().encode() + b"\n%%EOF\n"


def _killed_sync(prof: Path, proxy: FaultProxy) -> None:
    env = {**os.environ, "FRMR_PASSPHRASE": PASS, "FRMR_FAST_KDF": "1"}
    child = subprocess.Popen([sys.executable, "-m", "desktop.cli", "--profile", str(prof), "sync"], env=env,
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert proxy.stalled.wait(60)
    time.sleep(0.1)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    proxy.stalled.clear()


def test_sigkill_mid_upload_then_resume(server: dict[str, Any], tmp_path: Path) -> None:
    db = server["db"]
    org = db.org()
    pid, eid = db.person(org, employment_status="draft")
    login = db.account("doctor", person_id=pid)
    with FaultProxy(server["port"], hold_seconds=30) as proxy:
        prof = new_profile(tmp_path, "doc")
        assert frmr(prof, "login", "--server", proxy.url, "--username", login, "--password", PASSWORD).returncode == 0
        assert frmr(prof, "sync").returncode == 0
        doc = tmp_path / "contract.pdf"
        doc.write_bytes(PDF)
        cp = frmr(prof, "confirm", "upload", eid, str(doc), "--json")
        assert cp.returncode == 0, cp.stdout + cp.stderr

        proxy.add("stall", "/blobs/")  # the bytes are stored; the client dies before hearing so
        _killed_sync(prof, proxy)
        proxy.clear()
        proxy.add("stall", "/sync/push")  # the action is applied; the client dies before hearing so
        _killed_sync(prof, proxy)
        with Session(db.engine) as s:
            assert len(s.exec(select(Confirmation).where(Confirmation.employment_id == eid)).all()) == 1
        proxy.clear()
        cp = frmr(prof, "sync")
        assert cp.returncode == 0, cp.stdout + cp.stderr
    with Session(db.engine) as s:
        confs = s.exec(select(Confirmation).where(Confirmation.employment_id == eid)).all()
        assert len(confs) == 1 and confs[0].status == "pending"  # resent, recognised, not doubled
        blob = s.get(Blob, confs[0].blob_sha256)
        assert blob is not None and blob.data == PDF
    assert db.rows(pid)[eid]["data"]["status"] == "submitted"
    cp = frmr(prof, "actions", "--json")
    assert '"state": "applied"' in cp.stdout
