"""``frmr`` as a person (or a script) runs it: login with TOTP, sync exit codes, status,
conflicts and resolve as JSON — and the client killed with SIGKILL during a local write and
during a push."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyotp
import pytest
from sqlmodel import Session, select

from desktop.models.repository import RecordRepository
from desktop.vault.store import Vault
from server.models import AppliedOp
from server.testing import seed
from tests.sync.proxy import FaultProxy
from tests.sync.world import PASSWORD, stored

PASS = "kill-test-passphrase"
ROOT = Path(__file__).resolve().parents[2]


def frmr(profile: Path, *args: str, check: bool = False, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FRMR_PASSPHRASE": PASS, "FRMR_FAST_KDF": "1"}
    cp = subprocess.run([sys.executable, "-m", "desktop.cli", "--profile", str(profile), *args], env=env,
                        capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if check:
        assert cp.returncode == 0, cp.stderr
    return cp


def new_profile(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    v, _ = Vault.create(folder, PASS)
    v.close()
    return folder


def doctor_profile(server: dict[str, Any], tmp_path: Path, url: str, name: str = "p") -> tuple[Path, str]:
    org = server["db"].org()
    pid, _ = server["db"].person(org)
    login = server["db"].account("doctor", person_id=pid)
    prof = new_profile(tmp_path, name)
    cp = frmr(prof, "login", "--server", url, "--username", login, "--password", PASSWORD)
    assert cp.returncode == 0, cp.stderr
    assert frmr(prof, "sync").returncode == 0
    return prof, pid


def test_login_with_totp_sync_status_conflicts_resolve(server, tmp_path) -> None:
    accounts = seed(server["database_url"])
    doc = accounts["doctor"]
    prof = new_profile(tmp_path, "demo")
    bad = frmr(prof, "login", "--server", server["url"], "--username", "doctor", "--password", "wrong-Passw0rd!",
               "--otp", "000000")
    assert bad.returncode == 5 and "Вход не выполнен" in bad.stderr
    otp = pyotp.TOTP(doc["totp_secret"]).now()
    cp = frmr(prof, "login", "--server", server["url"], "--username", "doctor", "--password", doc["password"],
              "--otp", otp)
    assert cp.returncode == 0, cp.stderr
    assert "doctor" in cp.stdout
    cp = frmr(prof, "sync", "--json")
    assert cp.returncode == 0, cp.stdout + cp.stderr
    assert json.loads(cp.stdout)["outcome"] == "converged"
    st = json.loads(frmr(prof, "status", "--json", check=True).stdout)
    assert st["pending"] == 0 and st["online"] is True and st["last_sync"]
    # a conflict with another device of the same record, decided from the command line
    other = new_profile(tmp_path, "demo2")
    pid = json.loads(frmr(prof, "show", "person", "--json", check=True).stdout)[0]["id"]
    login2 = server["db"].account("hr", org=_gkb())
    assert frmr(other, "login", "--server", server["url"], "--username", login2, "--password", PASSWORD).returncode == 0
    assert frmr(other, "sync").returncode == 0
    frmr(prof, "edit", "person", pid, "email=mine@example.ru", check=True)
    frmr(other, "edit", "person", pid, "email=theirs@example.ru", "--person", pid, check=True)  # a clerk's vault
    assert frmr(other, "sync").returncode == 0
    cp = frmr(prof, "sync")
    assert cp.returncode == 3, cp.stdout + cp.stderr
    [c] = json.loads(frmr(prof, "conflicts", "--json", check=True).stdout)
    assert (c["entity"], c["entity_id"]) == ("person", pid)
    assert c["fields"]["email"]["mine"] == "mine@example.ru"
    assert c["fields"]["email"]["theirs"] == "theirs@example.ru"
    assert set(c["fields"]["email"]) >= {"base", "mine", "theirs"}
    bad = frmr(prof, "resolve", str(c["id"]), "nope", "mine")
    assert bad.returncode == 2
    frmr(prof, "resolve", str(c["id"]), "email", "mine", check=True)
    assert frmr(prof, "sync").returncode == 0
    assert frmr(other, "sync").returncode == 0
    shown = json.loads(frmr(other, "show", "person", "--json", "--person", pid, check=True).stdout)
    assert [p["email"] for p in shown if p["id"] == pid] == ["mine@example.ru"]


def _gkb() -> Any:
    from desktop.demo import ORG_GKB
    from tests.sync.world import Org

    return Org(ORG_GKB["org_inn"], ORG_GKB["org_name"], ORG_GKB["org_ogrn"])


def test_sync_exit_codes_unreachable_and_login_needed(server, tmp_path) -> None:
    with FaultProxy(server["port"]) as proxy:
        prof, pid = doctor_profile(server, tmp_path, proxy.url)
        proxy.offline = True
        frmr(prof, "edit", "person", pid, "email=queued@example.ru", check=True)
        cp = frmr(prof, "sync", "--attempts", "2", "--base-delay", "0.01")
        assert cp.returncode == 4, cp.stdout + cp.stderr
        st = json.loads(frmr(prof, "status", "--json", check=True).stdout)
        assert st["pending"] == 1 and st["online"] is False
        proxy.offline = False
    fresh = new_profile(tmp_path, "nologin")
    assert frmr(fresh, "sync").returncode == 5


@pytest.mark.parametrize("trial", range(3))
def test_sigkill_during_local_writes_loses_nothing(trial, server, tmp_path) -> None:
    prof, pid = doctor_profile(server, tmp_path, server["url"])
    env = {**os.environ, "FRMR_PASSPHRASE": PASS, "FRMR_FAST_KDF": "1"}
    child = subprocess.Popen([sys.executable, "-m", "tests.sync.child_writer", str(prof), pid, "100000"],
                             env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    want = random.Random(trial).randint(5, 60)
    saved: list[str] = []
    while len(saved) < want:
        saved.append(child.stdout.readline().split()[1])
    os.kill(child.pid, signal.SIGKILL)  # mid-stream: most likely inside a transaction
    child.wait()
    saved += [ln.split()[1] for ln in child.stdout.read().splitlines() if ln.startswith("saved")]
    with Vault.open(prof, PASS) as v:
        repo = RecordRepository(v)
        ops = repo.outbox("pending")
        queued = [json.loads(o["fields"])["phone"] for o in ops]
        # every edit reported saved is queued, in order; at most one more committed unreported
        assert queued[: len(saved)] == saved
        assert len(queued) - len(saved) in (0, 1)
        assert stored(repo, "person", pid)["phone"] == queued[-1]
        assert repo.verify_journal().ok
    cp = frmr(prof, "sync", "--json")
    assert cp.returncode == 0, cp.stdout + cp.stderr
    assert json.loads(cp.stdout)["applied"] == len(queued)
    rows = server["db"].rows(pid)
    assert rows[pid]["version"] == 1 + len(queued)  # each edit bumped the row exactly once
    assert rows[pid]["data"]["phone"] == queued[-1]


def test_sigkill_during_push_then_resume(server, tmp_path) -> None:
    with FaultProxy(server["port"], hold_seconds=30) as proxy:
        prof, pid = doctor_profile(server, tmp_path, proxy.url)
        for i in range(5):
            frmr(prof, "edit", "person", pid, f"phone=+791600007{i:02d}", check=True)
        proxy.add("stall", "/sync/push")
        env = {**os.environ, "FRMR_PASSPHRASE": PASS, "FRMR_FAST_KDF": "1"}
        child = subprocess.Popen([sys.executable, "-m", "desktop.cli", "--profile", str(prof), "sync"], env=env,
                                 cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert proxy.stalled.wait(60)
        time.sleep(0.1)
        os.kill(child.pid, signal.SIGKILL)  # the server committed the batch; the client never heard
        child.wait()
        assert server["db"].rows(pid)[pid]["version"] == 6
        with Vault.open(prof, PASS) as v:
            assert RecordRepository(v).pending_count() == 5  # so it is still queued
        proxy.clear()
        cp = frmr(prof, "sync", "--json")
        assert cp.returncode == 0, cp.stdout + cp.stderr
        rep = json.loads(cp.stdout)
        assert rep["applied"] == 5 and rep["pending"] == 0
        rows = server["db"].rows(pid)
        assert rows[pid]["version"] == 6  # resent, recognised, not applied again
        with Vault.open(prof, PASS) as v:
            cid = RecordRepository(v).client_id()
        with Session(server["db"].engine) as s:
            assert len(s.exec(select(AppliedOp).where(AppliedOp.client_id == cid)).all()) == 5
