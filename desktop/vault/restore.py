"""Restoring a backup (``desktop.vault.backup``): checked whole before it replaces anything.

1. The archive's members are unpacked into a private folder beside the target and compared
   with the manifest (size, SHA-256).
2. The copy is unlocked with the passphrase it was made under (or the recovery key) and
   checked as ``frmr audit verify`` checks a vault: every page's HMAC, the b-trees, the journal.
3. Only then are ``vault.db`` and ``keys.json`` renamed into the profile; the files they
   replace are kept in a ``before-restore-…`` folder inside the profile, so nothing is lost.

A copy goes back only into the profile of the same vault (``vault_id``), or becomes a new
profile where this computer has none of that vault (moving to a new PC). Its unsent changes
keep their operation ids and the vault its sync client id, so the server applies each of
them exactly once, even one it had already received from the original.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop.i18n import tr
from desktop.vault.backup import BackupError, Manifest, extract_verified, read_manifest, vault_id
from desktop.vault.errors import DamagedVault, VaultError, WrongPassphrase, describe_os_error
from desktop.vault.integrity import check_profile
from desktop.vault.layout import ATTEMPTS_NAME, DB_NAME, KEYS_NAME
from desktop.vault.locks import InstanceLock, ProfileBusy
from desktop.vault.private import DB_COMPANIONS, private_dir
from desktop.vault.profiles import Profile, list_profiles, read_profile, write_profile
from desktop.vault.unlock import recover_data_key, unwrap_data_key

#: At most this many findings of the check are named in the refusal.
_LISTED_PROBLEMS = 3


@dataclass(frozen=True)
class Restored:
    folder: Path
    name: str
    created: bool  # a new profile (no profile of this vault was on this computer)
    manifest: Manifest
    #: where the replaced vault.db and keys.json were kept (None for a new profile)
    previous: Path | None


def _db_in_use(folder: Path) -> bool:
    return any((Path(folder) / (DB_NAME + s)).exists() for s in DB_COMPANIONS[:2])


def profile_open(folder: Path) -> bool:
    """The vault is open in a window or a ``frmr`` command: SQLite keeps ``-wal``/``-shm``
    beside the database while any connection is open and removes them on the last close
    (``Vault.close`` checkpoints first). They also stay after a crash, which the message says.
    A window that holds the profile (its instance lock) counts as open even between reads."""
    if _db_in_use(folder):
        return True
    claim = InstanceLock(Path(folder))
    try:
        claim.acquire()
    except ProfileBusy:
        return True
    claim.release()
    return False


def _open_error(name: str) -> BackupError:
    return BackupError(
        tr(
            "Хранилище профиля «{name}» сейчас открыто — в окне ФРМР или командой frmr: восстанавливать поверх "
            "открытого хранилища нельзя").format(
            name=name),
        tr("Заблокируйте профиль (или закройте окно ФРМР) и дождитесь конца команд frmr, затем повторите. "
        "Если программа не запущена, её закрыли аварийно: откройте профиль и заблокируйте его один раз."))


def find_profile(root: Path, vid: str) -> Profile | None:
    """The profile on this computer that holds the vault ``vid``, if any."""
    for p in list_profiles(root):
        if p.has_vault:
            try:
                if vault_id(p.folder) == vid:
                    return p
            except BackupError:
                continue  # a damaged key file is not this vault's
    return None


def _vault_id_or_none(folder: Path) -> str | None:
    """None when the key file is damaged: then the vault cannot be told, and restoring a
    damaged profile is what a copy is for."""
    try:
        return vault_id(folder)
    except BackupError:
        return None


def _unique_name(root: Path, name: str) -> str:
    taken = {p.name.casefold() for p in list_profiles(root)}
    base = (name or "Восстановленный профиль")[:80]
    if base.casefold() not in taken:
        return base
    n = 2
    while f"{base} ({n})".casefold() in taken:
        n += 1
    return f"{base} ({n})"


def _unlock(staging: Path, passphrase: str | None, recovery_key: str | None) -> bytes:
    try:
        if recovery_key:
            return recover_data_key(staging, recovery_key)[0]
        return unwrap_data_key(staging, passphrase or "")
    except WrongPassphrase as exc:
        what = "ключ восстановления" if recovery_key else "парольная фраза"
        raise BackupError(tr("Резервная копия не открывается: неверная {what}").format(what=what),
                          tr("Нужна парольная фраза, действовавшая, когда копия была сделана, "
                          "или ключ восстановления этого профиля.")) from exc


def _check(staging: Path, key: bytes, name: str) -> None:
    result = check_profile(staging, key)
    if result.ok:
        return
    listed = "; ".join(result.problems[:_LISTED_PROBLEMS])
    more = len(result.problems) - _LISTED_PROBLEMS
    said = tr("Резервная копия {name} не прошла проверку хранилища: {listed}").format(name=name, listed=listed)
    err = BackupError(said + (tr(" (и ещё нарушений: {more})").format(more=more) if more > 0 else ""),
                      tr("Восстановите из другой копии. Эта копия не изменила ничего в профиле."))
    err.damaged = True
    raise err


def _resolve(root: Path, man: Manifest, target: Path | None) -> tuple[Path | None, str]:
    """(existing profile folder to replace, or None for a new one; the profile's name)."""
    if target is not None:
        target = Path(target)
        if target.exists() and not target.is_dir():
            raise BackupError(tr("{target} — это файл, а не папка профиля").format(target=target))
        prof = read_profile(target) if (target / "profile.json").is_file() else None
        label = prof.name if prof is not None else man.profile_name
        if (target / KEYS_NAME).exists() and _vault_id_or_none(target) not in (None, man.vault_id):
            raise BackupError(
                tr(
                    "Резервная копия сделана с другого профиля («{profile_name}»), а не с профиля «{label}»: "
                    "восстанавливать её сюда нельзя — это заменило бы чужие данные").format(
                    profile_name=man.profile_name, label=label),
                tr("Восстановите копию без выбора профиля: она станет отдельным профилем."))
        return target, label
    existing = find_profile(root, man.vault_id)
    if existing is not None:
        return existing.folder, existing.name
    return None, _unique_name(root, man.profile_name)


#: The steps a restore reports (the whole-vault check is most of the time: about 30 s for a
#: 110 MiB vault of an HR clerk, as long as ``frmr audit verify``).
STEPS = ("Проверка контрольных сумм и распаковка копии", "Открытие копии", "Проверка хранилища копии: "
         "каждая страница и журнал изменений", "Замена файлов хранилища")


def restore(path: Path, root: Path, *, passphrase: str | None = None, recovery_key: str | None = None,
            target: Path | None = None, progress: Callable[[int, int, str], None] | None = None) -> Restored:
    """Restore the copy ``path`` into ``target`` (a profile folder) or, without one, into the
    profile of the same vault under ``root`` or a new profile there. ``progress(done, total,
    text)`` hears each step as it starts."""

    def step(i: int) -> None:
        if progress is not None:
            progress(i, len(STEPS), STEPS[i])

    path = Path(path)
    man = read_manifest(path)
    folder, name = _resolve(Path(root), man, target)
    if folder is not None and profile_open(folder):
        raise _open_error(name)
    parent = folder.parent if folder is not None else Path(root)
    try:
        private_dir(parent)
        staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=parent))
    except OSError as exc:
        raise BackupError(tr(
            "Не удалось подготовить восстановление в {parent}: {describe_os_error}").format(
            parent=parent, describe_os_error=describe_os_error(exc))) from exc
    try:
        private_dir(staging)
        step(0)
        extract_verified(path, staging)
        step(1)
        key = _unlock(staging, passphrase, recovery_key)
        step(2)
        try:
            _check(staging, key, path.name)
        except DamagedVault as exc:
            raise BackupError(tr("Резервная копия {name} не открывается: {exc}").format(name=path.name, exc=exc),
                              tr("Восстановите из другой копии. Эта копия не изменила ничего в профиле.")) from exc
        (staging / ATTEMPTS_NAME).unlink(missing_ok=True)
        step(3)
        if folder is None:
            return _as_new_profile(staging, Path(root), name, man)
        # The window's claim on the profile (``desktop.vault.locks``) is held across the swap:
        # no copy of the app can unlock the vault while its files are being replaced.
        claim = InstanceLock(folder)
        try:
            claim.acquire()
        except ProfileBusy:
            raise _open_error(name) from None
        try:
            if _db_in_use(folder):  # opened (by frmr) while the copy was being checked
                raise _open_error(name)
            previous = _replace(staging, folder)
            if not (folder / "profile.json").exists():
                write_profile(Profile(folder, name))
        finally:
            claim.release()
        return Restored(folder, name, False, man, previous)
    except OSError as exc:
        raise BackupError(tr(
            "Восстановление не выполнено: {describe_os_error}").format(
            describe_os_error=describe_os_error(exc)),
                          tr("Профиль не изменён. Освободите место на диске или проверьте права и повторите.")) from exc
    except VaultError:
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _replace(staging: Path, folder: Path) -> Path | None:
    """Move the profile's vault aside, then the checked copy in. The copy holds the same data
    key (same vault), so a crash between the renames leaves a pair that still opens."""
    private_dir(folder)
    previous: Path | None = None
    old = [n for n in (DB_NAME, KEYS_NAME) if (folder / n).exists()]
    if old:
        previous = folder / f"before-restore-{dt.datetime.now():%Y-%m-%d-%H%M%S}"
        private_dir(previous)
        for n in old:
            os.replace(folder / n, previous / n)
    os.replace(staging / DB_NAME, folder / DB_NAME)
    os.replace(staging / KEYS_NAME, folder / KEYS_NAME)
    (folder / ATTEMPTS_NAME).unlink(missing_ok=True)
    return previous


def _as_new_profile(staging: Path, root: Path, name: str, man: Manifest) -> Restored:
    """The checked staging folder becomes the profile: ``profile.json`` is written last, so
    until then the chooser does not list a half-made profile."""
    folder = root / uuid.uuid4().hex[:12]
    os.replace(staging, folder)
    write_profile(Profile(folder, name))
    return Restored(folder, name, True, man, None)
