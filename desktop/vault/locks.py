"""Locks of a profile folder, across processes and platforms (``filelock``: ``fcntl`` on POSIX,
``msvcrt`` on Windows — the old ``fcntl``-only sync lock let the GUI and ``frmr sync`` sync one
vault at once on Windows).

* ``sync.lock`` — one sync of a vault at a time, taken by the sync engine whoever runs it: the
  GUI's sync controller or ``frmr sync``.
* ``instance.lock`` — held by the desktop app for as long as it has the profile open, so a second
  copy of the app cannot unlock the same vault behind the first one's back.

Both are taken without waiting: the caller says «busy» to the person instead of freezing. The
files stay in the folder (deleting a lock file another process holds would break the lock).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from desktop.i18n import tr
from desktop.vault.errors import VaultError

SYNC_LOCK = "sync.lock"
INSTANCE_LOCK = "instance.lock"


class ProfileBusy(VaultError):
    hint = ("Перейдите в уже открытое окно ФРМР (оно может быть свёрнуто) или закройте его и "
            "откройте профиль снова.")


def _lock(path: Path) -> FileLock:
    # thread_local=False: the GUI takes the instance lock on its thread and may release it on
    # another; is_singleton=False: each holder is its own lock, even within one process.
    return FileLock(path, timeout=0, mode=0o600, thread_local=False, is_singleton=False)


@contextlib.contextmanager
def sync_lock(folder: Path) -> Iterator[bool]:
    """Yields True while this caller holds the vault's sync lock, False if someone else does."""
    lock = _lock(Path(folder) / SYNC_LOCK)
    try:
        lock.acquire()
    except (Timeout, OSError):
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


class InstanceLock:
    """The app's claim on one profile folder; ``acquire`` raises ``ProfileBusy`` when another
    copy of the app has it open."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._lock = _lock(self.folder / INSTANCE_LOCK)

    @property
    def held(self) -> bool:
        return self._lock.is_locked

    def acquire(self) -> None:
        if self._lock.is_locked:
            return
        try:
            self._lock.acquire()
        except Timeout:
            raise ProfileBusy(tr("Этот профиль уже открыт в другом окне ФРМР.")) from None
        except OSError as exc:  # a read-only or vanished folder: the vault itself will say more
            raise ProfileBusy(tr(
                "Не удалось занять профиль: {value}.").format(
                value=exc.strerror or type(exc).__name__)) from None

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release(force=True)
