"""A profile's backup: the encrypted vault and its key file as ONE file (Qt-free).

The file is a ZIP archive (stored, not compressed: the vault is ciphertext) holding
``manifest.json``, ``vault.db`` (a consistent copy taken with SQLite's online backup, still
encrypted with the vault's data key), ``keys.json`` (the data key, wrapped by the passphrase
and by the recovery key) and ``settings.json``. Nothing in it is readable without the
passphrase or the recovery key that were valid when the copy was made.

The manifest names the vault (``vault_id``: a digest of the recovery wrap of the data key,
which no passphrase change alters) so that a copy is never restored over another person's
profile, and gives each member's size and SHA-256 so that a truncated or damaged copy is
refused before anything is unpacked. The restore (``desktop.vault.restore``) then opens the
copy and runs the same whole-vault check as ``frmr audit verify``.

Moving a profile to a new computer is the same file: restored where no profile has that
vault, it becomes a new profile.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from desktop.i18n import tr
from desktop.vault.errors import VaultError, describe_os_error
from desktop.vault.layout import DB_NAME, KEYS_NAME
from desktop.vault.private import create_private_file
from desktop.vault.store import LATEST_SCHEMA, Vault

FORMAT = "frmr-backup"
FORMAT_VERSION = 1
SUFFIX = ".frmrbak"
MANIFEST = "manifest.json"
SETTINGS_NAME = "settings.json"
#: Members a copy must have; settings.json is optional (a profile may have none yet).
REQUIRED = (DB_NAME, KEYS_NAME)
_CHUNK = 1 << 20
#: A manifest is a few hundred bytes; a huge one is not ours (and not worth reading).
_MAX_MANIFEST = 64 * 1024


class BackupError(VaultError):
    """A copy that cannot be made or used, with what to do about it."""

    hint = ""
    #: the copy itself is damaged (not the place, the key or the version): `frmr restore` exits 1
    damaged = False


@dataclass(frozen=True)
class Manifest:
    vault_id: str
    created: str  # ISO 8601, UTC
    profile_name: str
    schema: int
    pending: int  # changes not yet sent to the server when the copy was made
    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": FORMAT_VERSION, "vault_id": self.vault_id, "created": self.created,
                "profile_name": self.profile_name, "schema": self.schema, "pending": self.pending,
                "files": self.files}


def vault_id(folder: Path) -> str:
    """Which vault a profile folder holds, read from its key file without any key.

    The recovery key's wrap of the data key is made once, when the vault is created, and
    never rewritten (a passphrase change re-wraps only the passphrase's side), so it tells two
    vaults apart for the vault's whole life."""
    try:
        raw = json.loads((Path(folder) / KEYS_NAME).read_text(encoding="utf-8"))
        ct = raw["recovery"]["ct"]
        if not isinstance(ct, str) or not ct:
            raise ValueError
    except FileNotFoundError:
        raise BackupError(tr("В папке профиля нет файла ключей (keys.json): хранилище не создано")) from None
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, AttributeError) as exc:
        raise BackupError(tr("Файл ключей хранилища (keys.json) повреждён: копию сделать нельзя")) from exc
    except OSError as exc:
        raise BackupError(tr(
            "Файл ключей хранилища не читается: {describe_os_error}").format(
            describe_os_error=describe_os_error(exc))) from exc
    return hashlib.sha256(b"frmr-vault-id-v1:" + ct.encode("ascii", "replace")).hexdigest()[:32]


def backup_name(now: dt.datetime | None = None) -> str:
    """``frmr-2026-12-02-1405.frmrbak``: sorted by name is sorted by time, nothing personal."""
    now = now or dt.datetime.now()
    return f"frmr-{now:%Y-%m-%d-%H%M%S}{SUFFIX}"


def _sha256(f: BinaryIO) -> tuple[str, int]:
    h = hashlib.sha256()
    n = 0
    while chunk := f.read(_CHUNK):
        h.update(chunk)
        n += len(chunk)
    return h.hexdigest(), n


def _pending(vault: Vault) -> int:
    with vault.read() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM outbox WHERE state = 'pending'").scalar_one())


def _target(out: Path) -> Path:
    """A folder gets a new copy named by the time; a ``*.frmrbak`` name is taken as given.
    Anything else is a folder that is not there (a flash drive not plugged in): it is said so,
    never turned into a file named like the folder beside where it should have been."""
    out = Path(out)
    if out.is_dir():
        return out / backup_name()
    if out.suffix.lower() == SUFFIX:
        return out
    raise BackupError(tr("Папка {out} не найдена (или недоступна)").format(out=out),
                      tr(
                          "Подключите диск с этой папкой, выберите другую папку или укажите файл *{SUFFIX}.").format(
                          SUFFIX=SUFFIX))


def _cannot_write(where: Path, exc: OSError) -> BackupError:
    return BackupError(tr(
        "Не удалось записать резервную копию в {where}: {describe_os_error}").format(
        where=where, describe_os_error=describe_os_error(exc)),
                       tr("Выберите другую папку (например, на флешке или в своей папке документов)."))


