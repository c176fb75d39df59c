"""A restored backup with unsent changes syncs them exactly once (issue 16 item 7), against a
real server: the copy keeps the operations' ids and the vault's sync client id, and the server
answers an operation it has already applied with the recorded effect."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from desktop.models.repository import RecordRepository
from desktop.sync.auth import login_scripted, remember_login
from desktop.sync.engine import SyncEngine
from desktop.vault.backup import write_backup
from desktop.vault.restore import restore
from desktop.vault.store import Vault
from server.models import AppliedOp
from server.testing import run_server
from tests.sync.world import PASSWORD, ServerDb

PASS = "фраза копии 2026!"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('server') / 'server.sqlite3'}"
    with run_server(url) as base:
        sdb = ServerDb(url)
        yield {"url": base, "db": sdb}
        sdb.close()


def _engine(vault: Vault) -> SyncEngine:
    return SyncEngine(vault, repo=RecordRepository(vault), timeout=5.0, max_attempts=3, base_delay=0.01,
                      max_delay=0.05)


def _applied(sdb: ServerDb, op_id: str) -> int:
    with Session(sdb.engine) as s:
        return len(s.exec(select(AppliedOp).where(AppliedOp.op_id == op_id)).all())


@pytest.mark.parametrize("synced_before_restore", [True, False])
def test_unsent_change_in_a_restored_copy_is_applied_once(server: dict[str, Any], tmp_path: Path,
                                                          synced_before_restore: bool) -> None:
    sdb: ServerDb = server["db"]
    org = sdb.org()
    pid, _ = sdb.person(org)
    login = sdb.account("doctor", person_id=pid)
    folder = tmp_path / "doc"
    vault, _ = Vault.create(folder, PASS)
    remember_login(vault, server["url"], login_scripted(server["url"], login, PASSWORD))
    assert _engine(vault).sync().outcome == "converged"
    repo = RecordRepository(vault)
    repo.edit("person", pid, {"phone": "+79161112233"})
    op_id = str(repo.outbox("pending")[0]["op_id"])
    copy, man = write_backup(vault, tmp_path, "Доктор")
    assert man.pending == 1
    if synced_before_restore:  # the original sent it, then the disk failed
        rep = _engine(vault).sync()
        assert (rep.outcome, rep.applied) == ("converged", 1), rep
    version = sdb.rows(pid)[pid]["version"]
    vault.close()

    restore(copy, tmp_path / "root", passphrase=PASS, target=folder)
    vault = Vault.open(folder, PASS)
    try:
        repo = RecordRepository(vault)
        assert repo.pending_count() == 1  # the copy's unsent change is there again
        rep = _engine(vault).sync()
        assert (rep.outcome, rep.pushed) == ("converged", 1), rep
        assert repo.pending_count() == 0
        row = sdb.rows(pid)[pid]
        assert row["data"]["phone"] == "+79161112233"
        expected = version if synced_before_restore else version + 1
        assert row["version"] == expected  # applied once: no second version for the repeat
        assert _applied(sdb, op_id) == 1
        assert (rep.conflicts, rep.rejected) == (0, 0), rep
    finally:
        vault.close()
