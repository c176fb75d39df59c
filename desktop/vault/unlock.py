"""Unwrapping the data key, apart from opening the database.

Only the key file, the failed-attempt counter and Argon2id are needed here, not SQLAlchemy:
the desktop derives the key while the database stack is still loading in the background, so
the KDF and those imports overlap instead of running one after the other.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from argon2.exceptions import HashingError

from desktop.i18n import tr
from desktop.vault.attempts import AttemptCounter
from desktop.vault.errors import DamagedVault, WrongPassphrase
from desktop.vault.keys import KeyFile
from desktop.vault.layout import ATTEMPTS_NAME, DB_NAME, KEYS_NAME

#: Bounds for the KDF cost read from keys.json. ``calibrate`` never goes past 64 passes of
#: 64 MiB; a file asking for much more is damaged (or planted), and Argon2 would otherwise run
#: for hours, exhaust memory, or fail with an OverflowError on a value past 32 bits.
MAX_MEMORY_KIB = 4 * 1024 * 1024
MAX_TIME_COST = 256
MAX_PARALLELISM = 64
_KEYS_DAMAGED = "Файл ключей хранилища (keys.json) повреждён"


def require_db(folder: Path) -> None:
    db = folder / DB_NAME
    if not db.exists():
        raise DamagedVault(tr("Файл хранилища vault.db не найден в папке профиля"))
    if not db.is_file():
        raise DamagedVault(tr("vault.db в папке профиля — не файл хранилища"))
    if db.stat().st_size == 0:
        # SQLCipher takes an empty file for a new database: the vault would open empty and
        # be rebuilt in place, as if all the records had been deleted.
        raise DamagedVault(tr("Файл хранилища vault.db пуст (0 байт): данные в нём утрачены"))


def load_keyfile(path: Path) -> KeyFile:
    """``KeyFile.load`` plus the shape checks it leaves to the first use of each field."""
    try:
        kf = KeyFile.load(path)
    except AttributeError as exc:  # JSON that is not an object
        raise DamagedVault(_KEYS_DAMAGED) from exc
    p = kf.params
    if (len(kf.salt) < 8 or p.memory_kib > MAX_MEMORY_KIB or p.time_cost > MAX_TIME_COST
            or not 1 <= p.parallelism <= MAX_PARALLELISM or p.memory_kib < 8 * p.parallelism):
        raise DamagedVault(_KEYS_DAMAGED)
    return kf


def _counted(folder: Path, unwrap: Callable[[KeyFile], bytes],
             wrong: str | None) -> tuple[bytes, KeyFile, AttemptCounter]:
    """``unwrap`` under the on-disk failed-attempt counter (and its growing delay). ``wrong``
    replaces the refusal's text, with the number of failures as ``{n}``."""
    counter = AttemptCounter(folder / ATTEMPTS_NAME)
    counter.check()
    kf = load_keyfile(folder / KEYS_NAME)
    require_db(folder)
    try:
        key = unwrap(kf)
    except (HashingError, MemoryError, TypeError, AttributeError) as exc:
        # A wrapped key that is not a {"nonce", "ct"} object fails only here, on first use;
        # only the one being used is checked, so a damaged recovery entry does not lock the
        # passphrase out (nor the other way round).
        raise DamagedVault(_KEYS_DAMAGED) from exc
    except WrongPassphrase as exc:
        n = counter.record_failure()
        if wrong is None:
            raise
        raise WrongPassphrase(wrong.format(n=n)) from exc
    return key, kf, counter


def unwrap_data_key(folder: Path, passphrase: str) -> bytes:
    """The vault's data key from the passphrase."""
    key, _kf, counter = _counted(Path(folder), lambda kf: kf.unwrap(passphrase),
                                 "Неверная парольная фраза (неудачных попыток: {n})")
    counter.reset()
    return key


def recover_data_key(folder: Path, recovery_key: str) -> tuple[bytes, KeyFile, AttemptCounter]:
    """The data key from the recovery key; the caller re-wraps it and then resets the counter."""
    return _counted(Path(folder), lambda kf: kf.unwrap_recovery(recovery_key), None)
