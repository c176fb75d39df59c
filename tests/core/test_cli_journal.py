"""The command line writes the same «Мой журнал» entries as the window: every unlock (with the
failed attempts before it) and every export it makes from the vault."""

from __future__ import annotations

import json
from pathlib import Path

from desktop.models.checkdigits import make_snils
from tests.core.test_cli import frmr


def _entries(prof: Path) -> list[dict[str, object]]:
    cp = frmr(prof, "journal", "--local", "--json")
    assert cp.returncode == 0, cp.stderr
    out: list[dict[str, object]] = json.loads(cp.stdout)
    return out


def test_cli_unlocks_failures_and_exports_are_journaled(tmp_path: Path) -> None:
    prof = tmp_path / "p"
    assert frmr(prof, "init", "--name", "Тест", "--consent").returncode == 0
    assert frmr(prof, "add", "person", f"snils={make_snils('128456739')}", "last_name=Петров",
                "first_name=Пётр", "gender=male", "birth_date=02.03.1975").returncode == 0
    unlocks = sum(1 for e in _entries(prof) if e["action"] == "unlock")
    assert unlocks >= 1  # «add» unlocked the vault from the command line

    wrong = frmr(prof, "show", env={"FRMR_PASSPHRASE": "совсем не та фраза 123"})
    assert wrong.returncode != 0 and "Traceback" not in wrong.stderr
    assert frmr(prof, "show").returncode == 0
    items = _entries(prof)
    assert sum(1 for e in items if e["action"] == "unlock") >= unlocks + 1
    assert any(e["action"] == "unlock_failed" for e in items), items

    out = tmp_path / "nmo.xlsx"
    cp = frmr(prof, "export", "nmo", "--format", "xlsx", "--out", str(out))
    assert cp.returncode == 0, cp.stderr
    assert out.is_file()
    exports = [e for e in _entries(prof) if e["action"] == "export"]
    assert exports and "Петров" not in json.dumps(exports, ensure_ascii=False)  # kinds, never values
    assert frmr(prof, "audit", "verify").returncode == 0  # the journal's chain holds
