"""Unwrapping the data key, apart from opening the database.

Only the key file, the failed-attempt counter and Argon2id are needed here, not SQLAlchemy:
the desktop derives the key while the database stack is still loading in the background, so
the KDF and those imports overlap instead of running one after the other.
"""

from __future__ import annotations

from pathlib import Path

from desktop.vault.attempts import AttemptCounter
from desktop.vault.errors import DamagedVault, WrongPassphrase
from desktop.vault.keys import KeyFile
from desktop.vault.layout import ATTEMPTS_NAME, DB_NAME, KEYS_NAME


def require_db(folder: Path) -> None:
    if not (folder / DB_NAME).exists():
        raise DamagedVault("Файл хранилища vault.db не найден в папке профиля")


def unwrap_data_key(folder: Path, passphrase: str) -> bytes:
    """The vault's data key, counting a wrong passphrase (with its growing delay) on disk."""
    folder = Path(folder)
    counter = AttemptCounter(folder / ATTEMPTS_NAME)
    counter.check()
    kf = KeyFile.load(folder / KEYS_NAME)
    require_db(folder)
    try:
        key = kf.unwrap(passphrase)
    except WrongPassphrase as exc:
        n = counter.record_failure()
        raise WrongPassphrase(f"Неверная парольная фраза (неудачных попыток: {n})") from exc
    counter.reset()
    return key
