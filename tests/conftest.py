"""Settings shared by the whole suite, applied before any test module imports Qt or the vault.

Offscreen Qt (no display needed), the minimum Argon2id cost (tests would otherwise spend a
second per unlock), and profiles plus crash logs in a throw-away folder — never the real
user's data folder.
"""

from __future__ import annotations

import os
import tempfile

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["FRMR_FAST_KDF"] = "1"
_scratch = tempfile.mkdtemp(prefix="frmr-tests-")
os.environ.setdefault("FRMR_PROFILES_DIR", os.path.join(_scratch, "profiles"))
os.environ.setdefault("FRMR_LOG_DIR", os.path.join(_scratch, "logs"))
