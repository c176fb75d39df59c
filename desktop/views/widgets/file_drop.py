"""Files dropped from the file manager onto a widget, as people expect of a desktop program:
onto «Документы» (an upload each) and onto the upload dialogs (the path field takes it).

An event filter, so a view only says what to do with the paths: ``accept_files(widget, fn)``.
Only local files count (not folders, not links from a browser); ``fn`` gets their paths.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QObject
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QWidget


def local_files(mime: QMimeData | None) -> list[str]:
    if mime is None or not mime.hasUrls():
        return []
    paths = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
    return [p for p in paths if p and Path(p).is_file()]


class FileDrop(QObject):
    def __init__(self, widget: QWidget, on_files: Callable[[list[str]], None], single: bool = False) -> None:
        super().__init__(widget)
        self.on_files = on_files
        self.single = single
        widget.setAcceptDrops(True)
        widget.installEventFilter(self)

    def _wanted(self, mime: QMimeData | None) -> list[str]:
        files = local_files(mime)
        return files[:1] if self.single and len(files) == 1 else ([] if self.single else files)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            assert isinstance(event, (QDragEnterEvent, QDragMoveEvent))
            if self._wanted(event.mimeData()):
                event.acceptProposedAction()
                return True
            return False
        if kind == QEvent.Type.Drop:
            assert isinstance(event, QDropEvent)
            files = self._wanted(event.mimeData())
            if files:
                event.acceptProposedAction()
                self.on_files(files)
                return True
        return False


def accept_files(widget: QWidget, on_files: Callable[[list[str]], None], *, single: bool = False) -> FileDrop:
    """Drops of local files onto ``widget`` (and its children that do not take drops themselves)
    call ``on_files``; ``single``: exactly one file, as a path field takes."""
    return FileDrop(widget, on_files, single)
