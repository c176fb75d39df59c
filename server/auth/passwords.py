"""Password hashing (Argon2id) and the password policy of docs/domain.md."""

from __future__ import annotations

import os
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's defaults are the RFC 9106 low-memory profile of Argon2id (~0.4 s here).
# FRMR_TEST_FAST_HASH=1 is for test suites only: still Argon2id, with the cheapest parameters, so
# seeding a fresh database per test stays fast. Verification reads the parameters from each hash,
# so hashes made either way verify anywhere.
if os.environ.get("FRMR_TEST_FAST_HASH") == "1":
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
else:
    _hasher = PasswordHasher()
# Verified when the login is unknown so that a wrong login costs as much time as a wrong password.
DUMMY_HASH = _hasher.hash("не-пароль-для-несуществующей-учётной-записи")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def policy_errors(password: str) -> list[str]:
    """What the password lacks, in Russian; empty when it satisfies the policy."""
    out = []
    if len(password) < 12:
        out.append("не короче 12 символов")
    if len(password) > 256:
        out.append("не длиннее 256 символов")
    if not re.search(r"[a-zа-яё]", password):
        out.append("строчная буква")
    if not re.search(r"[A-ZА-ЯЁ]", password):
        out.append("заглавная буква")
    if not re.search(r"\d", password):
        out.append("цифра")
    if not re.search(r"[^\w\s]|_", password):
        out.append("специальный символ")
    return out
