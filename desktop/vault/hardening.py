"""Process hardening shared by the GUI and the CLI."""

from __future__ import annotations

import contextlib


def disable_core_dumps() -> None:
    """A core dump would hold the unwrapped data key and decrypted records in clear."""
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
