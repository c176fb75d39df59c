"""«Заявления» — the operator's queue of accreditation applications (issue 15): filters by status
and text, decisions with a comment (a rejection requires one). A colleague's decision or the
worker's withdrawal that came first is the server's answer, shown in the status line."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import N_, tr
from desktop.sync.admin import APPLICATION_STATUSES
from desktop.vault.store import Vault
from desktop.views.operator.common import (
    call,
    day_text,
    person_cells,
    say,
    say_while,
    status_label,
)
from desktop.views.operator.queue_model import QUEUE_LIMIT, Queue, QueueTable, queue_of

HEADER = [N_("Номер"), N_("Подано"), N_("Заявитель"), N_("СНИЛС"), N_("Вид"), N_("Специальность"), N_("Статус"),
          N_("Комментарий")]

KINDS = {"primary": "первичная", "primary_specialized": "первичная специализированная", "periodic": "периодическая"}


class ApplicationsView(QWidget):
    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("operator_applications")
        self.vault = vault
        self.status_filter = QComboBox()
        self.status_filter.setAccessibleName(tr("Статус"))
        for key, label in APPLICATION_STATUSES.items():
            self.status_filter.addItem(tr(label), key)
        self.status_filter.addItem(tr("все"), "")
        self.status_filter.currentIndexChanged.connect(lambda _i: self.reload())
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("Номер, заявитель, СНИЛС, специальность…"))
        self.table = QueueTable(tr("Заявления"), stretch=HEADER.index(N_("Заявитель")))
        self.search.textChanged.connect(self.table.queue.set_filter)
        self.table.selectionModel().selectionChanged.connect(lambda _s, _d: self.load_attachments())
        # a filter or a new list clears the selection without selectionChanged
        self.table.queue.modelReset.connect(self.load_attachments)
        # the application's attachments: the applicant's documents, opened in the app's preview
        self.attachments = QListWidget()
        self.attachments.setObjectName("application_attachments")
        self.attachments.setAccessibleName(tr("Вложения заявления"))
        self.attachments.setMaximumHeight(90)
        self.attachments.itemActivated.connect(lambda _i: self.open_attachment())
        self.open_button = QPushButton(tr("Открыть вложение"))
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_attachment)
        self.attachments.currentRowChanged.connect(lambda r: self.open_button.setEnabled(r >= 0))
        self.attachments_label = QLabel(tr("Вложения: выберите заявление"))
        self._attachments_for = ""
        self.comment = QPlainTextEdit()
        self.comment.setPlaceholderText(tr("Комментарий к решению (при отказе обязателен)"))
        self.comment.setMaximumHeight(70)
        self.review = QPushButton(tr("На рассмотрение"))
        self.approve = QPushButton(tr("Одобрить"))
        self.reject = QPushButton(tr("Отклонить"))
        self.refresh = QPushButton(tr("Обновить"))
        self.review.clicked.connect(lambda: self.decide("review"))
        self.approve.clicked.connect(lambda: self.decide("approve"))
        self.reject.clicked.connect(lambda: self.decide("reject"))
        self.refresh.clicked.connect(self.reload)
        self.status = status_label()

        top = QHBoxLayout()
        top.addWidget(QLabel(tr("Статус:")))
        top.addWidget(self.status_filter)
        top.addWidget(self.search, 1)
        top.addWidget(self.refresh)
        actions = QHBoxLayout()
        actions.addWidget(self.review)
        actions.addWidget(self.approve)
        actions.addWidget(self.reject)
        actions.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.status)
        lay.addWidget(self.table, 1)
        files = QHBoxLayout()
        files.addWidget(self.attachments, 1)
        files.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(self.attachments_label)
        lay.addLayout(files)
        lay.addWidget(self.comment)
        lay.addLayout(actions)
        self.reload()

    def reload(self) -> None:
        status = str(self.status_filter.currentData() or "")
        call(self, self.vault, lambda c: _queue(c.applications(status, limit=QUEUE_LIMIT)),
             self._loaded, self.status, load=True)

    def _loaded(self, queue: Queue) -> None:
        full = self.table.show_queue([tr(h) for h in HEADER], queue)
        say_while(self.status, full, tr("Показаны первые {n} заявлений: уточните статус.").format(n=QUEUE_LIMIT))

    def load_attachments(self) -> None:
        ids = self.table.selected_ids()
        rid = ids[0] if len(ids) == 1 else ""
        if rid == self._attachments_for:
            return
        self._attachments_for = rid
        self.attachments.clear()
        self.open_button.setEnabled(False)
        if not rid:
            self.attachments_label.setText(tr("Вложения: выберите заявление"))
            return
        self.attachments_label.setText(tr("Вложения: загрузка…"))

        def loaded(items: list[dict[str, Any]]) -> None:
            if rid != self._attachments_for:
                return  # another application was chosen meanwhile
            self.attachments_label.setText(tr("Вложения ({n}):").format(n=len(items)) if items
                                           else tr("Вложений нет: заявитель не приложил документов"))
            for a in items:
                text = f"{a.get('title') or '—'} · {_mime(a.get('mime'))} · {_size(a.get('size'))}"
                item = QListWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, str(a.get("sha256") or ""))
                self.attachments.addItem(item)

        call(self, self.vault, lambda c: c.application_attachments(rid), loaded, self.status)

    def open_attachment(self) -> None:
        item = self.attachments.currentItem()
        if item is None or not self._attachments_for:
            return
        from desktop.views.operator.attachment_viewer import open_attachment

        open_attachment(self, self.vault, self._attachments_for, str(item.data(Qt.ItemDataRole.UserRole)),
                        item.text().split(" · ")[0])

    def decide(self, decision: str) -> None:
        ids = self.table.selected_ids()
        if len(ids) != 1:
            say(self.status, tr("Выберите одно заявление."), "warning")
            return
        comment = self.comment.toPlainText().strip()
        if decision == "reject" and not comment:
            say(self.status, tr("Укажите причину отказа в комментарии: отказ без причины не принимается."), "error")
            self.comment.setFocus()
            return
        rid = ids[0]

        def done(out: dict[str, Any]) -> None:
            status = str((out.get("fields") or {}).get("status") or "")
            say(self.status, tr("Решение принято: {s}.").format(s=tr(APPLICATION_STATUSES.get(status, status))), "ok")
            self.comment.clear()
            self.reload()

        # refused (decided or withdrawn meanwhile): the reason stays in the status line, the list
        # shows the application as it is now
        call(self, self.vault, lambda c: c.decide_application(rid, decision, comment), done, self.status,
             then=self.reload)


def _mime(mime: Any) -> str:
    return {"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG"}.get(str(mime or ""), str(mime or "?"))


def _size(n: Any) -> str:
    size = int(n or 0)
    return tr("{n} КБ").format(n=max(1, round(size / 1024))) if size < 1024 * 1024 else \
        tr("{n} МБ").format(n=f"{size / 1024 / 1024:.1f}")


def _queue(items: list[dict[str, Any]]) -> Queue:
    """In the pool: the applications as the queue shows them (the specialty's НСИ name beside
    its code; the registry is read from disk once)."""
    from desktop.models.nsi import shipped

    nsi = shipped()

    def row_of(item: dict[str, Any]) -> tuple[list[str], str]:
        f = item.get("fields") or {}
        code = str(f.get("specialty_code") or "")
        name, snils = person_cells(item)
        return [str(f.get("confirmation_number") or "—"), day_text(f.get("submitted_at")), name, snils,
                tr(KINDS.get(str(f.get("kind")), str(f.get("kind") or ""))),
                (nsi.name("specialty", code) or code) if code else "",
                tr(APPLICATION_STATUSES.get(str(f.get("status")), "")), str(f.get("decision_comment") or "")], code

    return queue_of(items, row_of)
