"""The notices sync brought (desktop/models/workflows/notices.py) inside «Уведомления»: new
requests, status changes and decisions, server refusals and conflicts; read and unread; a
double click opens the section the notice is about. Refreshed after each sync's re-read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListView, QPushButton, QVBoxLayout, QWidget

from desktop.i18n import tr
from desktop.models.workflows import notices
from desktop.views.record.record_store import RecordStore
from desktop.views.runtime.ops import Op

Index = QModelIndex | QPersistentModelIndex
#: the section each notice's entity lives in
SECTION_OF = {"request": "requests", "application": "application", "employment": "employment", "nmo": "nmo",
              "programme": "programmes"}


class NoticesFeed(QObject):
    """The stored notices, refreshed from the vault on the DB worker (one per record page)."""

    updated = Signal()

    def __init__(self, store: RecordStore) -> None:
        super().__init__(store)
        self.store = store
        self.items: list[dict[str, Any]] = []
        #: the list has been read once (an empty list then means no notices, not «not read yet»)
        self.loaded = False
        store.reloaded.connect(lambda _changed: self.refresh())
        store.loaded.connect(self.refresh)

    def unread(self) -> int:
        return sum(1 for i in self.items if not i["read"])

    def refresh(self) -> None:
        if not self.store.is_loaded:
            return  # locked: the store has no vault any more
        repo = self.store.repo

        def work() -> list[dict[str, Any]]:
            notices.refresh(repo)
            return notices.notices(repo)

        Op(self, work, worker=self.store.worker).success(self._took).run()

    def mark(self, ids: set[str] | None) -> None:
        if not self.store.is_loaded:
            return  # locked: the store has no vault any more
        repo = self.store.repo

        def work() -> list[dict[str, Any]]:
            notices.mark_read(repo, ids)
            return notices.notices(repo)

        Op(self, work, worker=self.store.worker).success(self._took).run()

    def _took(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.loaded = True
        self.updated.emit()


def feed_of(store: RecordStore) -> NoticesFeed:
    """The open record's one feed (made and read at its first use), shared by the notification
    centre, the badges and the tray icon."""
    feed = store.findChild(NoticesFeed)
    if feed is None:
        feed = NoticesFeed(store)
        feed.refresh()
    return feed


class NoticesListModel(QAbstractListModel):
    """The feed's notices for a list view: a new list is one reset, which costs the view nothing
    per row (uniform rows), where refilling a QListWidget with a thousand items held the GUI
    thread for tens of milliseconds after every sync."""

    def __init__(self, feed: NoticesFeed, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.feed = feed
        self._items: list[dict[str, Any]] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def reload(self) -> None:
        self.beginResetModel()
        self._items = list(self.feed.items)
        self.endResetModel()

    def notice(self, row: int) -> dict[str, Any] | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        n = self.notice(index.row()) if index.isValid() else None
        if n is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{str(n['created_at'])[:16].replace('T', ' ')}  {n['text']}"
        if role == Qt.ItemDataRole.FontRole and not n["read"]:
            return self._bold
        if role == Qt.ItemDataRole.UserRole:
            return n
        return None


class NoticesPanel(QWidget):
    def __init__(self, feed: NoticesFeed, open_section: Callable[[str, str], None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.feed = feed
        self.open_section = open_section
        self.title = QLabel()
        self.model = NoticesListModel(feed, self)
        self.list = QListView()
        self.list.setObjectName("workflow_notices")
        self.list.setUniformItemSizes(True)
        self.list.setModel(self.model)
        self.list.doubleClicked.connect(lambda index: self.open_row(index.row()))
        self.list.activated.connect(lambda index: self.open_row(index.row()))
        self.read_all = QPushButton(tr("Отметить все прочитанными"))
        self.read_all.clicked.connect(lambda: feed.mark(None))
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.read_all)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.list, 1)
        feed.updated.connect(self.fill)
        self.fill()

    def fill(self) -> None:
        self.model.reload()
        self.title.setText(tr("Сообщения: непрочитанных {n}").format(n=self.feed.unread()))
        self.read_all.setEnabled(self.feed.unread() > 0)

    def count(self) -> int:
        return self.model.rowCount()

    def text(self, row: int) -> str:
        return str(self.model.data(self.model.index(row), Qt.ItemDataRole.DisplayRole) or "")

    def open_row(self, row: int) -> None:
        """Mark the notice read and open the section (and the row) it is about."""
        n = self.model.notice(row)
        if n is None:
            return
        self.feed.mark({n["id"]})
        section = SECTION_OF.get(str(n.get("entity")))
        if section and self.open_section is not None:
            self.open_section(section, str(n.get("entity_id") or ""))
