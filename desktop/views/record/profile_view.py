"""«Профиль»: the person's own data (one row), shown as a card, edited in the generic dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import tr
from desktop.models.formatting import display, fmt_timestamp
from desktop.models.schema import ENTITIES
from desktop.views.record.record_store import RecordStore
from desktop.views.widgets import theme
from desktop.views.widgets.entity_table import INFO_STYLE, WARNING_STYLE, Banner
from desktop.views.widgets.record_dialog import RecordDialog


class ProfileView(QWidget):
    def __init__(self, store: RecordStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.spec = ENTITIES["person"]
        self.title = QLabel()
        self.title.setObjectName("person_title")
        self.title.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.edit_button = QPushButton(tr("Редактировать"))
        self.edit_button.setObjectName("edit_person")
        self.edit_button.setToolTip("F2")
        self.edit_button.clicked.connect(self.edit)
        self.banner = Banner()
        self.consent_label = QLabel()
        self.consent_label.setStyleSheet(theme.text_style("muted"))

        self.card = QWidget()
        self.card_form = QFormLayout(self.card)
        self.card_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.card_form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.card)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.edit_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.consent_label)
        for seq in (QKeySequence(Qt.Key.Key_F2), QKeySequence(QKeySequence.StandardKey.New)):
            sc = QShortcut(seq, self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(self.edit)
        store.changed.connect(self._store_changed)  # bound: Qt disconnects it when this view goes
        self.refresh()

    def _store_changed(self, entity: str) -> None:
        if entity == "person":
            self.refresh()

    def refresh(self) -> None:
        while self.card_form.rowCount():
            self.card_form.removeRow(0)
        person = self.store.person()
        if person is None:
            self.title.setText(tr("Персональные данные ещё не заполнены"))
            self.edit_button.setText(tr("Заполнить персональные данные"))
            self.consent_label.setText("")
            return
        self.edit_button.setText(tr("Редактировать"))
        name = " ".join(str(person.get(k) or "") for k in ("last_name", "first_name", "patronymic")).strip()
        self.title.setText(name)
        for f in self.spec.fields:
            value = QLabel(display(f, person.get(f.name), self.store.nsi) or "—")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.card_form.addRow(QLabel(tr(f.label) + ":"), value)
        if self.store.consent:
            self.consent_label.setText(tr("Согласие на обработку персональных данных (152-ФЗ) дано: {ts}").format(
                ts=fmt_timestamp(self.store.consent)))

    def edit(self) -> None:
        dialog = RecordDialog(self.store, "person", self.store.person(), self)
        dialog.saved.connect(self._saved)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.dialog = dialog

    def _saved(self, warnings: list[str]) -> None:
        if warnings:
            self.banner.show_message("\n".join(warnings), WARNING_STYLE)
        else:
            self.banner.show_message(tr("Сохранено."), INFO_STYLE)
