"""The «Документы» table: every generated, uploaded and signed file the vault holds.

``DocumentsModel`` copies the ``document`` rows from the ``RecordStore`` (memory only; the
files themselves stay in the vault until an action asks for one). ``DocumentsProxy`` sorts
and filters by kind, signed state and free text at once — QSortFilterProxyModel's own filter
knows only one of those, so ``filterAcceptsRow`` combines them.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from desktop.i18n import N_, language, tr
from desktop.models.formatting import fmt_date
from desktop.views.record.record_store import RecordStore
from desktop.views.record.record_table_model import ROW_ID_ROLE, SORT_ROLE

Index = QModelIndex | QPersistentModelIndex

KIND_ROLE = Qt.ItemDataRole.UserRole + 3
SIGNED_ROLE = Qt.ItemDataRole.UserRole + 4

#: document.kind -> what a person calls it (generated kinds match desktop.documents.pdf)
KIND_LABELS: dict[str, str] = {
    "extract": N_("Выписка из ФРМР"),
    "seniority": N_("Справка о медицинском стаже"),
    "nmo": N_("Отчёт о баллах НМО"),
    "application": N_("Заявление на аккредитацию"),
    "nmo_history": N_("История начислений НМО"),
    "upload": N_("Загруженный файл"),
    "signature": N_("Открепленная подпись (.sig)"),
}
MIME_LABELS = {
    "application/pdf": "PDF",
    "image/jpeg": "JPG",
    "image/png": "PNG",
    "application/pkcs7-signature": N_("подпись CMS"),
}
HEADERS = ("Вид", "Название", "Создан", "Тип файла", "Размер", "Подписан", "Сведения о подписи")
COL_KIND, COL_TITLE, COL_CREATED, COL_MIME, COL_SIZE, COL_SIGNED, COL_SIGNATURE = range(len(HEADERS))


def kind_label(kind: str) -> str:
    return tr(KIND_LABELS.get(kind, kind))


def human_size(size: int) -> str:
    if size < 1024:
        text = tr("{n} Б").format(n=size)
    elif size < 1024 * 1024:
        text = tr("{n} КБ").format(n=f"{size / 1024:.1f}")
    else:
        text = tr("{n} МБ").format(n=f"{size / 1048576:.1f}")
    return text.replace(".", ",") if language() == "ru" else text


class DocumentsModel(QAbstractTableModel):
    def __init__(self, store: RecordStore, parent: QObject | None = None) -> None:
        super().__init__(parent or store)
        self.store = store
        self._rows: list[dict[str, Any]] = []
        store.changed.connect(self._on_changed)
        self.reload()

    def _on_changed(self, entity: str) -> None:
        if entity == "document":
            self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        # Newest first; rows of the same day keep the vault's order (insertion) reversed too.
        rows = list(self.store.rows("document"))
        rows.reverse()
        rows.sort(key=lambda r: str(r.get("created_at") or ""), reverse=True)
        self._rows = rows
        self.endResetModel()

    # -- access for views ------------------------------------------------------------------
    def row_at(self, row: int) -> dict[str, Any] | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_by_id(self, row_id: str) -> dict[str, Any] | None:
        return next((r for r in self._rows if r.get("id") == row_id), None)

    def row_of(self, row_id: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.get("id") == row_id), -1)

    def all_rows(self) -> list[dict[str, Any]]:
        return list(self._rows)

    def kinds(self) -> list[str]:
        return sorted({str(r.get("kind") or "") for r in self._rows}, key=kind_label)

    # -- QAbstractTableModel ---------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def _text(self, row: dict[str, Any], col: int) -> str:
        if col == COL_KIND:
            return kind_label(str(row.get("kind") or ""))
        if col == COL_TITLE:
            return str(row.get("title") or "")
        if col == COL_CREATED:
            return fmt_date(str(row["created_at"])) if row.get("created_at") else ""
        if col == COL_MIME:
            mime = str(row.get("mime") or "")
            return tr(MIME_LABELS.get(mime, mime))
        if col == COL_SIZE:
            return human_size(int(row.get("size") or 0))
        if col == COL_SIGNED:
            return tr("да") if row.get("signed") else tr("нет")
        return str(row.get("signature_info") or "")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)) \
                or not (0 <= index.column() < len(HEADERS)):
            return None
        row = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            text = self._text(row, col)
            return text if len(text) > 30 else None
        if role == SORT_ROLE:
            if col == COL_SIZE:
                return int(row.get("size") or 0)
            if col == COL_SIGNED:
                return int(bool(row.get("signed")))
            if col == COL_CREATED:
                return str(row.get("created_at") or "")
            return self._text(row, col).casefold()
        if role == ROW_ID_ROLE:
            return row.get("id")
        if role == KIND_ROLE:
            return row.get("kind")
        if role == SIGNED_ROLE:
            return bool(row.get("signed"))
        if role == Qt.ItemDataRole.TextAlignmentRole and col == COL_SIZE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_SIGNATURE and "недействительна" in self._text(
                row, col):
            from PySide6.QtGui import QColor

            from desktop.views.widgets import theme

            return QColor(theme.text_color("error"))
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(HEADERS):
            return tr(HEADERS[section])
        return None


class DocumentsProxy(QSortFilterProxyModel):
    """Sort by the canonical value; keep rows passing the kind, signed and text filters."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._kind: str | None = None
        self._signed: bool | None = None
        self._text = ""

    def set_kind(self, kind: str | None) -> None:
        self.beginFilterChange()
        self._kind = kind or None
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_signed(self, signed: bool | None) -> None:
        self.beginFilterChange()
        self._signed = signed
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self._text = text.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if model is None:
            return False
        first = model.index(source_row, 0, source_parent)
        if self._kind is not None and model.data(first, KIND_ROLE) != self._kind:
            return False
        if self._signed is not None and bool(model.data(first, SIGNED_ROLE)) != self._signed:
            return False
        if self._text:
            texts = (str(model.data(model.index(source_row, c, source_parent)) or "")
                     for c in range(model.columnCount(source_parent)))
            return any(self._text in t.casefold() for t in texts)
        return True
