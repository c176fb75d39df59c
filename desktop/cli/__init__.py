"""``frmr``: the Qt-free core from a terminal.

``main`` (the ``frmr`` entry point) parses the command line and runs the record commands itself;
document and sync commands live in ``documents`` and ``sync`` and are imported by name only when
one of them is asked for, so ``frmr show`` does not pay for pyHanko or httpx.
"""

from desktop.cli.main import main

__all__ = ["main"]
