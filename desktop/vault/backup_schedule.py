"""Backups on a schedule: a copy every N days into a chosen folder, keeping the last K.

The schedule lives in the profile's ``backup.json`` (no personal data, like settings.json).
When the copies are due is told by the copies themselves (the newest of this vault's in the
folder), so a copy made by hand or by ``frmr backup`` counts too, and a folder on a flash
drive that is not plugged in simply makes the next unlock try again.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from desktop.vault.atomic import atomic_write_bytes
from desktop.vault.backup import SUFFIX, BackupError, read_manifest, vault_id, write_backup
from desktop.vault.store import Vault

SCHEDULE_FILE = "backup.json"
MAX_EVERY_DAYS = 365
MAX_KEEP = 100


@dataclass(frozen=True)
class Schedule:
    folder: str = ""
    every_days: int = 7
    keep: int = 5

    @property
    def enabled(self) -> bool:
        return bool(self.folder)


def load_schedule(profile: Path) -> Schedule:
    """The profile's schedule; a missing or damaged file means «no schedule» (never an error:
    a bad value here must not keep anyone from their record)."""
    try:
        raw = json.loads((Path(profile) / SCHEDULE_FILE).read_text(encoding="utf-8"))
        folder, every, keep = raw["folder"], raw["every_days"], raw["keep"]
        if not (isinstance(folder, str) and isinstance(every, int) and isinstance(keep, int)):
            raise ValueError
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return Schedule()
    return Schedule(folder, min(max(every, 1), MAX_EVERY_DAYS), min(max(keep, 1), MAX_KEEP))


def save_schedule(profile: Path, schedule: Schedule) -> None:
    atomic_write_bytes(Path(profile) / SCHEDULE_FILE,
                       json.dumps(asdict(schedule), ensure_ascii=False, indent=1).encode("utf-8"))


def copies(folder: Path, vid: str) -> list[tuple[dt.datetime, Path]]:
    """This vault's copies in ``folder``, oldest first (another profile's copies are not ours
    to count or delete, even in the same folder)."""
    out: list[tuple[dt.datetime, Path]] = []
    try:
        candidates = sorted(Path(folder).glob(f"*{SUFFIX}"))
    except OSError:
        return out
    for path in candidates:
        try:
            man = read_manifest(path)
            created = dt.datetime.fromisoformat(man.created)
        except (BackupError, ValueError):
            continue
        if man.vault_id == vid:
            out.append((created if created.tzinfo else created.replace(tzinfo=dt.UTC), path))
    return sorted(out)


def prune(folder: Path, vid: str, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest copies of the vault ``vid`` in ``folder``."""
    mine = copies(folder, vid)
    removed = []
    for _, path in mine[: max(len(mine) - max(keep, 1), 0)]:
        try:
            path.unlink()
        except OSError:
            continue  # a read-only copy stays; the next prune tries again
        removed.append(path)
    return removed


def due(schedule: Schedule, vid: str, now: dt.datetime | None = None) -> bool:
    if not schedule.enabled:
        return False
    mine = copies(Path(schedule.folder), vid)
    if not mine:
        return True
    now = now or dt.datetime.now(dt.UTC)
    return now - mine[-1][0] >= dt.timedelta(days=schedule.every_days)


def run_if_due(vault: Vault, profile_name: str, now: dt.datetime | None = None) -> Path | None:
    """The scheduled copy of an open vault, if one is due (run where DB work runs): the new
    copy's path, or None. Raises ``BackupError`` when the folder cannot take it."""
    schedule = load_schedule(vault.folder)
    vid = vault_id(vault.folder)
    if not due(schedule, vid, now):
        return None
    path, _ = write_backup(vault, Path(schedule.folder), profile_name)
    prune(Path(schedule.folder), vid, schedule.keep)
    return path
