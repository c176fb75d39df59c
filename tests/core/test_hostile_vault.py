"""The vault and its journal after hands have been in the files: a clear VaultError or a
journal finding, never a crash, a hang, or a silently emptied vault."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desktop.models.repository import PERSON_KEY, RecordRepository, get_meta
from desktop.models.validation import ValidationFailed
from desktop.vault.attempts import AttemptCounter
from desktop.vault.errors import DamagedVault, VaultError
from desktop.vault.store import Vault

from .conftest import PASS, person_values

NMO = {"event_date": "01.01.2020", "kind": "iom", "title": "Модуль", "credits": "1"}


def _set(path: tuple[str, ...], value: Any) -> Callable[[Any], Any]:
    def change(doc: Any) -> Any:
        node = doc
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = value
        return doc
    return change


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: [1, 2], id="json-list"),
        pytest.param(_set(("passphrase",), "x"), id="wrapped-key-a-string"),
        pytest.param(_set(("passphrase",), None), id="wrapped-key-null"),
        pytest.param(_set(("kdf", "parallelism"), 0), id="parallelism-0"),
        pytest.param(_set(("salt",), ""), id="empty-salt"),
        pytest.param(_set(("kdf", "memory_kib"), 10**12), id="memory-past-32-bits"),
        pytest.param(_set(("kdf", "memory_kib"), 2**31), id="memory-2-TiB"),
        pytest.param(_set(("kdf", "time_cost"), 10**6), id="a-million-passes"),
    ],
)
def test_garbage_key_file_is_damaged_vault(vault: Vault, folder: Path, change: Callable[[Any], Any]) -> None:
    """Each of these raised AttributeError/TypeError/OverflowError/HashingError (or ran Argon2
    for hours) instead of saying that keys.json is damaged."""
    vault.close()
    keys = folder / "keys.json"
    keys.write_text(json.dumps(change(json.loads(keys.read_text()))))
    with pytest.raises(DamagedVault, match=r"keys\.json"):
        Vault.open(folder, PASS)
    assert AttemptCounter(folder / "attempts.json").failures == 0  # not the person's mistake


def test_damaged_recovery_entry_does_not_lock_out_the_passphrase(vault: Vault, folder: Path) -> None:
    vault.close()
    keys = folder / "keys.json"
    keys.write_text(json.dumps(_set(("recovery",), None)(json.loads(keys.read_text()))))
    Vault.open(folder, PASS).close()


def test_empty_vault_file_is_not_taken_for_a_new_vault(vault: Vault, folder: Path) -> None:
    """SQLCipher opened a 0-byte vault.db as a new database: the CLI showed an empty record
    and rebuilt the file in place."""
    RecordRepository(vault).add("person", person_values())
    vault.close()
    db = folder / "vault.db"
    db.write_bytes(b"")
    with pytest.raises(DamagedVault, match="пуст"):
        Vault.open(folder, PASS)
    assert db.stat().st_size == 0


def _tamper(folder: Path, *statements: str) -> None:
    with Vault.open(folder, PASS) as v, v.begin() as conn:
        for s in statements:
            conn.exec_driver_sql(s)


@pytest.mark.parametrize(
    ("statements", "finding"),
    [
        (("update meta set value = 'garbage' where key = 'audit_head'",), "конец журнала изменён"),
        (("update audit set user = X'FF' where seq = 2",), "№2 изменена"),
        (("drop table audit",), "отсутствует"),
    ],
)
def test_journal_tampering_is_a_finding_not_a_crash(vault: Vault, folder: Path,
                                                    statements: tuple[str, ...], finding: str) -> None:
    repo = RecordRepository(vault)
    repo.add("person", person_values())
    repo.add("nmo", NMO)
    vault.close()
    _tamper(folder, *statements)
    with Vault.open(folder, PASS) as v:
        rep = RecordRepository(v).verify_journal()
    assert not rep.ok
    assert any(finding in p for p in rep.problems), rep.problems


def test_change_refused_while_the_journal_head_is_garbage(vault: Vault, folder: Path) -> None:
    RecordRepository(vault).add("person", person_values())
    vault.close()
    _tamper(folder, "update meta set value = 'garbage' where key = 'audit_head'")
    with Vault.open(folder, PASS) as v:
        repo = RecordRepository(v)
        before = repo.snapshot()
        with pytest.raises(VaultError, match="Журнал изменений повреждён"):
            repo.add("nmo", NMO)
        assert repo.snapshot() == before


def test_deleting_the_vaults_own_person_forgets_it(vault: Vault) -> None:
    """The meta key kept pointing at the deleted row: later records were attached to a person
    who no longer existed (invisible in the record) and a new person was not the vault's own."""
    repo = RecordRepository(vault)
    pid = repo.add("person", person_values()).id
    repo.delete("person", pid)
    with vault.read() as conn:
        assert get_meta(conn, PERSON_KEY) is None
    with pytest.raises(ValidationFailed, match="Сначала заполните"):
        repo.add("nmo", NMO)
    new = repo.add("person", person_values()).id
    repo.add("nmo", NMO)
    assert repo.person_id() == new
    assert len(repo.snapshot()["nmo"]) == 1
    assert repo.verify_journal().ok
