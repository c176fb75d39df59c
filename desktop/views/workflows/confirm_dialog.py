"""«Подтвердить документом»: a contract, an order or a 2-НДФЛ for one employment card.

The file is chosen or dropped on the dialog; its details are pre-filled from the card and
editable; the checks (the server's rules, desktop/models/workflows/confirm_rules.py) run at
once on every change and «Отправить» is possible only when they pass — a failed check sends
nothing. The card's history of confirmations is shown below (kept in the vault)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import N_, tr
from desktop.models.formatting import fmt_date
from desktop.models.workflows.confirm_rules import DOC_KINDS
from desktop.sync import doctor
from desktop.views.record.record_store import RecordStore
from desktop.views.runtime.errors import describe_error
from desktop.views.runtime.ops import Op
from desktop.views.widgets import theme
from desktop.views.widgets.entity_table import Banner
from desktop.views.workflows.steps import run_step

_HISTORY = {"pending": N_("ждёт решения"), "confirmed": N_("подтверждено"), "rejected": N_("отклонено")}


def _ru(iso: str) -> str:
    return fmt_date(iso) if iso else ""


class ConfirmDialog(QDialog):
    def __init__(self, store: RecordStore, card: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Подтвердить документом"))
        self.setAcceptDrops(True)
        self.store = store
        self.card = card
        self.path: Path | None = None
        self.data = b""
        self.errors: list[str] = [tr("Выберите файл документа")]
        d = doctor.confirmation_defaults(card)
        self.kind = QComboBox()
        for k, v in DOC_KINDS.items():
            self.kind.addItem(tr(v), k)
        self.org_inn = QLineEdit(d["doc_org_inn"])
        self.org_name = QLineEdit(d["doc_org_name"])
        self.doc_date = QLineEdit(_ru(d["doc_date"]))
        self.begin_date = QLineEdit(_ru(d["doc_begin_date"]))
        self.file_label = QLabel(tr("Перетащите файл сюда или выберите его (PDF, JPG, PNG, до 5 МБ)"))
        self.file_label.setWordWrap(True)
        choose = QPushButton(tr("Выбрать файл…"))
        choose.clicked.connect(self._choose)
        self.checks = QLabel()
        self.checks.setObjectName("confirm_checks")
        self.checks.setWordWrap(True)
        self.history = QListWidget()
        self.history.setObjectName("confirm_history")
        self.banner = Banner()
        self.send_button = QPushButton(tr("Отправить"))
        self.send_button.clicked.connect(self.send)
        close = QPushButton(tr("Закрыть"))
        close.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow(tr("Вид документа"), self.kind)
        form.addRow(tr("ИНН организации"), self.org_inn)
        form.addRow(tr("Наименование организации"), self.org_name)
        form.addRow(tr("Дата документа"), self.doc_date)
        form.addRow(tr("Дата начала работы"), self.begin_date)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_label, 1)
        file_row.addWidget(choose)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.send_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(file_row)
        layout.addLayout(form)
        layout.addWidget(self.checks)
        layout.addWidget(QLabel(tr("История подтверждений карточки")))
        layout.addWidget(self.history)
        layout.addLayout(buttons)
        for e in (self.org_inn, self.org_name, self.doc_date, self.begin_date):
            e.textChanged.connect(self.recheck)
        self.kind.currentIndexChanged.connect(self.recheck)
        self.recheck()
        self.load_history()

    # -- the file ------------------------------------------------------------------------------------
    def _choose(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, tr("Документ"), "", tr("Документы (*.pdf *.jpg *.jpeg *.png)"))
        if name:
            self.set_file(Path(name))

    def set_file(self, path: Path) -> None:
        """Read the file off the GUI thread (up to 5 MB and a little more, to say it is too big)."""
        def read() -> bytes:
            with path.open("rb") as f:
                return f.read(6 * 1024 * 1024)

        def took(data: bytes) -> None:
            self.path, self.data = path, data
            self.file_label.setText(tr("Файл: {name} ({kb} КБ)").format(name=path.name, kb=len(data) // 1024))
            self.recheck()

        Op(self, read, pool=True).success(took).failure(
            lambda exc: self.banner.show_message(describe_error(exc), "error")).run()

    @staticmethod
    def _local_file(mime: QMimeData) -> Path | None:
        urls = [u for u in mime.urls() if u.isLocalFile()]
        return Path(urls[0].toLocalFile()) if len(urls) == 1 else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._local_file(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._local_file(event.mimeData())
        if path is not None:
            event.acceptProposedAction()
            self.set_file(path)

    # -- checks ---------------------------------------------------------------------------------------
    def details(self) -> dict[str, str]:
        return {"doc_kind": str(self.kind.currentData()), "doc_org_inn": self.org_inn.text().strip(),
                "doc_org_name": self.org_name.text().strip(), "doc_date": self.doc_date.text().strip(),
                "doc_begin_date": self.begin_date.text().strip()}

    def recheck(self) -> None:
        """The checks at once (pure functions over the card, the details and the file's bytes)."""
        if self.path is None:
            self.errors = [tr("Выберите файл документа")]
        else:
            self.errors, _ = doctor.check_confirmation(self.card, self.path.name, self.data, self.details(),
                                                       dt.date.today())
        if self.errors:
            self.checks.setText("\n".join(f"✗ {e}" for e in self.errors))
            self.checks.setStyleSheet(theme.text_style("error"))
        else:
            self.checks.setText(tr("✓ Проверки пройдены: документ соответствует карточке"))
            self.checks.setStyleSheet(theme.text_style("ok"))
        self.send_button.setEnabled(not self.errors)

    # -- history, sending ---------------------------------------------------------------------------------
    def load_history(self) -> None:
        repo, card_id = self.store.repo, str(self.card["id"])
        Op(self, lambda: doctor.confirmation_history(repo, card_id), worker=self.store.worker).success(
            self._took_history).run()

    def _took_history(self, items: list[dict[str, Any]]) -> None:
        self.history.clear()
        for i in items:
            state = i.get("state_text") or tr(_HISTORY.get(str(i.get("status")), str(i.get("status"))))
            said = i.get("comment") or i.get("message")
            self.history.addItem(tr("документ от {d}: {state}").format(d=fmt_date(i.get("doc_date")), state=state)
                                 + (f" — {said}" if said else ""))
        if not items:
            self.history.addItem(tr("Подтверждений по карточке не было"))

    def send(self) -> None:
        if self.errors or self.path is None:
            return
        card_id, name, data, details = str(self.card["id"]), self.path.name, self.data, self.details()
        self.send_button.setEnabled(False)

        def after(out: doctor.Outcome) -> None:
            self.load_history()
            if not out.ok:
                self.send_button.setEnabled(True)

        run_step(self.store, "employment",
                 lambda repo: doctor.upload_confirmation(repo, card_id, name, data, details), self, self.banner,
                 "Документ отправится в отдел кадров при синхронизации", then=after)
