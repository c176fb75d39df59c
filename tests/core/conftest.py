from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.models.checkdigits import make_inn10, make_snils
from desktop.models.repository import RecordRepository
from desktop.vault.store import Vault

PASS = "правильная фраза 1"


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRMR_FAST_KDF", "1")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "profile"


@pytest.fixture
def vault(folder: Path) -> Iterator[Vault]:
    v, _ = Vault.create(folder, PASS)
    yield v
    v.close()


@pytest.fixture
def repo(vault: Vault) -> RecordRepository:
    r = RecordRepository(vault, user="tester", host="ws-1")
    r.add("person", person_values())
    return r


def person_values(**kw: str) -> dict[str, str]:
    return {"snils": make_snils("128456739"), "last_name": "Иванова", "first_name": "Мария",
            "gender": "female", "birth_date": "17.03.1984", **kw}


def card_values(**kw: str) -> dict[str, str]:
    return {"org_name": "ГКБ № 1", "org_inn": make_inn10("770212345"), "position_code": "4",
            "position_type": "main", "contract_kind": "labor", "rate": "1", "begin_date": "01.09.2013",
            "profile": "терапия", **kw}
