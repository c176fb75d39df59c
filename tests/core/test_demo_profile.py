"""``frmr-desktop --demo`` opens the doctor's demo profile even when the clerk's and the manager's
demo profiles sit beside it (their names sort first: «Демо: …» before «Демонстрационный …»)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.demo import DEMO_PROFILE_NAME, ensure_demo_profile
from desktop.vault.layout import DB_NAME, KEYS_NAME
from desktop.vault.profiles import PROFILE_FILE, list_profiles, read_profile


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRMR_FAST_KDF", "1")


def test_the_doctors_demo_profile_is_chosen_beside_the_clerks(tmp_path: Path) -> None:
    doctor = ensure_demo_profile(tmp_path)
    for folder, login, name in (("0hr", "hr1", "Демо: кадровая служба ГКБ № 1"),
                                ("0mgr", "manager", "Демо: главный врач ГКБ № 1")):
        d = tmp_path / folder
        d.mkdir()
        (d / KEYS_NAME).write_text("{}", encoding="utf-8")
        (d / DB_NAME).write_bytes(b"")
        (d / PROFILE_FILE).write_text(json.dumps({"name": name, "demo": True, "demo_login": login,
                                                  "demo_passphrase": "x"}, ensure_ascii=False), encoding="utf-8")
    assert list_profiles(tmp_path)[0].name != DEMO_PROFILE_NAME  # the others do sort first
    assert ensure_demo_profile(tmp_path) == doctor
    assert read_profile(doctor).name == DEMO_PROFILE_NAME
