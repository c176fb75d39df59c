"""SIGKILL of ``frmr confirm upload`` itself, at random moments while it checks the file and
saves it (issue 14, races): after each kill the vault holds the document and its action
together or neither — never a file without its action or an action without its file — and
once the upload got through, the next sync sends it exactly once."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from desktop.models.repository import RecordRepository
from desktop.sync import actions
from desktop.vault.store import Vault
from server.models import Confirmation
from tests.sync.test_cli_kill import PASS, ROOT, frmr, new_profile
from tests.sync.world import PASSWORD

PDF = b"%PDF-1.4\n% contract\n" + os.urandom(1_000_000).hex().encode() + b"\n%%EOF\n"  # ~2 MB


def _state(prof: Path, card: str, sha: str) -> tuple[int, bool]:
    vault = Vault.open(prof, PASS)
    try:
        repo = RecordRepository(vault)
        queued = [a for a in actions.list_actions(repo)
                  if a["action"] == "request_confirmation" and a["entity_id"] == card]
        return len(queued), repo.get_blob(sha) is not None
    finally:
        vault.close()


def test_sigkill_of_the_upload_leaves_all_or_nothing(server: dict[str, Any], tmp_path: Path) -> None:
    db = server["db"]
    org = db.org()
    pid, eid = db.person(org, employment_status="draft")
    prof = new_profile(tmp_path, "doc")
    assert frmr(prof, "login", "--server", server["url"], "--username", db.account("doctor", person_id=pid),
                "--password", PASSWORD).returncode == 0
    assert frmr(prof, "sync").returncode == 0
    doc = tmp_path / "contract.pdf"
    doc.write_bytes(PDF)
    sha = hashlib.sha256(PDF).hexdigest()
    env = {**os.environ, "FRMR_PASSPHRASE": PASS, "FRMR_FAST_KDF": "1"}
    # How long a run takes up to the write: one whose card check fails (nothing is queued);
    # the kills then fall around the moment the real run writes.
    t0 = time.monotonic()
    failed = subprocess.run([sys.executable, "-m", "desktop.cli", "--profile", str(prof), "confirm", "upload",
                             eid, str(doc), "doc_org_inn=7707083893", "--json"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    until_write = time.monotonic() - t0
    assert failed.returncode == 1 and _state(prof, eid, sha) == (0, False)
    rnd = random.Random(14)
    seen: set[tuple[int, bool]] = set()
    for _ in range(4):
        child = subprocess.Popen([sys.executable, "-m", "desktop.cli", "--profile", str(prof), "confirm", "upload",
                                  eid, str(doc), "--json"], env=env, cwd=ROOT,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(until_write * rnd.uniform(0.7, 1.2))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        state = _state(prof, eid, sha)
        assert state in ((0, False), (1, True)), state  # whole or absent
        seen.add(state)
    cp = frmr(prof, "confirm", "upload", eid, str(doc), "--json")
    if (1, True) in seen:
        assert cp.returncode == 1 and "уже ждёт отправки" in cp.stdout  # never queued twice
    else:
        assert cp.returncode == 0 and json.loads(cp.stdout)["ok"] is True
    assert _state(prof, eid, sha) == (1, True)
    assert frmr(prof, "sync").returncode == 0
    assert frmr(prof, "sync").returncode == 0
    with Session(db.engine) as s:
        confs = s.exec(select(Confirmation).where(Confirmation.employment_id == eid)).all()
    assert len(confs) == 1 and confs[0].blob_sha256 == sha  # sent once
