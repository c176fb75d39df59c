"""The Qt layer. Importing it first applies one interpreter-level workaround (below).

PySide6 6.12.0's abi3 wheels treat ``None``, ``True`` and ``False`` as immortal, as they are
on Python ≥ 3.12: every void Qt method called from Python (``setText``, ``update`` …) drops a
reference to ``None`` it never took, and ``Signal.emit`` one to ``True``. On Python 3.11,
where those objects are still reference-counted, a few thousand calls bring a count to zero
and the interpreter aborts ("deallocating None"). We give the three singletons the same
effectively infinite count CPython 3.12 gives them. The real fix is a PySide6 that does not
do this (6.11.x is fine); the workaround is harmless there.
"""

from __future__ import annotations

import ctypes
import sys


def _immortalize_singletons() -> None:
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    for obj in (None, True, False):
        # ob_refcnt is the first field of every CPython object.
        ctypes.c_ssize_t.from_address(id(obj)).value += 1 << 40


_immortalize_singletons()
