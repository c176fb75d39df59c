"""Import heavy modules in the background while the first screen waits for the person.

A plain daemon thread, not the Qt pool: the pool's few threads must stay free for the
unlock KDF, which releases the GIL and so overlaps these imports well. A module a later
import on the GUI thread needs is then already in ``sys.modules`` (or the GUI thread waits
on its import lock, never imports it twice).
"""

from __future__ import annotations

import gc
import importlib
import threading
from collections.abc import Iterable

_started: set[str] = set()
_lock = threading.Lock()


def start(modules: Iterable[str]) -> None:
    with _lock:
        todo = [m for m in modules if m not in _started]
        _started.update(todo)
    if todo:
        threading.Thread(target=_run, args=(todo,), name="prewarm-imports", daemon=True).start()


def _run(modules: list[str]) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # a failure shows later, where the module is really used
            return
    settle_heap()


def settle_heap() -> None:
    """Move what exists now (modules, SQLAlchemy metadata, Qt wrappers) out of the cyclic GC's
    reach. Otherwise each full collection walks all of it on whichever thread allocates —
    measured at 30–60 ms on the GUI thread while saving, above the 50 ms stall budget.
    Objects freed by reference counting are unaffected; ``release_heap`` undoes it on lock."""
    gc.freeze()


def release_heap() -> None:
    gc.unfreeze()
