"""Private file modes for a profile: its files 0600, its folder 0700.

The vault is encrypted, but a world-readable ``vault.db`` still hands any local account a copy
to attack offline (and shows how much a person keeps); ``keys.json`` has been private from the
start. New files are created with the private mode itself (``os.open`` with 0600), so there
is no moment when the data sits in a file others may open. Profiles made before this are
tightened when the vault is opened.

On Windows ``chmod`` only toggles the read-only flag; access there follows the ACL of the
user's profile folder, so these functions do nothing.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from desktop.vault.layout import ATTEMPTS_NAME, DB_NAME, KEYS_NAME

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700

#: SQLite's companion files of the database: they hold pages of it (encrypted, like the file).
DB_COMPANIONS = ("-wal", "-shm", "-journal")
#: Other files of a profile folder (profile.json and settings.json are named in ``profiles``,
#: which imports this module; they are matched by their suffix below).
_PROFILE_FILES = (KEYS_NAME, ATTEMPTS_NAME)

_POSIX = os.name == "posix"


def tighten(path: Path, mode: int) -> None:
    """Take group and other permissions off ``path`` (an existing file or folder), if any.

    Symlinks are left alone: chmod would follow one to a file outside the profile. A file
    of another account (EPERM) is left as it is: opening it goes on, as it did before.
    """
    if not _POSIX:
        return
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode) or not stat.S_IMODE(st.st_mode) & ~mode & 0o777:
        return
    with contextlib.suppress(PermissionError):
        os.chmod(path, stat.S_IMODE(st.st_mode) & mode)


def private_dir(folder: Path) -> None:
    """Create ``folder`` (and missing parents) as 0700, or tighten it if it exists."""
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    tighten(folder, PRIVATE_DIR_MODE)


def create_private_file(path: Path) -> None:
    """An empty file made 0600 at creation; fails if ``path`` exists (never reuses a planted file).

    SQLite creates its companion files (-wal, -shm) with the mode of the database file, so a
    private ``vault.db`` keeps those private too.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    os.close(os.open(path, flags, PRIVATE_FILE_MODE))


def tighten_profile(folder: Path) -> None:
    """Make an existing profile private: the folder, the database with its companions, and
    every other file in the folder (key file, counters, settings, anything left by older
    versions). Sub-folders are left to whoever made them."""
    if not _POSIX:
        return
    tighten(folder, PRIVATE_DIR_MODE)
    names = {DB_NAME, *(DB_NAME + s for s in DB_COMPANIONS), *_PROFILE_FILES}
    try:
        names.update(entry.name for entry in os.scandir(folder) if entry.is_file(follow_symlinks=False))
    except OSError:
        pass  # an unreadable folder: opening the vault reports it
    for name in sorted(names):
        tighten(folder / name, PRIVATE_FILE_MODE)
