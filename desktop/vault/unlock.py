"""Unwrapping the data key, apart from opening the database.

Only the key file, the failed-attempt counter and Argon2id are needed here, not SQLAlchemy:
the desktop derives the key while the database stack is still loading in the background, so
the KDF and those imports overlap instead of running one after the other.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from desktop.vault.attempts import AttemptCounter
from desktop.vault.errors import DamagedVault, WrongPassphrase
from desktop.vault.keys import KeyFile
from desktop.vault.layout import ATTEMPTS_NAME, DB_NAME, KEYS_NAME


def require_db(folder: Path) -> None:
    if not (folder / DB_NAME).exists():
        raise DamagedVault("Файл хранилища vault.db не найден в папке профиля")


def _counted(folder: Path, unwrap: Callable[[KeyFile], bytes],
             wrong: str | None) -> tuple[bytes, KeyFile, AttemptCounter]:
    """``unwrap`` under the on-disk failed-attempt counter (and its growing delay). ``wrong``
    replaces the refusal's text, with the number of failures as ``{n}``."""
    counter = AttemptCounter(folder / ATTEMPTS_NAME)
    counter.check()
    kf = KeyFile.load(folder / KEYS_NAME)
    require_db(folder)
    try:
        key = unwrap(kf)
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
