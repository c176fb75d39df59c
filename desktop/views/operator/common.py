"""Shared pieces of the operator's console: the server call as a pool op, a list with a status
line, the selected rows' ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTableWidget, QWidget

from desktop.i18n import tr
from desktop.sync.admin import AdminClient
from desktop.vault.store import Vault
from desktop.views.dashboards.charts import fill_table
from desktop.views.runtime.errors import describe_error
from desktop.views.runtime.ops import Op
from desktop.views.widgets.theme import banner_style

T = TypeVar("T")


def call(parent: QWidget, vault: Vault, fn: Callable[[AdminClient], T], ok: Callable[[T], None],
         status: QLabel, *, then: Callable[[], None] | None = None) -> Op:
    """``fn(client)`` in the pool; its failure (offline, refused, a colleague first) in ``status``,
    then ``then()`` (a decision refused because the row moved on: show the list as it is now)."""
    def run() -> T:
        with AdminClient(vault) as client:
            return fn(client)

    def failed(exc: BaseException) -> None:
        say(status, describe_error(exc), "error")
        if then is not None:
            then()

    return Op(parent, run, pool=True).success(ok).failure(failed).run()


def say(status: QLabel, text: str, kind: str = "info") -> None:
    status.setText(text)
    status.setStyleSheet(banner_style(kind))
    status.setVisible(bool(text))


def list_table(name: str) -> QTableWidget:
    t = QTableWidget()
    t.setAccessibleName(name)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSortingEnabled(False)
    return t


def show_rows(table: QTableWidget, header: list[str], rows: list[list[Any]], ids: list[str], stretch: int = 0) -> None:
    """The rows with each row's id kept on its first cell (``selected_ids`` reads it back)."""
    fill_table(table, header, rows, stretch=stretch)
    for r, rid in enumerate(ids):
        item = table.item(r, 0)
        if item is not None:
            item.setData(Qt.ItemDataRole.UserRole, rid)


def selected_ids(table: QTableWidget) -> list[str]:
    rows = sorted({i.row() for i in table.selectedIndexes()})
    out = []
    for r in rows:
        item = table.item(r, 0)
        if item is not None and item.data(Qt.ItemDataRole.UserRole):
            out.append(str(item.data(Qt.ItemDataRole.UserRole)))
    return out


def status_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setVisible(False)
    label.setObjectName("operator_status")
    return label


def fold(text: str) -> str:
    return text.casefold().replace("ё", "е")


def haystacks(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> list[str]:
    """Each row's searchable text, folded once when the list arrives (not per keystroke)."""
    out = []
    for r in rows:
        f = {**r, **(r.get("fields") or {})}
        out.append(fold(" ".join(str(f.get(k) or "") for k in keys)))
    return out


def filtered(rows: list[dict[str, Any]], hays: list[str], text: str) -> list[dict[str, Any]]:
    """Rows whose text contains the typed text (case and ё/е ignored): the queue's quick filter."""
    needle = fold(text.strip())
    if not needle:
        return rows
    return [r for r, h in zip(rows, hays, strict=True) if needle in h]


__all__ = ["call", "filtered", "fold", "haystacks", "list_table", "say", "selected_ids", "show_rows", "status_label",
           "tr"]
