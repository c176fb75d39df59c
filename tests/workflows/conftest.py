"""Fixtures of the doctor's workflow tests (issue 14): the real server on loopback and its fault
proxy (tests/sync), doctor and clerk profiles logged in through ``frmr login``, real vaults;
the clerk's and the operator's side through the server's own API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from desktop.models.repository import RecordRepository
from desktop.sync.api import CLIENT_SCHEMA
from desktop.vault.store import Vault
from tests.hr.conftest import frmr, new_profile
from tests.sync.conftest import proxy, server  # noqa: F401  (the real server and its fault proxy, shared)
from tests.sync.world import PASSWORD


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordRepository]:
    """A fresh local vault's repository, no server: for what is saved before anything is sent."""
    monkeypatch.setenv("FRMR_FAST_KDF", "1")
    vault, _ = Vault.create(tmp_path / "p", "a passphrase for the test 2026")
    yield RecordRepository(vault)
    vault.close()


def ok(cp: Any) -> str:
    assert cp.returncode == 0, cp.stdout + cp.stderr
    return str(cp.stdout)


def logged_in(srv: dict[str, Any], tmp_path: Path, login: str, name: str, url: str | None = None) -> Path:
    """A profile logged in as ``login`` and synced once."""
    prof = new_profile(tmp_path, name)
    ok(frmr(prof, "login", "--server", url or srv["url"], "--username", login, "--password", PASSWORD))
    ok(frmr(prof, "sync"))
    return prof


def api(srv: dict[str, Any], login: str) -> httpx.Client:
    """The server's API as ``login`` (the clerk's and the operator's side, whose screens are elsewhere)."""
    token = srv["db"].session(login)["access_token"]
    return httpx.Client(base_url=srv["url"], timeout=30,
                        headers={"Authorization": f"Bearer {token}", "X-Client-Schema": str(CLIENT_SCHEMA)})
