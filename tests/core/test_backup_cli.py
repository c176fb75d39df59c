"""``frmr backup`` / ``frmr restore``: the same core as the window, exit codes, Russian messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.models.checkdigits import make_snils
from desktop.vault.backup import SUFFIX
from tests.core.test_cli import frmr


@pytest.fixture
def prof(tmp_path: Path) -> Path:
    p = tmp_path / "prof"
    assert frmr(p, "init", "--name", "Тест", "--consent").returncode == 0
    assert frmr(p, "add", "person", f"snils={make_snils('128456739')}", "last_name=Петров", "first_name=Пётр",
                "gender=male", "birth_date=02.03.1975").returncode == 0
    return p


def test_backup_then_restore_from_the_command_line(prof: Path, tmp_path: Path) -> None:
    out = tmp_path / "copies"
    out.mkdir()
    r = frmr(prof, "backup", "--out", str(out), "--keep", "2")
    assert r.returncode == 0 and "Резервная копия создана" in r.stdout, r.stderr
    assert "неотправленных изменений: 1" in r.stdout
    for _ in range(2):
        assert frmr(prof, "backup", "--out", str(out / f"more-{_}{SUFFIX}"), "--keep", "2").returncode == 0
    assert len(list(out.glob(f"*{SUFFIX}"))) == 2  # only the two newest kept
    copy = sorted(out.glob(f"*{SUFFIX}"))[-1]
    assert frmr(prof, "edit", "person", frmr(prof, "show", "person", "--json").stdout.split('"id": "')[1][:36],
                "last_name=Сидоров").returncode == 0
    r = frmr(prof, "restore", str(copy))
    assert r.returncode == 0 and "восстановлен из копии от" in r.stdout, r.stderr
    assert "Прежние файлы хранилища сохранены" in r.stdout
    assert "Петров" in frmr(prof, "show", "person").stdout


@pytest.mark.parametrize("damage, code, needle", [
    ("truncate", 2, "обрезан"),
    ("flip", 1, "повреждена"),
])
def test_restore_refuses_bad_copies_with_exit_codes(prof: Path, tmp_path: Path, damage: str, code: int,
                                                    needle: str) -> None:
    assert frmr(prof, "backup", "--out", str(tmp_path)).returncode == 0
    (copy,) = tmp_path.glob(f"*{SUFFIX}")
    data = bytearray(copy.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 3]
    else:
        data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    r = frmr(prof, "restore", str(copy))
    assert r.returncode == code and needle in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_restore_of_another_profiles_copy_and_a_wrong_passphrase(prof: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    assert frmr(other, "init", "--consent").returncode == 0
    assert frmr(other, "backup", "--out", str(tmp_path)).returncode == 0
    (copy,) = tmp_path.glob(f"*{SUFFIX}")
    r = frmr(prof, "restore", str(copy))
    assert r.returncode == 2 and "другого профиля" in r.stderr
    r = frmr(other, "restore", str(copy), env={"FRMR_PASSPHRASE": "совсем не та фраза"})
    assert r.returncode == 2 and "неверная парольная фраза" in r.stderr


def test_backup_into_a_missing_folder(prof: Path, tmp_path: Path) -> None:
    r = frmr(prof, "backup", "--out", str(tmp_path / "нет такой"))
    assert r.returncode == 2 and "не найдена" in r.stderr
    assert frmr(prof, "backup", "--keep", "0").returncode == 2
