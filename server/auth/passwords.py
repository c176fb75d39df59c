"""Password hashing (Argon2id) and the password policy of docs/domain.md."""

from __future__ import annotations

import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# The policy itself is shared with the desktop, which shows it as the person types.
from desktop.models.passwords import policy_errors as policy_errors

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
