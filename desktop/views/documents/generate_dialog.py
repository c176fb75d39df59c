"""«Сформировать…»: which document, and for the НМО report the period, types and statuses."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from desktop.documents.nmo import NmoFilter
from desktop.i18n import N_, tr
from desktop.models.schema import NMO_KIND, NMO_STATUS
from desktop.views.widgets import theme

#: what «Сформировать…» offers, in this order (kinds of desktop.documents.pdf)
GENERATED = (
    ("extract", N_("Выписка из ФРМР")),
    ("seniority", N_("Справка о медицинском стаже")),
    ("nmo", N_("Отчёт о баллах НМО")),
    ("application", N_("Заявление на аккредитацию")),
)


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


class GenerateDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Сформировать документ"))
        self.kind = QComboBox()
        self.kind.setObjectName("generate_kind")
        for key, label in GENERATED:
            self.kind.addItem(tr(label), key)
        self.kind.currentIndexChanged.connect(self._kind_changed)

        self.nmo_box = QGroupBox(tr("Отбор начислений НМО"))
        today = dt.date.today()
        self.use_period = QCheckBox(tr("За период"))
        self.date_from = QDateEdit(_qdate(today.replace(year=today.year - 5)))
        self.date_to = QDateEdit(_qdate(today))
        for d in (self.date_from, self.date_to):
            d.setCalendarPopup(True)
            d.setDisplayFormat("dd.MM.yyyy")
            d.setEnabled(False)
        self.use_period.toggled.connect(self.date_from.setEnabled)
        self.use_period.toggled.connect(self.date_to.setEnabled)
        period = QHBoxLayout()
        period.addWidget(self.use_period)
        period.addWidget(QLabel(tr("с")))
        period.addWidget(self.date_from)
        period.addWidget(QLabel(tr("по")))
        period.addWidget(self.date_to)
        period.addStretch(1)
        # All unticked = no restriction, the usual meaning of an empty filter.
        self.kind_boxes = {k: QCheckBox(tr(v)) for k, v in NMO_KIND.items()}
        self.status_boxes = {k: QCheckBox(tr(v)) for k, v in NMO_STATUS.items()}
        form = QFormLayout(self.nmo_box)
        form.addRow(period)
        kinds = QVBoxLayout()
        for b in self.kind_boxes.values():
            kinds.addWidget(b)
        statuses = QVBoxLayout()
        for b in self.status_boxes.values():
            statuses.addWidget(b)
        form.addRow(tr("Тип:"), kinds)
        form.addRow(tr("Статус:"), statuses)
        form.addRow(QLabel(tr("Ничего не отмечено — без ограничения.")))

        self.error = QLabel()
        self.error.setStyleSheet(theme.text_style("error"))
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(tr("Сформировать"))
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        top = QFormLayout()
        top.addRow(tr("Документ:"), self.kind)
        layout.addLayout(top)
        layout.addWidget(self.nmo_box)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._kind_changed()

    def set_kind(self, kind: str) -> None:
        self.kind.setCurrentIndex(self.kind.findData(kind))

    def chosen_kind(self) -> str:
        return str(self.kind.currentData())

    def _kind_changed(self) -> None:
        self.nmo_box.setVisible(self.chosen_kind() == "nmo")
        self.adjustSize()

    def nmo_filter(self) -> NmoFilter | None:
        if self.chosen_kind() != "nmo":
            return None
        period = self.use_period.isChecked()
        return NmoFilter(
            self.date_from.date().toPython() if period else None,  # type: ignore[arg-type]
            self.date_to.date().toPython() if period else None,  # type: ignore[arg-type]
            frozenset(k for k, b in self.kind_boxes.items() if b.isChecked()),
            frozenset(k for k, b in self.status_boxes.items() if b.isChecked()),
        )

    def _accept(self) -> None:
        flt = self.nmo_filter()
        if flt and flt.date_from and flt.date_to and flt.date_from > flt.date_to:
            self.error.setText(tr("Начало периода позже его конца: период пуст."))
            self.error.show()
            return
        self.accept()
