"""``frmr`` against a hostile user: exit code by the spec, a Russian message on stderr, no
traceback, and nothing in the vault changed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from desktop.models.checkdigits import make_snils
from desktop.models.repository import RecordRepository
from desktop.vault.store import Vault

from .test_cli import PASS, frmr

PERSON = (f"snils={make_snils('128456739')}", "last_name=Петров", "first_name=Пётр", "gender=male",
          "birth_date=02.03.1975")


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    p = tmp_path / "prof"
    assert frmr(p, "init", "--name", "Тест", "--consent").returncode == 0
    assert frmr(p, "add", "person", *PERSON).returncode == 0
    return p


def _refused(profile: Path, *args: str, code: int, needle: str,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    before = frmr(profile, "show", "--json").stdout
    r = frmr(profile, *args, env=env)
    assert r.returncode == code, (r.stdout, r.stderr)
    assert needle in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert frmr(profile, "show", "--json").stdout == before
    return r


def test_non_utf8_argument_is_bad_input(profile: Path) -> None:
    """It reached the database driver and died there with UnicodeEncodeError (exit 1, traceback)."""
    _refused(profile, "add", "nmo", "event_date=01.01.2020", "kind=iom", "title=\udcff\udcfe", "credits=1",
             code=2, needle="не в кодировке UTF-8")


def test_repeated_field_is_bad_input(profile: Path) -> None:
    """The last value won in silence, so a typo-corrected command saved whichever came last."""
    _refused(profile, "add", "nmo", "event_date=01.01.2020", "kind=iom", "title=А", "title=Б", "credits=1",
             code=2, needle="Поле «title» указано дважды")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("add",), "не указаны обязательные аргументы"),
        (("frobnicate",), "недопустимое значение 'frobnicate'"),
        (("delete", "person", "x", "y"), "лишние аргументы: y"),
        (("show", "--jsn"), "лишние аргументы: --jsn"),
    ],
)
def test_usage_errors_are_russian(profile: Path, args: tuple[str, ...], needle: str) -> None:
    _refused(profile, *args, code=2, needle=needle)


def test_second_init_changes_nothing(profile: Path) -> None:
    """It renamed the profile in profile.json before finding the vault already there."""
    prof_json = (profile / "profile.json").read_bytes()
    r = frmr(profile, "init", "--name", "Чужое имя")
    assert r.returncode == 2 and "уже есть хранилище" in r.stderr
    assert (profile / "profile.json").read_bytes() == prof_json


def test_init_with_a_short_passphrase_leaves_no_folder(tmp_path: Path) -> None:
    p = tmp_path / "new"
    r = frmr(p, "init", env={"FRMR_PASSPHRASE": "short"})
    assert r.returncode == 2 and "не короче 12 символов" in r.stderr
    assert not p.exists()


def test_init_on_a_file_is_bad_input(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    r = frmr(f, "init")
    assert r.returncode == 2 and "это файл, а не папка" in r.stderr
    assert "Traceback" not in r.stderr and f.read_text() == "x"


def test_folder_without_a_vault_points_to_init(tmp_path: Path) -> None:
    r = frmr(tmp_path, "show")
    assert r.returncode == 2 and "нет хранилища" in r.stderr and "init" in r.stderr


def test_waiting_message_has_no_double_period(profile: Path) -> None:
    for _ in range(3):
        frmr(profile, "show", env={"FRMR_PASSPHRASE": "не та фраза"})
    r = frmr(profile, "show")
    assert r.returncode == 2 and "Следующая попытка через" in r.stderr
    assert ".." not in r.stderr


def test_unreadable_page_is_a_damaged_vault_message(profile: Path) -> None:
    """A page damaged past the first one opens fine and failed with a DatabaseError traceback
    on the read that reached it."""
    with Vault.open(profile, PASS) as v:
        repo = RecordRepository(v)
        for i in range(300):
            repo.add("nmo", {"event_date": "01.01.2020", "kind": "iom", "title": f"Модуль {i} " + "х" * 200,
                             "credits": "1"})
    db = profile / "vault.db"
    data = bytearray(db.read_bytes())
    page = 4096
    last = len(data) // page - 1
    for n in range(last - 20, last + 1):  # the newest pages hold the nmo rows
        data[n * page + 100 : n * page + 200] = bytes(100)
    db.write_bytes(bytes(data))
    r = frmr(profile, "show", "nmo", "--json")
    assert r.returncode == 2, (r.stdout[:200], r.stderr)
    assert "повреждён" in r.stderr and "Traceback" not in r.stderr


def test_show_json_still_lists_rows(profile: Path) -> None:
    rows = json.loads(frmr(profile, "show", "person", "--json").stdout)
    assert rows[0]["last_name"] == "Петров"
