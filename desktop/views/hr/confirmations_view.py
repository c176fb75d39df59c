"""«Подтверждение трудоустройства»: the documents doctors uploaded for their cards, waiting for
the clerk. See the automatic checks, save the document to open it, confirm or reject (with a
reason) one or several at once; offline the decision is queued and sent with the next sync.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import N_, tr
from desktop.models.checkdigits import format_snils
from desktop.models.formatting import fmt_date
from desktop.vault.store import Vault
from desktop.views.hr import confirm_tasks
from desktop.views.hr.styles import ERROR_STYLE, SOON_BG
from desktop.views.record.record_store import RecordStore
from desktop.views.runtime.errors import describe_error
from desktop.views.runtime.ops import Op, OpChanges, subscribe

DECISIONS = {"confirm": N_("подтвердить"), "reject": N_("отклонить")}
HEADERS = (N_("Работник"), N_("Организация"), N_("Карточка с"), N_("Документ от"), N_("Проверки"), N_("Ваше решение"))


def _who(item: dict[str, Any]) -> str:
    p = item.get("person") or {}
    name = " ".join(str(p.get(k)) for k in ("last_name", "first_name", "patronymic") if p.get(k))
    snils = format_snils(str(p.get("snils") or "")) if p.get("snils") else ""
    return f"{name or tr('человек не виден')}" + (f", {snils}" if snils else "")


class ConfirmationsView(QWidget):
    def __init__(self, store: RecordStore, vault: Vault) -> None:
        super().__init__()
        self.setObjectName("hr_confirmations")
        self.store = store
        self.vault = vault
        self.items: list[dict[str, Any]] = []
        title = QLabel(tr("Подтверждение трудоустройства"))
        title.setStyleSheet("font-size: 16px; font-weight: 600;")
        self.note = QLabel()
        self.note.setObjectName("confirmations_note")
        self.note.setWordWrap(True)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("confirmations")
        self.table.setHorizontalHeaderLabels([tr(h) for h in HEADERS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.refresh_button = QPushButton(tr("Обновить"))
        self.refresh_button.clicked.connect(self.reload)
        self.confirm_button = QPushButton(tr("Подтвердить выбранные"))
        self.confirm_button.setObjectName("confirm")
        self.confirm_button.clicked.connect(lambda: self.decide("confirm"))
        self.reject_button = QPushButton(tr("Отклонить выбранные…"))
        self.reject_button.setObjectName("reject")
        self.reject_button.clicked.connect(lambda: self.decide("reject"))
        self.open_button = QPushButton(tr("Открыть документ"))
        self.open_button.setObjectName("open_document")
        self.open_button.clicked.connect(self.open_document)
        self.table.doubleClicked.connect(lambda _i: self.open_document())
        self.file_button = QPushButton(tr("Сохранить документ…"))
        self.file_button.clicked.connect(self.save_document)
        #: the document viewer open now (one at a time)
        self.viewer: QDialog | None = None
        buttons = QHBoxLayout()
        for b in (self.refresh_button, self.confirm_button, self.reject_button, self.open_button, self.file_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(buttons)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        #: the shown list came from the server (not the last one kept offline)
        self.fresh = False
        self._loading = False
        # Built while the server may still be starting (the demo) or unreachable: a sync that
        # went through says it is there now — read the list again then, and when shown.
        subscribe(self, self._synced)
        self.reload()

    def _synced(self, changes: OpChanges, _initiator: object) -> None:
        if changes.sync and not self.fresh and not self._loading:
            self.reload()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self.fresh and not self._loading:
            self.reload()

    # -- the list ------------------------------------------------------------------------------
    def reload(self) -> Op | None:
        if self.store._repo is None:  # locked meanwhile
            return None
        vault, repo = self.vault, self.store.repo
        self._loading = True
        self.note.setText(tr("Загрузка…"))

        def failed(exc: BaseException) -> None:
            self._loading = False
            self.note.setText(describe_error(exc))

        def fetched(items: list[dict[str, Any]]) -> None:
            self.fresh = True
            Op(self, lambda: confirm_tasks.keep(repo, items), worker=self.store.worker).success(self._show).failure(
                failed).run()

        def offline(exc: BaseException) -> None:
            self.fresh = False
            why = describe_error(exc)
            Op(self, lambda: confirm_tasks.kept(repo, why), worker=self.store.worker).success(self._show).failure(
                failed).run()

        return Op(self, lambda: confirm_tasks.fetch(vault), pool=True).success(fetched).failure(offline).run()

    def _show(self, listed: confirm_tasks.Listed) -> None:
        self._loading = False
        self.items = listed.items
        self.note.setText(listed.note or (tr("Ждут решения: {n}").format(n=len(listed.items)) if listed.items
                                          else tr("Запросов подтверждения нет")))
        self.table.setRowCount(len(self.items))
        for r, item in enumerate(self.items):
            card = item.get("card") or {}
            mine = item.get("local_decision")
            errors = [str(e) for e in item.get("errors") or []]
            values = [_who(item), str(card.get("org_name") or ""), fmt_date(card.get("begin_date")),
                      fmt_date(item.get("doc_date")), "; ".join(errors) or tr("замечаний нет"),
                      tr(DECISIONS.get(str(mine["decision"]), "")) + f" ({tr('ждёт отправки')})" if mine else ""]
            for c, v in enumerate(values):
                cell = QTableWidgetItem(v)
                cell.setData(Qt.ItemDataRole.UserRole, r)
                if errors:
                    cell.setBackground(QBrush(QColor(SOON_BG)))
                self.table.setItem(r, c, cell)

    def selected(self) -> list[dict[str, Any]]:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [self.items[r] for r in rows if 0 <= r < len(self.items)]

    # -- decisions -----------------------------------------------------------------------------
    def decide(self, decision: str, reason: str | None = None) -> Op | None:
        chosen = self.selected()
        if not chosen:
            self._say(tr("Выберите запросы в списке"), True)
            return None
        if decision == "reject" and reason is None:
            text, ok = QInputDialog.getText(self, tr("Отклонение"), tr("Причина отклонения:"))
            if not ok:
                return None
            reason = text
        reason = (reason or "").strip()
        if decision == "reject" and not reason and confirm_tasks.needs_reason(chosen):
            self._say(tr("Укажите причину отклонения: автоматические проверки замечаний не нашли"), True)
            return None
        repo = self.store.repo

        def done(result: tuple[int, list[str]]) -> None:
            n, refused = result
            text = tr("Решений поставлено в очередь: {n}. Они отправятся при синхронизации.").format(n=n)
            self._say(" ".join([text, *sorted(set(refused))]), bool(refused))
            self.reload()

        return Op(self, lambda: confirm_tasks.decide(repo, chosen, decision, reason), worker=self.store.worker).success(
            done).failure(lambda e: self._say(describe_error(e), True)).changes(
            OpChanges.of("confirmation", outbox=True)).run()

    def open_document(self) -> QDialog | None:
        """The selected request's document in the app's viewer (PDF pages or the scan)."""
        from desktop.views.hr.document_viewer import open_document

        chosen = self.selected()
        if len(chosen) != 1 or not chosen[0].get("blob_sha256"):
            self._say(tr("Выберите один запрос с документом"), True)
            return None
        item = chosen[0]
        if self.viewer is not None:
            self.viewer.close()
        self.viewer = open_document(self, self.vault, str(item["blob_sha256"]), _who(item))
        return self.viewer

    def save_document(self, path: str | None = None) -> Op | None:
        chosen = self.selected()
        if len(chosen) != 1 or not chosen[0].get("blob_sha256"):
            self._say(tr("Выберите один запрос с документом"), True)
            return None
        target = path or QFileDialog.getSaveFileName(self, tr("Документ работника"), tr("документ"))[0]
        if not target:
            return None
        vault, sha, out = self.vault, str(chosen[0]["blob_sha256"]), Path(target)

        def work() -> None:
            from desktop.documents.atomic import atomic_write

            atomic_write(out, confirm_tasks.document(vault, sha))

        return Op(self, work, pool=True).success(
            lambda _r: self._say(tr("Сохранено: {path}").format(path=out))).failure(
            lambda e: self._say(describe_error(e), True)).run()

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet(ERROR_STYLE if error else "")
        self.status.setText(text)
