"""``frmr`` as a script would run it: real processes, real vault, exit codes."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.models.checkdigits import make_snils
from desktop.vault.store import Vault

PASS = "cli фраза 12345"


def frmr(profile: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``frmr`` in-process (fast); the exit code and both streams as a subprocess would give them."""
    saved = dict(os.environ)
    os.environ.update({"FRMR_PASSPHRASE": PASS, "FRMR_FAST_KDF": "1", **(env or {})})
    out, err = io.StringIO(), io.StringIO()
    argv = ["--profile", str(profile), *args]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse usage errors
                code = int(exc.code or 0)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def frmr_process(profile: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    e = {**os.environ, "FRMR_PASSPHRASE": PASS, "FRMR_FAST_KDF": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "desktop.cli", "--profile", str(profile), *args],
                          capture_output=True, text=True, env=e, timeout=120, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("cli") / "prof"
    r = frmr(p, "init", "--name", "Тест", "--consent")
    assert r.returncode == 0, r.stderr
    assert "Ключ восстановления" in r.stdout
    r = frmr(p, "add", "person", f"snils={make_snils('128456739')}", "last_name=Петров", "first_name=Пётр",
             "gender=male", "birth_date=02.03.1975")
    assert r.returncode == 0, r.stderr
    return p


def test_add_show_edit_delete(profile: Path) -> None:
    r = frmr(profile, "add", "employment", "org_name=ГКБ № 5", "org_inn=7707083893", "position_code=4",
             "position_type=main", "contract_kind=labor", "rate=1", "begin_date=01.01.2020",
             "end_date=31.12.2020", "profile=терапия")
    assert r.returncode == 0, r.stderr
    cid = r.stdout.strip()
    rows = json.loads(frmr(profile, "show", "employment", "--json").stdout)
    assert rows[0]["id"] == cid and rows[0]["rate"] == "1" and rows[0]["begin_date"] == "2020-01-01"
    assert set(rows[0]) >= {"id", "org_name", "org_inn", "position_code", "rate", "status"}
    s = json.loads(frmr(profile, "seniority", "--json").stdout)
    assert s == {"total": {"years": 1, "months": 0, "days": 0},
                 "by_profile": {"терапия": {"years": 1, "months": 0, "days": 0}}}
    r = frmr(profile, "edit", "employment", cid, "rate=0,5")
    assert r.returncode == 0 and "rate" in r.stdout
    r = frmr(profile, "delete", "employment", cid)
    assert r.returncode == 0
    assert json.loads(frmr(profile, "show", "employment", "--json").stdout) == []
    assert frmr(profile, "audit", "verify").returncode == 0


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (("add", "person", "snils=112-233-445 96"), 1, "«СНИЛС»: неверное контрольное число"),
        (("add", "employment", "org_name=X", "org_inn=7707083893", "position_code=4", "position_type=main",
          "contract_kind=labor", "rate=3", "begin_date=01.01.2020"), 1, "«Ставка»"),
        (("add", "nmo", "event_date=01.01.2099", "kind=iom", "title=X", "credits=1"), 1, "в будущем"),
        (("add", "bogus", "x=1"), 2, "Неизвестный раздел"),
        (("add", "person", "nonsense"), 2, "ПОЛЕ=ЗНАЧЕНИЕ"),
        (("add", "person", "salary=1"), 2, "Неизвестное поле"),
        (("edit", "person", "no-such-id", "last_name=X"), 2, "не найдена"),
        (("validate", "snils", "112-233-445 96"), 1, "неверен"),
        (("nsi", "import", "/nonexistent.json"), 2, "Не удалось прочитать"),
    ],
)
def test_bad_input_exit_codes(profile: Path, args: tuple[str, ...], code: int, needle: str) -> None:
    before = frmr(profile, "show", "--json").stdout
    r = frmr(profile, *args)
    assert r.returncode == code, (r.stdout, r.stderr)
    assert needle in r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert frmr(profile, "show", "--json").stdout == before


def test_real_process_exit_codes(profile: Path) -> None:
    r = frmr_process(profile, "show", "person", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)[0]["last_name"] == "Петров"
    r = frmr_process(profile, "show", env={"FRMR_PASSPHRASE": "wrong"})
    assert r.returncode == 2 and "Неверная парольная фраза" in r.stderr
    assert "Traceback" not in r.stderr


def test_validate_commands() -> None:
    for kind, value in (("snils", "112-233-445 95"), ("inn", "7707083893"), ("ogrn", "1027700132195"),
                        ("kpp", "773601001"), ("kpp", "7736ab001"), ("inn", " 500100732259 ")):
        assert main(["validate", kind, value]) == 0


def test_validate_agrees_with_add_and_says_why(profile: Path) -> None:
    # A lower-case КПП is stored upper-cased by an edit; ``validate`` once called it wrong.
    r = frmr(profile, "validate", "kpp", "7736ab001")
    assert r.returncode == 0 and "верен" in r.stdout
    for args, reason in ((("inn", "77070838931"), "10 цифр (организация) или 12"),
                         (("snils", "112-233-445 96"), "контрольное число"),
                         (("kpp", "7736-01-001"), "9 знаков"),
                         (("ogrn", "１０２７７００１３２１９５"), "13 цифр")):
        r = frmr(profile, "validate", *args)
        assert r.returncode == 1 and "неверен" in r.stdout and reason in r.stdout, (args, r.stdout)


def test_nsi_import_json_and_csv(profile: Path, tmp_path: Path) -> None:
    j = tmp_path / "spec.json"
    j.write_text(json.dumps({"oid": "1.2.643.5.1.13.13.11.1066",
                             "entries": [{"code": "900", "name": "Новая специальность"}]}, ensure_ascii=False))
    r = frmr(profile, "nsi", "import", str(j))
    assert r.returncode == 0, r.stderr
    r = frmr(profile, "add", "certificate", "specialty_code=900", "cert_number=77", "issue_date=01.02.2022")
    assert r.returncode == 0, r.stderr
    c = tmp_path / "pos.csv"
    c.write_text("# oid=1.2.643.5.1.13.13.11.1102\nID;NAME\n901;врач-исследователь\n", encoding="utf-8")
    assert frmr(profile, "nsi", "import", str(c)).returncode == 0
    bad = tmp_path / "bad.json"
    bad.write_text('{"oid": "1.2.3", "entries": []}')
    r = frmr(profile, "nsi", "import", str(bad))
    assert r.returncode == 2 and "не поддерживается" in r.stderr


def test_tampered_journal_is_exit_1(tmp_path: Path) -> None:
    p = tmp_path / "prof"
    assert frmr(p, "init", "--consent").returncode == 0
    assert frmr(p, "add", "person", f"snils={make_snils('128456739')}", "last_name=А", "first_name=Б",
                "gender=male", "birth_date=02.03.1975").returncode == 0
    with Vault.open(p, PASS) as v, v.begin() as conn:
        conn.exec_driver_sql("update audit set action = 'x' where seq = 1")
    r = frmr(p, "audit", "verify")
    assert r.returncode == 1 and "изменена" in r.stderr
