"""The demo server keeps its port per demo profile, so a relaunch syncs on from the stored
cursor instead of pulling everything again; a taken port moves the vault along explicitly."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.demo import DEMO_PASSPHRASE, ensure_demo_profile
from desktop.models.repository import RecordRepository, get_meta, set_meta
from desktop.sync.auth import CURSOR_KEY, SERVER_KEY
from desktop.sync.embedded import STATE_NAME, remembered_port, start_demo
from desktop.sync.engine import SyncEngine
from desktop.vault.store import Vault


@pytest.fixture
def demo_vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Vault]]:
    monkeypatch.setenv("FRMR_FAST_KDF", "1")
    folder = ensure_demo_profile(tmp_path / "profiles")
    with Vault.open(folder, DEMO_PASSPHRASE) as vault:
        yield folder, vault


def _meta(vault: Vault, key: str) -> str:
    with vault.read() as conn:
        return get_meta(conn, key) or ""


def _first_run(folder: Path, vault: Vault) -> tuple[str, str]:
    """Start, sync everything once, stop: (the URL, the cursor the vault keeps)."""
    demo = start_demo(folder, vault)
    try:
        rep = SyncEngine(vault, repo=RecordRepository(vault)).sync()
        assert rep.outcome == "converged" and rep.pulled > 0, rep
    finally:
        demo.stop()
    assert not demo.running
    cursor = _meta(vault, CURSOR_KEY)
    assert cursor and _meta(vault, SERVER_KEY) == demo.base_url
    return demo.base_url, cursor


def test_second_start_reuses_the_port_and_does_not_repull(demo_vault: tuple[Path, Vault]) -> None:
    folder, vault = demo_vault
    url, cursor = _first_run(folder, vault)
    assert json.loads((folder / STATE_NAME).read_text())["port"] == int(url.rsplit(":", 1)[1])
    demo = start_demo(folder, vault)
    try:
        assert demo.base_url == url and not demo.moved_from
        assert _meta(vault, CURSOR_KEY) == cursor  # the new login kept the replica's feed position
        rep = SyncEngine(vault).sync()
        assert rep.outcome == "converged" and rep.pulled == 0 and not rep.repulled, rep
    finally:
        demo.stop()


def test_taken_port_moves_the_vault_with_its_cursor(demo_vault: tuple[Path, Vault]) -> None:
    folder, vault = demo_vault
    url, cursor = _first_run(folder, vault)
    port = int(url.rsplit(":", 1)[1])
    with socket.socket() as squatter:  # another program took the port meanwhile
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        demo = start_demo(folder, vault)
        try:
            assert demo.port != port and demo.moved_from == url
            assert _meta(vault, SERVER_KEY) == demo.base_url
            assert _meta(vault, CURSOR_KEY) == cursor
            rep = SyncEngine(vault).sync()
            assert rep.outcome == "converged" and rep.pulled == 0 and not rep.repulled, rep
        finally:
            demo.stop()
    assert remembered_port(folder) == demo.port  # the next launch stays on the new port


def test_a_vault_of_another_server_is_not_repointed(demo_vault: tuple[Path, Vault]) -> None:
    """Only the demo server's own URL is followed: a vault that was logged in elsewhere starts
    its feed afresh on the demo login (remember_login's rule for a different server)."""
    folder, vault = demo_vault
    url, _cursor = _first_run(folder, vault)
    with vault.begin() as conn:
        set_meta(conn, SERVER_KEY, "https://frmr.example.ru")
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", int(url.rsplit(":", 1)[1])))
        squatter.listen()
        demo = start_demo(folder, vault)
    try:
        assert demo.moved_from == url
        assert _meta(vault, SERVER_KEY) == demo.base_url
        assert _meta(vault, CURSOR_KEY) == ""  # a different server -> its feed from the start
    finally:
        demo.stop()


@pytest.mark.parametrize("content", ["", "{", "[]", '{"port": "x"}', '{"port": 70000}', '{"port": -5}'])
def test_unreadable_state_file_means_no_remembered_port(tmp_path: Path, content: str) -> None:
    (tmp_path / STATE_NAME).write_text(content)
    assert remembered_port(tmp_path) == 0
    assert remembered_port(tmp_path / "missing") == 0
