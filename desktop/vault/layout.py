"""File names inside a profile folder. Kept apart from ``store`` so that listing profiles
(the first screen) does not import SQLAlchemy and SQLCipher."""

from __future__ import annotations

DB_NAME = "vault.db"
KEYS_NAME = "keys.json"
ATTEMPTS_NAME = "attempts.json"
