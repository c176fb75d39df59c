"""Settings shared by the whole suite, applied before any test module imports Qt or the vault.

Offscreen Qt (no display needed), the minimum Argon2id cost (tests would otherwise spend a
second per unlock), and profiles plus crash logs in a throw-away folder — never the real
user's data folder.
"""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import Iterator

import pytest

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["FRMR_FAST_KDF"] = "1"
_scratch = tempfile.mkdtemp(prefix="frmr-tests-")
os.environ.setdefault("FRMR_PROFILES_DIR", os.path.join(_scratch, "profiles"))
os.environ.setdefault("FRMR_LOG_DIR", os.path.join(_scratch, "logs"))


@pytest.fixture(autouse=True)
def _collect_cycles_between_tests() -> Iterator[None]:
    """Once a GUI session has taken collection over (desktop.views.runtime.heap), cycles are collected
    only while an event loop turns; between tests nothing turns, so collect here, on the main
    thread as the app would, or the rest of the suite would keep every cycle it makes."""
    yield
    if not gc.isenabled():
        gc.collect()
