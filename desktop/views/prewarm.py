"""Import the heavy Qt-free stacks where nobody waits for them, and keep the GC off them after.

The first screen (profile chooser, unlock) imports neither SQLAlchemy nor httpx; they are
imported in the unlock job on the pool thread, right after the KDF, while the GUI thread only
shows «Открытие…». A separate background import thread was tried and dropped: importing
modules on one thread while another uses PySide6 or reportlab crashed the interpreter
(segfaults in about 1 of 5 GUI test runs).
"""

from __future__ import annotations

import gc
import importlib
from collections.abc import Iterable


def import_all(modules: Iterable[str]) -> None:
    for name in modules:
        importlib.import_module(name)


def settle_heap() -> None:
    """Move what exists now (modules, SQLAlchemy metadata, Qt wrappers) out of the cyclic GC's
    reach. Otherwise each full collection walks all of it on whichever thread allocates —
    measured at 30–60 ms on the GUI thread while saving, above the 50 ms stall budget.
    Objects freed by reference counting are unaffected; ``release_heap`` undoes it on lock."""
    gc.freeze()


def release_heap() -> None:
    gc.unfreeze()
