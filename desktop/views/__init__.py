"""The Qt layer: one file per section or dialog, item models beside the views that use them.

PySide6 is pinned below 6.12 in pyproject.toml: 6.12.0's wheels drop references to ``None``,
``True`` and ``False`` they never took (they assume Python ≥ 3.12 immortal objects), which
aborts a Python 3.11 interpreter after a few thousand Qt calls.
"""
