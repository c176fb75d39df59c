"""Shared pieces of the operator's console: the server call as a pool op, a list with a status
line, the selected rows' ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTableWidget, QWidget

from desktop.i18n import tr
from desktop.models.checkdigits import format_snils
from desktop.sync.admin import AdminClient
from desktop.vault.store import Vault
from desktop.views.dashboards.charts import fill_table
from desktop.views.runtime.errors import describe_error
from desktop.views.runtime.ops import Op
from desktop.views.shell.events import CONNECTION_CHANGED, EventBus
from desktop.views.widgets.theme import banner_style

T = TypeVar("T")


def call(parent: QWidget, vault: Vault, fn: Callable[[AdminClient], T], ok: Callable[[T], None],
         status: QLabel, *, then: Callable[[], None] | None = None, load: bool = False) -> Op:
    """``fn(client)`` in the pool; its failure (offline, refused, a colleague first) in ``status``,
    then ``then()`` (a decision refused because the row moved on: show the list as it is now).

    ``load``: the call loads the view's list. A later load of the same view overtakes it — its
    answer and its failure are dropped (a status chosen, then another before the first, slower
    list came); a failed load is asked again when the connection comes back
    (``reload_when_online``), and its message goes once a load succeeds."""
    asked = int(parent.property(ASKED) or 0) + 1 if load else 0
    if load:
        parent.setProperty(ASKED, asked)

    def overtaken() -> bool:
        return load and parent.property(ASKED) != asked

    def run() -> T:
        with AdminClient(vault) as client:
            return fn(client)

    def succeeded(value: T) -> None:
        if overtaken():
            return
        if load and parent.property(LOAD_FAILED):
            parent.setProperty(LOAD_FAILED, False)
            say(status, "")
        ok(value)

    def failed(exc: BaseException) -> None:
        if overtaken():
            return
        if load:
            parent.setProperty(LOAD_FAILED, True)
        say(status, describe_error(exc), "error")
        if then is not None:
            then()

    return Op(parent, run, pool=True).success(succeeded).failure(failed).run()


#: the number of the view's latest load (``call(load=True)``)
ASKED = "frmr_asked"
#: the view's latest load failed (no server yet, no connection): it loads again when the
#: connection comes back (``reload_when_online``)
LOAD_FAILED = "frmr_load_failed"


def reload_when_online(view: QWidget, events: EventBus, reload: Callable[[], None]) -> QWidget:
    """Once the connection is back, a view whose last load failed asks again — the operator's
    console opened before the sync had logged in (the demo starts its server then), or offline.
    A view that loaded is left as it is: a sync must not reset the queue under the operator."""
    def changed(online: bool | None) -> None:
        if online and view.property(LOAD_FAILED):
            reload()

    events.subscribe(CONNECTION_CHANGED, changed, view)
    return view


def say_while(status: QLabel, holds: bool, text: str, kind: str = "warning") -> None:
    """``text`` in the status line while ``holds``; taken back (if it is still what is shown)
    once it does not — a warning about one list must not outlive it."""
    if holds:
        say(status, text, kind)
    elif status.text() == text:
        say(status, "")


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


def day_text(iso: Any) -> str:
    """An ISO date as the operator reads it (ДД.ММ.ГГГГ), «—» when there is none."""
    parts = str(iso or "")[:10].split("-")
    return ".".join(reversed(parts)) if len(parts) == 3 else "—"


def person_cells(item: dict[str, Any]) -> tuple[str, str]:
    """The name and the СНИЛС (as written: 123-456-789 01) of a queue row's person."""
    who = item.get("person") or {}
    return str(who.get("name") or "—"), format_snils(str(who.get("snils") or ""))


def fold(text: str) -> str:
    return text.casefold().replace("ё", "е")


__all__ = ["call", "day_text", "fold", "list_table", "person_cells", "reload_when_online", "say",
           "say_while", "selected_ids", "show_rows", "status_label", "tr"]
