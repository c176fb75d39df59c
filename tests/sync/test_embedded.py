"""``frmr-desktop --demo``: the embedded demo server, the demo doctor logged in, a real sync."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.demo import DEMO_PASSPHRASE, PERSON_ID, ensure_demo_profile
from desktop.models.repository import RecordRepository
from desktop.sync.embedded import start_demo
from desktop.sync.engine import SyncEngine
from desktop.vault.store import Vault
from tests.sync.world import stored


def test_demo_server_starts_logs_in_and_syncs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRMR_FAST_KDF", "1")
    folder = ensure_demo_profile(tmp_path / "profiles")
    with Vault.open(folder, DEMO_PASSPHRASE) as vault:
        demo = start_demo(folder, vault)
        try:
            assert demo.running and demo.base_url.startswith("http://127.0.0.1:")
            assert (folder / "demo-server.sqlite3").exists()
            repo = RecordRepository(vault)
            rep = SyncEngine(vault, repo=repo).sync()
            assert rep.outcome == "converged", rep
            assert stored(repo, "person", PERSON_ID)["last_name"] == "Иванова"
            repo.edit("person", PERSON_ID, {"phone": "+79169998877"})
            assert SyncEngine(vault, repo=repo).sync().applied == 1
        finally:
            demo.stop()
        assert not demo.running
        # a second start reuses the data (new credentials) and the replica stays converged
        demo = start_demo(folder, vault)
        try:
            rep = SyncEngine(vault).sync()
            assert rep.outcome == "converged", rep
            assert RecordRepository(vault).get("person", PERSON_ID)["phone"] == "+79169998877"
        finally:
            demo.stop()
