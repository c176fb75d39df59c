"""``frmr`` does what the window does (issue 16 item 11): the passphrase policy, the 152-ФЗ
consent recorded in the vault and its journal, ``frmr recover``, and output into a closed pipe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.models.checkdigits import make_snils
from desktop.models.repository import RecordRepository
from desktop.vault.store import Vault
from tests.core.test_cli import PASS, frmr


@pytest.fixture
def made(tmp_path: Path) -> tuple[Path, str]:
    """(profile, recovery key) of a profile made by ``frmr init --consent``."""
    p = tmp_path / "prof"
    r = frmr(p, "init", "--name", "Тест", "--consent")
    assert r.returncode == 0, r.stderr
    key = r.stdout.split("он показывается один раз): ")[1].split()[0]
    assert frmr(p, "add", "person", f"snils={make_snils('128456739')}", "last_name=Петров", "first_name=Пётр",
                "gender=male", "birth_date=02.03.1975").returncode == 0
    return p, key


def test_init_records_the_consent_like_the_window(made: tuple[Path, str]) -> None:
    p, _ = made
    with Vault.open(p, PASS) as v:
        repo = RecordRepository(v)
        ts = repo.consent_given()
        assert ts is not None
        with v.read() as conn:
            actions = [r[0] for r in conn.exec_driver_sql("SELECT action FROM audit ORDER BY seq")]
        assert actions.count("consent_152fz") == 1
        assert repo.verify_journal().ok


@pytest.mark.parametrize("weak, needle", [
    ("abcdefghijkl", "слишком простая"),     # the example: 12 characters of a sequence
    ("P@ssw0rd2026", "слишком простая"),     # four classes, a common password all the same
    ("Тест12345678", "слишком простая"),     # the profile's own name and a sequence
    ("коротко1", "не короче 12 символов"),
])
def test_init_applies_the_windows_passphrase_policy(tmp_path: Path, weak: str, needle: str) -> None:
    p = tmp_path / "new"
    r = frmr(p, "init", "--name", "Тест", "--consent", env={"FRMR_PASSPHRASE": weak})
    assert r.returncode == 2 and needle in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert not p.exists()  # refused before anything was created


def test_init_without_consent_creates_nothing(tmp_path: Path) -> None:
    p = tmp_path / "new"
    r = frmr(p, "init", "--name", "Тест")
    assert r.returncode == 2 and "152-ФЗ" in r.stderr and "--consent" in r.stderr
    assert not p.exists()


def test_consent_text_is_the_windows() -> None:
    from desktop.models.consent import CONSENT_TEXT

    r = frmr(Path("."), "consent-text")
    assert r.returncode == 0 and r.stdout.strip() == CONSENT_TEXT.strip()


def test_recover_sets_a_new_passphrase(made: tuple[Path, str]) -> None:
    p, key = made
    new = "кирпич зонт весна 42"
    r = frmr(p, "recover", env={"FRMR_RECOVERY_KEY": key.lower(), "FRMR_NEW_PASSPHRASE": new})
    assert r.returncode == 0, r.stderr
    assert frmr(p, "show", env={"FRMR_PASSPHRASE": new}).returncode == 0
    assert "Неверная парольная фраза" in frmr(p, "show").stderr  # the old one no longer opens it


def test_recover_refuses_a_wrong_key_and_a_weak_or_personal_phrase(made: tuple[Path, str]) -> None:
    p, key = made
    r = frmr(p, "recover", env={"FRMR_RECOVERY_KEY": "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH",
                                "FRMR_NEW_PASSPHRASE": "кирпич зонт весна 42"})
    assert r.returncode == 2 and "Неверный ключ восстановления" in r.stderr
    # the person's own surname and birth date: guessed first, refused like in the window
    r = frmr(p, "recover", env={"FRMR_RECOVERY_KEY": key, "FRMR_NEW_PASSPHRASE": "Петров02.03.1975!"})
    assert r.returncode == 2 and "имени или дате рождения" in r.stderr, r.stderr
    assert frmr(p, "show").returncode == 0  # nothing changed: the old phrase still opens it


def test_passwd_applies_the_policy(made: tuple[Path, str]) -> None:
    p, _ = made
    r = frmr(p, "passwd", "--new", "P@ssw0rd2026")
    assert r.returncode == 2 and "слишком простая" in r.stderr
    assert frmr(p, "show").returncode == 0


def test_output_into_a_closed_pipe_ends_quietly(made: tuple[Path, str]) -> None:
    """``frmr show --json | head -c 10``: the reader is gone before the output is written."""
    p, _ = made
    env = {**os.environ, "FRMR_PASSPHRASE": PASS, "FRMR_FAST_KDF": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "desktop.cli", "--profile", str(p), "show", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0
    assert "Traceback" not in err and "BrokenPipe" not in err and err == ""


def test_shell_pipeline_into_head(made: tuple[Path, str]) -> None:
    p, _ = made
    env = {**os.environ, "FRMR_PASSPHRASE": PASS, "FRMR_FAST_KDF": "1"}
    cmd = f'"{sys.executable}" -m desktop.cli --profile "{p}" show --json | head -c 10'
    r = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True, env=env, timeout=120)
    assert len(r.stdout) <= 10 and r.stdout.startswith("{")
    assert "Traceback" not in r.stderr and "BrokenPipe" not in r.stderr
    assert r.returncode == 0


def test_moments_are_shown_in_local_time_by_the_one_formatter() -> None:
    """The vault and the server keep UTC ISO 8601; people read дд.мм.гггг ЧЧ:ММ in their zone."""
    import datetime as dt

    from desktop.models.formatting import fmt_timestamp

    msk = dt.timezone(dt.timedelta(hours=3))
    assert fmt_timestamp("2026-12-02T21:30:05+00:00", msk) == "03.12.2026 00:30"
    assert fmt_timestamp("2026-12-02T21:30:05Z", msk) == "03.12.2026 00:30"
    assert fmt_timestamp("2026-12-02T21:30:05", msk) == "03.12.2026 00:30"  # no zone: UTC, as stored
    assert fmt_timestamp("", msk) == "" and fmt_timestamp(None) == ""
    assert fmt_timestamp("вчера", msk) == "вчера"


def test_status_prints_the_last_sync_in_local_time(made: tuple[Path, str]) -> None:
    p, _ = made
    r = frmr(p, "status")
    assert r.returncode == 0 and "Последняя успешная синхронизация: не было" in r.stdout


def _in_a_terminal(args: list[str], answers: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``frmr`` on a pseudo-terminal (getpass and the consent question need one), typing
    each answer after the prompt before it appears."""
    import pty
    import select
    import time

    pid, fd = pty.fork()
    if pid == 0:  # the child: frmr itself
        os.execve(sys.executable, [sys.executable, "-m", "desktop.cli", *args], env)
    out = b""
    mark = 0  # answers go only to a prompt that came after the last answer
    pending = list(answers)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            if pending and out[mark:].rstrip().endswith(b":"):
                time.sleep(0.2)  # getpass turns the echo off after it prints the prompt
                os.write(fd, pending.pop(0).encode() + b"\n")
                mark = len(out)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace")


@pytest.mark.skipif(os.name != "posix", reason="a pseudo-terminal")
@pytest.mark.parametrize("answer, code", [("да", 0), ("нет", 2)])
def test_init_in_a_terminal_asks_for_the_consent(tmp_path: Path, answer: str, code: int) -> None:
    p = tmp_path / "prof"
    env = {k: v for k, v in os.environ.items() if k != "FRMR_PASSPHRASE"}
    env["FRMR_FAST_KDF"] = "1"
    phrase = "кирпич зонт весна 42"
    rc, out = _in_a_terminal(["--profile", str(p), "init", "--name", "Тест"], [phrase, phrase, answer], env)
    assert "152-ФЗ" in out and "(да/нет)" in out
    assert phrase not in out  # typed with the echo off
    assert rc == code, out
    if code == 0:
        assert "Согласие на обработку персональных данных (152-ФЗ) записано" in out
        with Vault.open(p, phrase) as v:
            assert RecordRepository(v).consent_given() is not None
    else:
        assert "Ничего не создано" in out and not p.exists()
