"""The window's size and place, and where its splitters stand, per profile.

Kept in the profile folder's ``window.json`` (no personal data: numbers Qt wrote), so each
person on a shared workstation finds the window as they left it. A first window gets a size
that fits the screen it opens on, whatever the scaling: the preferred size, shrunk to the
available area (a 1440×900 screen at 150 % leaves 960×600 logical pixels, less the panels).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSize
from PySide6.QtWidgets import QMainWindow, QSplitter, QWidget

from desktop.vault.atomic import atomic_write_bytes

FILE = "window.json"
PREFERRED = QSize(1180, 760)


def fit_to_screen(window: QMainWindow) -> None:
    """Size a window not placed before: the preferred size, within 90 % of the available area."""
    screen = window.screen()
    if screen is None:
        window.resize(PREFERRED)
        return
    area = screen.availableGeometry()
    # 90 %: the frame and title bar the window manager adds are not known before the first show.
    window.resize(PREFERRED.boundedTo(QSize(int(area.width() * 0.9), int(area.height() * 0.9))))
    frame = window.frameGeometry()
    frame.moveCenter(area.center())
    window.move(frame.topLeft())


def _read(folder: Path) -> dict[str, Any]:
    try:
        raw = json.loads((folder / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    return raw if isinstance(raw, dict) else {}


def _bytes(text: Any) -> QByteArray | None:
    if not isinstance(text, str):
        return None
    data = QByteArray.fromBase64(text.encode("ascii", "ignore"))
    return data if not data.isEmpty() else None


def restore_window(window: QMainWindow, folder: Path) -> bool:
    """Put the window where this profile left it; False (and nothing moved) if it never did,
    or if what was kept is unusable — Qt keeps a restored window on a screen that exists."""
    geometry = _bytes(_read(folder).get("geometry"))
    return geometry is not None and bool(window.restoreGeometry(geometry))


def splitters(root: QWidget) -> dict[str, QSplitter]:
    """The named splitters under ``root``, by a key stable across runs: the section id the
    widget was built for (its ``section_id`` property) and the splitter's object name."""
    out: dict[str, QSplitter] = {}
    for s in root.findChildren(QSplitter):
        if not s.objectName():
            continue
        owner, section = s.parentWidget(), ""
        while owner is not None and not section:
            section = str(owner.property("section_id") or "")
            if owner is root:
                break
            owner = owner.parentWidget()
        out[f"{section}/{s.objectName()}" if section else s.objectName()] = s
    return out


def restore_splitters(root: QWidget, folder: Path) -> None:
    kept = _read(folder).get("splitters")
    if not isinstance(kept, dict):
        return
    for key, splitter in splitters(root).items():
        state = _bytes(kept.get(key))
        if state is not None:
            splitter.restoreState(state)


def remember(window: QMainWindow, folder: Path, root: QWidget | None) -> None:
    """Write the window's geometry and the splitters under ``root`` (added to those kept)."""
    doc = _read(folder)
    doc["geometry"] = bytes(window.saveGeometry().toBase64().data()).decode("ascii")
    if root is not None:
        old = doc.get("splitters")
        kept: dict[str, Any] = old if isinstance(old, dict) else {}
        for key, splitter in splitters(root).items():
            kept[key] = bytes(splitter.saveState().toBase64().data()).decode("ascii")
        doc["splitters"] = kept
    try:
        atomic_write_bytes(folder / FILE, json.dumps(doc, indent=1).encode("utf-8"))
    except OSError:
        pass  # a read-only profile folder: the window opens at its default size next time
