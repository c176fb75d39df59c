"""``frmr account`` and ``frmr journal`` against a real server on loopback, through the real CLI
process (a real SQLCipher vault): the contract's commands, and offline."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest

from desktop.models.journal import FailedUnlocks, record_export, record_signature, record_unlock
from desktop.models.repository import RecordRepository
from desktop.sync.account import AccountClient, AccountError, Offline, reset_password
from desktop.vault.store import Vault
from server.testing import current_otp, run_server
from tests.sync.world import PASSWORD, ServerDb

PASS = "account-test-passphrase"
NEW = "Совсем-Новый-Пароль-1!"
ROOT = Path(__file__).resolve().parents[2]


def frmr(profile: Path, *args: str, env: dict[str, str] | None = None,
         input: str | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "FRMR_PASSPHRASE": PASS, "FRMR_FAST_KDF": "1", **(env or {})}
    for name in ("FRMR_SERVER_PASSWORD", "FRMR_SERVER_NEW_PASSWORD"):
        if env is None or name not in env:
            full.pop(name, None)
    return subprocess.run([sys.executable, "-m", "desktop.cli", "--profile", str(profile), *args], env=full,
                          capture_output=True, text=True, timeout=120, cwd=ROOT, input=input or "")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('server') / 'server.sqlite3'}"
    with run_server(url) as base:
        db = ServerDb(url)
        yield {"url": base, "db": db}
        db.close()


def _profile(server: dict[str, Any], tmp_path: Path, *, person_id: str | None = None) -> tuple[Path, str]:
    if person_id:
        login = server["db"].account("doctor", person_id=person_id)
    else:
        login = server["db"].account("manager", org=server["db"].org())
    prof = tmp_path / "p"
    v, _ = Vault.create(prof, PASS)
    v.close()
    cp = frmr(prof, "login", "--server", server["url"], "--username", login, "--password", PASSWORD)
    assert cp.returncode == 0, cp.stderr
    return prof, login


def test_password_change_and_the_refusals(server: dict[str, Any], tmp_path: Path) -> None:
    prof, login = _profile(server, tmp_path)
    env = {"FRMR_SERVER_PASSWORD": "Wrong-Passw0rd!!", "FRMR_SERVER_NEW_PASSWORD": NEW}
    cp = frmr(prof, "account", "password", env=env)
    assert cp.returncode == 2 and "Неверный текущий пароль" in cp.stderr
    cp = frmr(prof, "account", "password", env={**env, "FRMR_SERVER_PASSWORD": PASSWORD,
                                                  "FRMR_SERVER_NEW_PASSWORD": "short"})
    assert cp.returncode == 2 and "не короче 12 символов" in cp.stderr
    cp = frmr(prof, "account", "password", env={**env, "FRMR_SERVER_PASSWORD": PASSWORD,
                                                  "FRMR_SERVER_NEW_PASSWORD": PASSWORD})
    assert cp.returncode == 2 and "совпадает" in cp.stderr
    cp = frmr(prof, "account", "password", env={**env, "FRMR_SERVER_PASSWORD": PASSWORD})
    assert cp.returncode == 0, cp.stderr
    assert "Пароль изменён" in cp.stdout
    # this vault stays signed in; a fresh login needs the new password
    assert frmr(prof, "account", "info").returncode == 0
    # a script may pipe the passwords instead, one per line (current, then new)
    cp = frmr(prof, "account", "password", input=f"{NEW}\n{NEW}-2\n")
    assert cp.returncode == 0, cp.stderr
    cp = frmr(prof, "account", "password", input=f"{NEW}-2\n{NEW}\n")
    assert cp.returncode == 0, cp.stderr
    cp = frmr(prof, "account", "password")  # nothing given at all
    assert cp.returncode == 2 and "FRMR_SERVER_PASSWORD" in cp.stderr
    other = tmp_path / "q"
    Vault.create(other, PASS)[0].close()
    assert frmr(other, "login", "--server", server["url"], "--username", login, "--password", NEW).returncode == 0
    # the journal shows the failure and the change, with the address
    cp = frmr(prof, "journal", "--kind", "account", "--json")
    assert cp.returncode == 0, cp.stderr
    actions = [i["action"] for i in json.loads(cp.stdout)]
    assert "password_change" in actions and "password_change_failed" in actions


def test_second_factor_enrol_confirm_and_codes(server: dict[str, Any], tmp_path: Path) -> None:
    prof, _login = _profile(server, tmp_path)
    cp = frmr(prof, "account", "2fa", "enrol")  # not enrolled yet: no password asked
    assert cp.returncode == 0, cp.stderr
    secret = re.search(r"Секрет: (\w+)", cp.stdout).group(1)  # type: ignore[union-attr]
    assert "otpauth://" in cp.stdout
    cp = frmr(prof, "account", "2fa", "confirm", "12345")
    assert cp.returncode == 2 and "6 цифр" in cp.stderr
    cp = frmr(prof, "account", "2fa", "confirm", current_otp(secret))
    assert cp.returncode == 0, cp.stderr
    codes = re.findall(r"\b[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}\b", cp.stdout)
    assert len(codes) == 10
    cp = frmr(prof, "account", "2fa", "recovery-codes", env={"FRMR_SERVER_PASSWORD": PASSWORD})
    assert cp.returncode == 0, cp.stderr
    again = re.findall(r"\b[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}\b", cp.stdout)
    assert len(again) == 10 and not set(again) & set(codes)
    # replacing the device needs the password
    svg = tmp_path / "qr.svg"
    cp = frmr(prof, "account", "2fa", "enrol", "--svg", str(svg), env={"FRMR_SERVER_PASSWORD": PASSWORD})
    assert cp.returncode == 0, cp.stderr
    assert svg.read_bytes().startswith(b"<?xml") or b"<svg" in svg.read_bytes()
    info = json.loads(frmr(prof, "account", "info", "--json").stdout)
    assert info["totp_enrolled"] and info["recovery_codes_left"] == 10
    assert pyotp.TOTP(secret).now()


def test_sessions_list_end_others_and_end_current(server: dict[str, Any], tmp_path: Path) -> None:
    pid, _ = server["db"].person(server["db"].org())
    prof, login = _profile(server, tmp_path, person_id=pid)
    assert frmr(prof, "sync").returncode == 0
    other = tmp_path / "q"
    Vault.create(other, PASS)[0].close()
    assert frmr(other, "login", "--server", server["url"], "--username", login, "--password", PASSWORD).returncode == 0
    cp = frmr(prof, "account", "sessions", "--json")
    assert cp.returncode == 0, cp.stderr
    sessions = json.loads(cp.stdout)
    assert len(sessions) == 2 and sum(s["current"] for s in sessions) == 1
    assert all(s["client"] == "ФРМР Desktop" for s in sessions)
    cp = frmr(prof, "account", "sessions", "end", "--others")
    assert cp.returncode == 0 and "1" in cp.stdout
    assert frmr(other, "account", "info").returncode == 5  # ended there
    # someone else's id: refused, nothing ended
    cp = frmr(prof, "account", "sessions", "end", "00000000-0000-0000-0000-000000000000")
    assert cp.returncode == 2 and "не найден" in cp.stderr
    # the current one: asks (here: needs --yes), then logs out cleanly and keeps the queue
    current = next(s["id"] for s in sessions if s["current"])
    cp = frmr(prof, "account", "sessions", "end", current)
    assert cp.returncode == 2 and "--yes" in cp.stderr
    cp = frmr(prof, "account", "sessions", "end", current, input="н\n")  # asked, declined
    assert cp.returncode == 2 and "Отменено" in cp.stderr
    assert frmr(prof, "edit", "person", pid, "email=queued@example.ru").returncode == 0
    before = json.loads(frmr(prof, "status", "--json", "--offline").stdout)["pending"]
    cp = frmr(prof, "account", "sessions", "end", current, "--yes")
    assert cp.returncode == 0, cp.stderr
    assert "очереди" in cp.stdout
    assert json.loads(frmr(prof, "status", "--json", "--offline").stdout)["pending"] == before >= 1
    assert frmr(prof, "account", "info").returncode == 5


def test_forgotten_password_by_the_operators_code(server: dict[str, Any], tmp_path: Path) -> None:
    prof, login = _profile(server, tmp_path)
    # only the operator issues codes
    cp = frmr(prof, "account", "reset-code", login)
    assert cp.returncode == 2 and "Недостаточно прав" in cp.stderr
    admin_prof = tmp_path / "admin"
    Vault.create(admin_prof, PASS)[0].close()
    admin = server["db"].account("admin")
    assert frmr(admin_prof, "login", "--server", server["url"], "--username", admin,
                "--password", PASSWORD).returncode == 0
    cp = frmr(admin_prof, "account", "reset-code", "no-such-login")
    assert cp.returncode == 2 and "не найдена" in cp.stderr
    cp = frmr(admin_prof, "account", "reset-code", login)
    assert cp.returncode == 0, cp.stderr
    code = re.search(r"([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})", cp.stdout).group(1)  # type: ignore[union-attr]
    cp = frmr(prof, "account", "password", "--code", "WRONG-CODE", "--login", login,
              env={"FRMR_SERVER_NEW_PASSWORD": NEW})
    assert cp.returncode == 2 and "Код сброса" in cp.stderr
    cp = frmr(prof, "account", "password", "--code", code, "--login", login, env={"FRMR_SERVER_NEW_PASSWORD": NEW})
    assert cp.returncode == 0, cp.stderr
    cp = frmr(prof, "account", "password", "--code", code, "--login", login,
              env={"FRMR_SERVER_NEW_PASSWORD": NEW + "x"})
    assert cp.returncode == 2  # used once
    with pytest.raises(AccountError):
        reset_password(server["url"], login, code, NEW + "y")


def test_local_journal_unlocks_exports_signatures_and_filters(server: dict[str, Any], tmp_path: Path) -> None:
    prof, _login = _profile(server, tmp_path)
    with Vault.open(prof, PASS) as v:
        repo = RecordRepository(v)
        record_unlock(repo, FailedUnlocks(2, 1_700_000_000.0))
        record_export(repo, "nmo", "xlsx")
        record_signature(repo, "document", "pades", "doc-1")
        assert repo.verify_journal().ok
    cp = frmr(prof, "journal", "--local", "--json")
    items = json.loads(cp.stdout)
    acts = [i["action"] for i in items]
    assert {"unlock", "unlock_failed", "export", "sign"} <= set(acts)
    failed = next(i for i in items if i["action"] == "unlock_failed")
    assert failed["fields"] == ["попыток: 2"] and failed["kind"] == "login"
    cp = frmr(prof, "journal", "--local", "--kind", "signature", "--json")
    assert [i["action"] for i in json.loads(cp.stdout)] == ["sign"]
    cp = frmr(prof, "journal", "--kind", "unlock", "--json")
    assert {i["action"] for i in json.loads(cp.stdout)} == {"unlock", "unlock_failed"}
    cp = frmr(prof, "journal", "--local", "--since", "2000-01-01T00:00:00", "--until", "2999-12-31", "--json")
    # every entry is still there; each «frmr» run since has added its own unlock
    later = json.loads(cp.stdout)
    assert [(i["at"], i["action"]) for i in later if i["at"] <= items[0]["at"]] == [
        (i["at"], i["action"]) for i in items]
    assert {i["fields"][0] for i in later if i["action"] == "unlock" and i["at"] > items[0]["at"]} == {"cli"}
    cp = frmr(prof, "journal", "--kind", "nonsense")
    assert cp.returncode == 2 and "Неизвестный вид" in cp.stderr
    cp = frmr(prof, "journal", "--since", "31.02.2026")
    assert cp.returncode == 2 and "не распознана" in cp.stderr
    cp = frmr(prof, "journal", "--since", "2999-01-01", "--json")
    assert cp.returncode == 0 and json.loads(cp.stdout) == []
    # merged with the server's: the login of this profile is there, with its address
    cp = frmr(prof, "journal", "--kind", "login", "--json")
    merged = json.loads(cp.stdout)
    assert any(i["source"] == "server" and i["action"] == "login" and i["ip"] == "127.0.0.1" for i in merged)
    assert any(i["source"] == "local" and i["action"] == "unlock" for i in merged)


def test_offline_nothing_half_done(tmp_path: Path) -> None:
    from server.testing import free_port

    prof = tmp_path / "p"
    v, _ = Vault.create(prof, PASS)
    from desktop.sync.auth import remember_login

    dead = f"http://127.0.0.1:{free_port()}"
    remember_login(v, dead, {"access_token": "a", "refresh_token": "r", "expires_in": 900,
                             "user": {"login": "x", "role": "doctor"}})
    with AccountClient(v) as c, pytest.raises(Offline) as err:
        c.change_password(PASSWORD, NEW)
    assert "Ничего не изменено" in str(err.value)
    v.close()
    cp = frmr(prof, "account", "password", env={"FRMR_SERVER_PASSWORD": PASSWORD, "FRMR_SERVER_NEW_PASSWORD": NEW})
    assert cp.returncode == 4 and "Нет связи с сервером" in cp.stderr
    cp = frmr(prof, "journal")
    assert cp.returncode == 0 and "только журнал этого компьютера" in cp.stderr
