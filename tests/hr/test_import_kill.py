"""``frmr staff import`` killed with SIGKILL halfway: after the restart every row is whole or
absent (a person always with their card, each with its outbox entry), the journal is intact, and
a rerun of the same file adds exactly the rest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop.models.checkdigits import make_snils
from desktop.models.repository import RecordRepository, remember_account
from desktop.vault.store import Vault
from tests.hr.conftest import INN, ORG_NAME, PASS, frmr, new_profile

ROWS = 3000
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_sigkill_mid_import_then_rerun(tmp_path: Path) -> None:
    prof = new_profile(tmp_path)
    with Vault.open(prof, PASS) as v, v.begin() as conn:
        remember_account(conn, "hr", [{"inn": INN, "name": ORG_NAME}])
    f = tmp_path / "big.csv"
    f.write_text("СНИЛС;ФИО;Пол;Дата рождения;Должность;Ставка;Дата начала\n" + "".join(
        f"{make_snils(f'{500_000_000 + i:09d}')};Тестов Иван{i} Петрович;м;01.01.1980;врач-хирург;1;01.03.2021\n"
        for i in range(ROWS)), encoding="utf-8")
    env = {**os.environ, "FRMR_PASSPHRASE": PASS, "FRMR_FAST_KDF": "1"}
    child = subprocess.Popen([sys.executable, "-m", "desktop.cli", "--profile", str(prof), "staff", "import", str(f)],
                             env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with Vault.open(prof, PASS) as v:
            repo = RecordRepository(v)
            deadline = time.monotonic() + 120
            while repo.count("person") == 0 and child.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    with Vault.open(prof, PASS) as v:
        repo = RecordRepository(v)
        persons, cards = repo.count("person"), repo.count("employment")
        assert 0 < persons < ROWS, "the kill came after the first group and before the end"
        assert persons == cards  # no person without their card, no card without its person
        assert len(repo.outbox()) == persons + cards
        assert repo.verify_journal().ok
    assert frmr(prof, "audit", "verify").returncode == 0
    cp = frmr(prof, "staff", "import", str(f))
    assert cp.returncode == 0, cp.stderr
    assert f"загружено {ROWS - persons}" in cp.stdout and f"уже были в хранилище {persons}" in cp.stdout
    with Vault.open(prof, PASS) as v:
        repo = RecordRepository(v)
        assert (repo.count("person"), repo.count("employment"), len(repo.outbox())) == (ROWS, ROWS, 2 * ROWS)
