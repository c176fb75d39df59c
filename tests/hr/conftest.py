"""Fixtures of the HR clerk's tests (issue 13): a real server on loopback, clerk profiles
logged in through ``frmr login``, real SQLCipher vaults."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("FRMR_FAST_KDF", "1")

from desktop.cli import main
from desktop.models.checkdigits import make_inn10
from desktop.models.repository import RecordRepository, remember_account
from desktop.vault.store import Vault
from tests.sync.conftest import proxy, server  # noqa: F401  (the real server and its fault proxy, shared)
from tests.sync.world import PASSWORD

PASS = "кадры фраза 12345"
INN = make_inn10("770212345")
ORG_NAME = "ГКБ № 1"


def frmr(profile: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``frmr`` in-process with the exit code and both streams as a subprocess would give them."""
    saved = dict(os.environ)
    os.environ.update({"FRMR_PASSPHRASE": PASS, "FRMR_FAST_KDF": "1", "FRMR_SERVER_PASSWORD": PASSWORD,
                       **(env or {})})
    out, err = io.StringIO(), io.StringIO()
    argv = ["--profile", str(profile), *args]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:
                code = int(exc.code or 0)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def new_profile(tmp_path: Path, name: str = "hr") -> Path:
    """A profile folder with a vault, as ``frmr init`` makes it (made directly: the init's own
    questions are not what these tests are about)."""
    prof = tmp_path / name
    v, _ = Vault.create(prof, PASS)
    v.close()
    return prof


@pytest.fixture
def hr_vault(tmp_path: Path) -> Iterator[Vault]:
    """A clerk's vault offline: role hr, one organization (as a login would have stored it)."""
    v, _ = Vault.create(tmp_path / "hrv", PASS)
    with v.begin() as conn:
        remember_account(conn, "hr", [{"inn": INN, "name": ORG_NAME}])
    yield v
    v.close()


@pytest.fixture
def hr_repo(hr_vault: Vault) -> RecordRepository:
    return RecordRepository(hr_vault, user="clerk", host="ws-hr")


def person_values(snils: str, **kw: Any) -> dict[str, Any]:
    return {"snils": snils, "last_name": "Иванова", "first_name": "Мария", "patronymic": "Петровна",
            "gender": "female", "birth_date": "17.03.1984", **kw}


def card_values(**kw: Any) -> dict[str, Any]:
    return {"position_code": "4", "position_type": "main", "contract_kind": "labor", "rate": "1",
            "begin_date": "01.09.2013", **kw}
