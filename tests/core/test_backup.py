"""Backups (issue 16 item 7): one file, checked whole on restore, never over another profile
or an open vault; the bad copies of the issue (truncated, damaged, read-only target)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import zipfile
from pathlib import Path

import pytest

from desktop.models.repository import RecordRepository
from desktop.vault.backup import MANIFEST, SUFFIX, BackupError, read_manifest, vault_id, write_backup
from desktop.vault.backup_schedule import Schedule, copies, due, prune, run_if_due, save_schedule
from desktop.vault.layout import DB_NAME, KEYS_NAME
from desktop.vault.profiles import create_profile, list_profiles
from desktop.vault.restore import restore
from desktop.vault.store import Vault
from tests.core.conftest import PASS, person_values


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _last_name(folder: Path) -> str:
    with Vault.open(folder, PASS) as v:
        repo = RecordRepository(v)
        return str(repo.list("person")[0]["last_name"])


@pytest.fixture
def backed_up(repo: RecordRepository, tmp_path: Path) -> tuple[Path, Path]:
    """(profile folder, copy) — the copy holds «Иванова»; the vault was renamed after it and closed."""
    vault = repo.vault
    out = tmp_path / "copies"
    out.mkdir()
    path, man = write_backup(vault, out, "Мой профиль")
    assert man.pending == 1 and man.vault_id == vault_id(vault.folder)
    pid = repo.list("person")[0]["id"]
    repo.edit("person", pid, {"last_name": "Петрова"})
    vault.close()
    return vault.folder, path


def test_copy_is_one_private_file_named_by_time(backed_up: tuple[Path, Path]) -> None:
    _, path = backed_up
    assert path.suffix == SUFFIX and path.name.startswith("frmr-")
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == sorted([MANIFEST, DB_NAME, KEYS_NAME])
        assert b"\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd" not in z.read(DB_NAME)  # «Иван»: ciphertext only
    if os.name == "posix":
        assert path.stat().st_mode & 0o077 == 0
    assert not list(path.parent.glob("*.tmp"))


def test_restore_brings_the_copy_back_and_keeps_the_replaced_files(backed_up: tuple[Path, Path],
                                                                   tmp_path: Path) -> None:
    folder, path = backed_up
    assert _last_name(folder) == "Петрова"
    done = restore(path, tmp_path / "root", passphrase=PASS, target=folder)
    assert (done.folder, done.created) == (folder, False)
    assert _last_name(folder) == "Иванова"
    assert done.previous is not None and (done.previous / DB_NAME).exists()
    assert _last_name(done.previous) == "Петрова"  # the kept files are a whole vault: nothing lost
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".restore-")]


def test_copy_becomes_a_new_profile_on_a_new_computer(backed_up: tuple[Path, Path], tmp_path: Path) -> None:
    _, path = backed_up
    root = tmp_path / "new-pc"
    done = restore(path, root, passphrase=PASS)
    assert done.created and done.name == "Мой профиль"
    assert [p.folder for p in list_profiles(root)] == [done.folder]
    assert _last_name(done.folder) == "Иванова"
    again = restore(path, root, passphrase=PASS)  # the same vault: goes back into that profile
    assert (again.folder, again.created) == (done.folder, False)


def test_recovery_key_opens_a_copy(folder: Path, tmp_path: Path) -> None:
    vault, recovery = Vault.create(folder, PASS)
    path, _ = write_backup(vault, tmp_path, "П")
    vault.close()
    done = restore(path, tmp_path / "root", recovery_key=recovery, target=folder)
    assert done.folder == folder


def test_wrong_passphrase_changes_nothing(backed_up: tuple[Path, Path], tmp_path: Path) -> None:
    folder, path = backed_up
    before = _digest(folder / DB_NAME)
    with pytest.raises(BackupError, match="неверная парольная фраза"):
        restore(path, tmp_path / "root", passphrase="не та фраза 123", target=folder)
    assert _digest(folder / DB_NAME) == before


def test_copy_of_another_profile_is_refused(backed_up: tuple[Path, Path], tmp_path: Path) -> None:
    _, path = backed_up
    other = create_profile(tmp_path / "root", "Чужой")
    Vault.create(other.folder, PASS)[0].close()
    before = _digest(other.folder / DB_NAME)
    with pytest.raises(BackupError, match="другого профиля") as exc:
        restore(path, tmp_path / "root", passphrase=PASS, target=other.folder)
    assert "«Чужой»" in str(exc.value) and "«Мой профиль»" in str(exc.value)
    assert _digest(other.folder / DB_NAME) == before


def test_restore_over_an_open_vault_is_refused(vault: Vault, tmp_path: Path) -> None:
    path, _ = write_backup(vault, tmp_path, "П")
    with pytest.raises(BackupError, match="сейчас открыто") as exc:
        restore(path, tmp_path / "root", passphrase=PASS, target=vault.folder)
    assert "Заблокируйте профиль" in exc.value.hint
    assert vault.is_open
    with vault.read() as conn:  # the open vault still works
        conn.exec_driver_sql("SELECT count(*) FROM meta").scalar_one()


def test_truncated_copy_is_refused(backed_up: tuple[Path, Path], tmp_path: Path) -> None:
    folder, path = backed_up
    cut = tmp_path / f"cut{SUFFIX}"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    before = _digest(folder / DB_NAME)
    with pytest.raises(BackupError, match="обрезан"):
        restore(cut, tmp_path / "root", passphrase=PASS, target=folder)
    assert _digest(folder / DB_NAME) == before


def test_flipped_byte_in_the_copy_is_refused(backed_up: tuple[Path, Path], tmp_path: Path) -> None:
    folder, path = backed_up
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside vault.db's bytes
    bad = tmp_path / f"bad{SUFFIX}"
    bad.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="повреждена"):
        restore(bad, tmp_path / "root", passphrase=PASS, target=folder)
    assert _last_name(folder) == "Петрова"


def test_damaged_page_with_matching_sums_fails_the_vault_check(backed_up: tuple[Path, Path],
                                                              tmp_path: Path) -> None:
    """A copy rebuilt around a damaged page (its sums made to match) still fails: the restore
    runs the whole-vault check of ``frmr audit verify``."""
    folder, path = backed_up
    with zipfile.ZipFile(path) as z:
        man = json.loads(z.read(MANIFEST))
        members = {n: z.read(n) for n in z.namelist() if n != MANIFEST}
    db = bytearray(members[DB_NAME])
    db[4096 * 3 + 100] ^= 0xFF  # page 4
    members[DB_NAME] = bytes(db)
    man["files"][DB_NAME]["sha256"] = hashlib.sha256(db).hexdigest()
    forged = tmp_path / f"forged{SUFFIX}"
    with zipfile.ZipFile(forged, "w") as z:
        z.writestr(MANIFEST, json.dumps(man))
        for n, b in members.items():
            z.writestr(n, b)
    with pytest.raises(BackupError, match=r"не прошла проверку хранилища.*страница 4"):
        restore(forged, tmp_path / "root", passphrase=PASS, target=folder)
    assert _last_name(folder) == "Петрова"


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not a zip", b"plain text"])
def test_not_a_copy(tmp_path: Path, content: bytes) -> None:
    f = tmp_path / "x.frmrbak"
    f.write_bytes(content)
    with pytest.raises(BackupError, match="не резервная копия ФРМР"):
        read_manifest(f)


def test_read_only_target_gets_a_clear_message(vault: Vault, tmp_path: Path) -> None:
    target = tmp_path / "ro"
    target.mkdir()
    target.chmod(0o555)
    try:
        if os.access(target, os.W_OK):  # root ignores the mode: take a folder nobody may write
            target = Path("/sys")
        with pytest.raises(BackupError, match=r"Не удалось записать резервную копию.*нет прав доступа") as exc:
            write_backup(vault, target, "П")
        assert "Выберите другую папку" in exc.value.hint
    finally:
        (tmp_path / "ro").chmod(0o755)
    assert not list(vault.folder.glob(".backup-snapshot*"))


def test_missing_target_folder(vault: Vault, tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="не найдена"):
        write_backup(vault, tmp_path / "nope" / "x.frmrbak", "П")


def test_schedule_keeps_the_last_n_of_this_vault_only(vault: Vault, tmp_path: Path) -> None:
    out = tmp_path / "sched"
    out.mkdir()
    other, _ = Vault.create(tmp_path / "other", PASS)
    foreign, _ = write_backup(other, out / f"foreign{SUFFIX}", "Чужой")
    other.close()
    save_schedule(vault.folder, Schedule(str(out), every_days=7, keep=2))
    vid = vault_id(vault.folder)
    assert due(Schedule(str(out), 7, 2), vid)
    first = run_if_due(vault, "П")
    assert first is not None
    assert run_if_due(vault, "П") is None  # not due again within the week
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=8)
    for i in range(3):
        write_backup(vault, out / f"manual-{i}{SUFFIX}", "П")
    assert run_if_due(vault, "П", later) is not None
    assert len(copies(out, vid)) == 2
    assert foreign.exists()  # another profile's copy in the same folder is not ours to delete
    assert prune(out, vid, 1) and len(copies(out, vid)) == 1


def test_damaged_schedule_file_means_no_schedule(vault: Vault) -> None:
    (vault.folder / "backup.json").write_text('{"folder": 5, "every_days": "7 дней"}', encoding="utf-8")
    assert run_if_due(vault, "П") is None


def test_backup_keeps_working_while_the_vault_is_written(repo: RecordRepository, tmp_path: Path) -> None:
    path, _ = write_backup(repo.vault, tmp_path, "П")
    repo.edit("person", repo.list("person")[0]["id"], person_values(last_name="Сидорова"))
    done = restore(path, tmp_path / "root", passphrase=PASS)
    assert done.created and _last_name(done.folder) == "Иванова"


def test_restore_into_a_profile_another_window_holds_is_refused(backed_up: tuple[Path, Path], tmp_path: Path) -> None:
    """The desktop app holds the profile's instance lock while it is unlocked (even between
    reads, when no -wal is there): a restore from frmr must not replace files under it."""
    import subprocess
    import sys
    import textwrap

    folder, path = backed_up
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from desktop.vault.locks import InstanceLock
        lock = InstanceLock({str(folder)!r}); lock.acquire(); print("held", flush=True); sys.stdin.read()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(BackupError, match="сейчас открыто"):
            restore(path, tmp_path / "root", passphrase=PASS, target=folder)
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    assert _last_name(folder) == "Петрова"
    restore(path, tmp_path / "root", passphrase=PASS, target=folder)  # released: it goes through
    assert _last_name(folder) == "Иванова"


def test_a_folder_that_is_not_there_is_not_turned_into_a_file(vault: Vault, tmp_path: Path) -> None:
    """A scheduled folder on a flash drive that is not plugged in: no «usb.frmrbak» beside it."""
    with pytest.raises(BackupError, match="не найдена") as exc:
        write_backup(vault, tmp_path / "usb", "П")
    assert "Подключите диск" in exc.value.hint
    assert [p.name for p in tmp_path.iterdir()] == ["profile"]  # only the profile: no usb.frmrbak
    save_schedule(vault.folder, Schedule(str(tmp_path / "usb"), 1, 1))
    with pytest.raises(BackupError, match="не найдена"):
        run_if_due(vault, "П")
    named, _ = write_backup(vault, tmp_path / f"мой{SUFFIX}", "П")  # a file name is taken as given
    assert named == tmp_path / f"мой{SUFFIX}" and named.exists()


def test_member_larger_than_its_manifest_is_refused_before_unpacking(backed_up: tuple[Path, Path],
                                                                     tmp_path: Path) -> None:
    folder, path = backed_up
    with zipfile.ZipFile(path) as z:
        man = json.loads(z.read(MANIFEST))
        members = {n: z.read(n) for n in z.namelist() if n != MANIFEST}
    members[DB_NAME] += b"\0" * 4096
    bad = tmp_path / f"big{SUFFIX}"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr(MANIFEST, json.dumps(man))
        for n, b in members.items():
            z.writestr(n, b)
    with pytest.raises(BackupError, match="не совпадает с описью"):
        restore(bad, tmp_path / "root", passphrase=PASS, target=folder)
    assert _last_name(folder) == "Петрова"


def test_restore_reports_its_steps(backed_up: tuple[Path, Path], tmp_path: Path) -> None:
    from desktop.vault.restore import STEPS

    folder, path = backed_up
    heard: list[tuple[int, int, str]] = []
    restore(path, tmp_path / "root", passphrase=PASS, target=folder, progress=lambda *a: heard.append(a))
    assert heard == [(i, len(STEPS), text) for i, text in enumerate(STEPS)]
