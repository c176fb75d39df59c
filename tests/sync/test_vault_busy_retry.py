"""A sync transaction that meets the vault's write lock taken by another connection (the GUI's
DB worker saving just then) is tried again, not failed: SQLCipher's own «database is locked»
error — which SQLAlchemy passes through unwrapped, the vault's engine being built on a
creator — is the one retried (the demo window's second unlock failed its sync on it in CI)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection

from desktop.models.repository import get_meta, set_meta
from desktop.sync.engine import SyncEngine
from desktop.vault.store import Vault


def test_a_write_overtaken_by_another_connection_is_retried(tmp_path: Path) -> None:
    vault, _ = Vault.create(tmp_path / "v", "Очень-надёжная-фраза-2026")
    calls: list[int] = []
    try:
        engine = SyncEngine(vault)

        def write(conn: Connection) -> str:
            calls.append(1)
            get_meta(conn, "probe")  # this transaction's snapshot is taken here
            if len(calls) == 1:
                # another connection writes and commits meanwhile: this snapshot can no longer
                # become a write — SQLite answers «database is locked» at once, without waiting
                with vault.begin() as other:
                    set_meta(other, "probe", "other")
            set_meta(conn, "probe", "sync")
            return "done"

        assert engine._write(write) == "done"
        assert len(calls) == 2  # the first attempt met the lock, the second wrote
        with vault.read() as conn:
            assert get_meta(conn, "probe") == "sync"
    finally:
        vault.close()