def write_backup(vault: Vault, out: Path, profile_name: str) -> tuple[Path, Manifest]:
    """The open ``vault`` copied into ``out`` (a file, or a folder to name one in) as one file.

    The archive is written beside its final name and renamed into place only when complete:
    a copy interrupted by a full disk or a removed flash drive never looks like a good one.
    Runs where DB work runs (the copy reads the whole database)."""
    target = _target(out)
    if not target.parent.is_dir():
        raise BackupError(tr(
            "Папка {parent} не найдена").format(
            parent=target.parent), tr("Выберите существующую папку."))
    folder = vault.folder
    vid = vault_id(folder)
    snapshot = folder / ".backup-snapshot.db"
    snapshot.unlink(missing_ok=True)  # left by a copy that was interrupted
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _cannot_write(target.parent, exc) from exc
    tmp = Path(tmp_name)
    try:
        create_private_file(snapshot)
        vault.snapshot_to(snapshot)
        members: list[tuple[str, Path]] = [(DB_NAME, snapshot), (KEYS_NAME, folder / KEYS_NAME)]
        if (folder / SETTINGS_NAME).is_file():
            members.append((SETTINGS_NAME, folder / SETTINGS_NAME))
        files: dict[str, dict[str, Any]] = {}
        for name, path in members:
            with path.open("rb") as f:
                digest, size = _sha256(f)
            files[name] = {"size": size, "sha256": digest}
        manifest = Manifest(vid, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), profile_name,
                            vault.schema_version, _pending(vault), files)
        with os.fdopen(fd, "wb") as raw:
            with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_STORED) as z:
                z.writestr(MANIFEST, json.dumps(manifest.as_dict(), ensure_ascii=False, indent=1))
                for name, path in members:
                    z.write(path, name)
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _cannot_write(target.parent, exc) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        snapshot.unlink(missing_ok=True)
    return target, manifest


# -- reading a copy ------------------------------------------------------------------------------
def _not_a_backup(path: Path) -> BackupError:
    return BackupError(tr(
        "Файл {name} — не резервная копия ФРМР, либо он обрезан (записан не до конца)").format(
        name=path.name),
                       tr("Выберите другой файл копии (*.frmrbak) или сделайте копию заново."))


def _damaged(path: Path, what: str) -> BackupError:
    err = BackupError(tr("Резервная копия {name} повреждена: {what}").format(name=path.name, what=what),
                      tr("Восстановите из другой копии. Эта копия не изменила ничего в профиле."))
    err.damaged = True
    return err


def _manifest(path: Path, z: zipfile.ZipFile) -> Manifest:
    try:
        info = z.getinfo(MANIFEST)
        if info.file_size > _MAX_MANIFEST:
            raise ValueError("manifest too large")
        raw = json.loads(z.read(MANIFEST).decode("utf-8"))
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise ValueError("format")
        version = raw.get("version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise BackupError(tr("Резервная копия {name} сделана более новой версией программы").format(name=path.name),
                              tr("Обновите программу ФРМР и повторите восстановление."))
        files = raw["files"]
        if not isinstance(files, dict) or any(not isinstance(v, dict) for v in files.values()):
            raise ValueError("files")
        man = Manifest(str(raw["vault_id"]), str(raw["created"]), str(raw.get("profile_name") or ""),
                       int(raw["schema"]), int(raw.get("pending") or 0), files)
    except (KeyError, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise _not_a_backup(path) from exc
    except (zipfile.BadZipFile, OSError) as exc:
        raise _damaged(path, "опись содержимого не читается") from exc
    for name in REQUIRED:
        if name not in man.files:
            raise _damaged(path, f"в ней нет файла {name}")
    if man.schema > LATEST_SCHEMA:
        raise BackupError(tr(
            "Резервная копия {name} сделана более новой версией программы (схема хранилища {schema})").format(
            name=path.name, schema=man.schema), tr("Обновите программу ФРМР и повторите восстановление."))
    return man


def read_manifest(path: Path) -> Manifest:
    """What a copy says about itself (no key needed, nothing checked beyond the manifest)."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as z:
            return _manifest(path, z)
    except FileNotFoundError:
        raise BackupError(tr("Файл {path} не найден").format(path=path)) from None
    except IsADirectoryError:
        raise BackupError(tr("{path} — папка, а не файл резервной копии").format(path=path)) from None
    except zipfile.BadZipFile as exc:
        raise _not_a_backup(path) from exc
    except OSError as exc:
        raise BackupError(tr(
            "Файл {path} не читается: {describe_os_error}").format(
            path=path, describe_os_error=describe_os_error(exc))) from exc


def extract_verified(path: Path, into: Path) -> Manifest:
    """Unpack the copy's members into the private folder ``into``, each checked against the
    manifest's size and SHA-256 (a damaged or truncated copy is refused here, before any key)."""
    path = Path(path)
    man = read_manifest(path)
    try:
        with zipfile.ZipFile(path) as z:
            for name in (*REQUIRED, SETTINGS_NAME):
                expected = man.files.get(name)
                if expected is None:
                    continue
                if z.getinfo(name).file_size != expected.get("size"):
                    # before a byte is written: a member larger than the manifest says could fill the disk
                    raise _damaged(path, f"файл {name} в ней не совпадает с описью")
                dest = into / name
                create_private_file(dest)
                try:
                    with z.open(name) as src, dest.open("wb") as out:
                        h = hashlib.sha256()
                        size = 0
                        while chunk := src.read(_CHUNK):
                            h.update(chunk)
                            size += len(chunk)
                            out.write(chunk)
                        out.flush()
                        os.fsync(out.fileno())
                except KeyError:
                    raise _damaged(path, f"в ней нет файла {name}") from None
                except (zipfile.BadZipFile, EOFError) as exc:
                    raise _damaged(path, f"файл {name} в ней не читается") from exc
                if size != expected.get("size") or h.hexdigest() != expected.get("sha256"):
                    raise _damaged(path, f"файл {name} в ней не совпадает с контрольной суммой")
    except zipfile.BadZipFile as exc:
        raise _not_a_backup(path) from exc
    except OSError as exc:
        raise BackupError(tr(
            "Резервную копию не удалось распаковать: {describe_os_error}").format(
            describe_os_error=describe_os_error(exc))) from exc
    return man
