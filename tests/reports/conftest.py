"""The report suite runs its server tests on SQLite and PostgreSQL, like tests/server."""

from __future__ import annotations

import os

os.environ.setdefault("FRMR_TEST_FAST_HASH", "1")
os.environ.setdefault("FRMR_FAST_KDF", "1")

from tests.server.conftest import backend, db_url, world  # noqa: F401  (fixtures, re-exported)
from tests.sync.conftest import server  # noqa: F401  (a real server on loopback)
