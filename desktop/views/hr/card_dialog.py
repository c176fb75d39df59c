"""Typing an employment card by keyboard, as people coming from 1С expect: Tab walks the
fields, Enter saves, Esc cancels. Position and subdivision complete from НСИ and from the
organization's own values (its subdivisions and the positions it uses come first); the rate
moves in steps of 0.25; each field is checked as it is left (the core's own rules, in memory),
and a period that overlaps another card of the person is shown before saving.

The organization fields are the clerk's organization's (``staff.card_values`` fills them).
«Увольнение» and «Перевод» ask for an end date and a reason from a list (``CloseDialog``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import tr
from desktop.models import workflow
from desktop.models.formatting import editable
from desktop.models.nsi import NsiRegistry
from desktop.models.schema import EMPLOYMENT
from desktop.models.staff import END_REASONS
from desktop.models.validation import ValidationFailed, validate
from desktop.views.hr.styles import ERROR_STYLE, INVALID_STYLE, WARN_STYLE
from desktop.views.runtime.errors import describe_error
from desktop.views.widgets.record_form import EnumCombo

#: the card fields the dialog shows, in Tab order (organization fields come from the clerk's)
FIELDS = ("position_code", "subdivision", "position_type", "contract_kind", "rate", "begin_date", "end_date",
          "end_reason", "contract_number", "contract_date", "order_number", "order_date", "profile", "status")

#: save(values, done(card_id), failed(exc)) — the person card runs it as an op
Saver = Callable[[dict[str, Any], Callable[[Any], None], Callable[[BaseException], None]], None]


class PositionCombo(QComboBox):
    """НСИ positions, the organization's own first; typed text completes by any part of the name."""

    def __init__(self, nsi: NsiRegistry, own: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        entries = nsi.get("position").entries
        self.addItem("", None)
        for code in [c for c in own if c in entries] + [c for c in entries if c not in own]:
            self.addItem(f"{entries[code]} ({code})", code)
        completer = QCompleter(self.model(), self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)
        line = self.lineEdit()
        if line is not None:
            line.setPlaceholderText(tr("начните вводить название или код"))
            line.editingFinished.connect(self._settle)

    def _settle(self) -> None:
        # Typed part of a name and left with Tab: show the position it stands for.
        code = self.value()
        i = self.findData(code) if code else -1
        if i > 0 and i != self.currentIndex():
            self.setCurrentIndex(i)

    def value(self) -> str:
        text = self.currentText().strip()
        if not text:
            return ""
        i = self.findText(text, Qt.MatchFlag.MatchFixedString)
        if i >= 0:
            return str(self.itemData(i) or "")
        # A unique partial name is taken as that position (typed fast, Tab before the popup).
        matches = [i for i in range(1, self.count()) if text.casefold() in self.itemText(i).casefold()]
        if len(matches) == 1:
            return str(self.itemData(matches[0]))
        return text

    def set_value(self, code: str | None) -> None:
        i = self.findData(code) if code else 0
        if i >= 0:
            self.setCurrentIndex(i)
        else:
            self.setEditText(str(code))


class CardDialog(QDialog):
    def __init__(self, nsi: NsiRegistry, role: str, save: Saver, *, row: dict[str, Any] | None = None,
                 initial: dict[str, Any] | None = None, siblings: list[dict[str, Any]] | None = None,
                 subdivisions: list[str] | None = None, positions: list[str] | None = None,
                 org_name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card_dialog")
        self.nsi = nsi
        self._save = save
        self.row_id: str | None = str(row["id"]) if row else None
        self.siblings = list(siblings or [])
        self.setWindowTitle(tr("Карточка трудоустройства") + (f" — {org_name}" if org_name else ""))
        self.setModal(True)
        self.resize(620, 600)
        status = None if row is None else row.get("status")
        self.editors: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        for name in FIELDS:
            spec = EMPLOYMENT.field(name)
            editor: QWidget
            if name == "position_code":
                editor = PositionCombo(nsi, positions or [])
            elif name == "subdivision":
                line = QLineEdit()
                completer = QCompleter(subdivisions or [], line)
                completer.setFilterMode(Qt.MatchFlag.MatchContains)
                completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
                line.setCompleter(completer)
                editor = line
            elif name == "rate":
                spin = QDoubleSpinBox()
                spin.setRange(0.25, 2.0)
                spin.setSingleStep(0.25)
                spin.setDecimals(2)
                spin.setValue(1.0)
                editor = spin
            elif name == "status":
                allowed = workflow.allowed_statuses("employment", role, status)
                editor = EnumCombo(spec, allowed=allowed, blank=status is None)
            elif spec.kind == "enum":
                editor = EnumCombo(spec, blank=False)
            elif name == "end_reason":
                combo = QComboBox()
                combo.setEditable(True)
                combo.addItems(["", *END_REASONS])
                editor = combo
            else:
                line = QLineEdit()
                line.setMaxLength(max(spec.max_len, 20))
                if spec.kind == "date":
                    line.setPlaceholderText(tr("дд.мм.гггг"))
                editor = line
            editor.setObjectName(f"field_{name}")
            err = QLabel()
            err.setObjectName(f"error_{name}")
            err.setStyleSheet(ERROR_STYLE)
            err.setWordWrap(True)
            err.hide()
            cell = QWidget()
            box = QVBoxLayout(cell)
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(1)
            box.addWidget(editor)
            box.addWidget(err)
            label = QLabel(tr(spec.label) + (" *" if spec.required else ""))
            label.setBuddy(editor)
            form.addRow(label, cell)
            self.editors[name] = editor
            self.errors[name] = err
        self.overlaps = QLabel()
        self.overlaps.setObjectName("overlaps")
        self.overlaps.setStyleSheet(WARN_STYLE)
        self.overlaps.setWordWrap(True)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.save_button = QPushButton(tr("Сохранить"))
        self.save_button.setObjectName("save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.submit)
        cancel = QPushButton(tr("Отмена"))
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel(tr("Enter — сохранить, Esc — отмена")))
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(form, 1)
        layout.addWidget(self.overlaps)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.busy = False
        self.set_values({**(initial or {}), **(row or {})})
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(150)
        self._check_timer.timeout.connect(self.check)
        for w in self.editors.values():
            signal = getattr(w, "editTextChanged", None) or getattr(w, "textChanged", None) \
                or getattr(w, "currentIndexChanged", None) or getattr(w, "valueChanged", None)
            if signal is not None:
                signal.connect(lambda *_a: self._check_timer.start())
        self.editors["position_code"].setFocus(Qt.FocusReason.OtherFocusReason)
        self.check()

    # -- values --------------------------------------------------------------------------------
    def set_values(self, row: dict[str, Any]) -> None:
        for name, w in self.editors.items():
            value = row.get(name)
            if isinstance(w, PositionCombo | EnumCombo):
                w.set_value(None if value is None else str(value))
            elif isinstance(w, QDoubleSpinBox):
                try:
                    w.setValue(float(value)) if value not in (None, "") else None
                except (TypeError, ValueError):
                    pass
            elif isinstance(w, QComboBox):
                w.setEditText(str(value or ""))
            elif isinstance(w, QLineEdit):
                w.setText(editable(EMPLOYMENT.field(name), value))

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, w in self.editors.items():
            if isinstance(w, PositionCombo | EnumCombo):
                text = w.value()
            elif isinstance(w, QDoubleSpinBox):
                text = f"{w.value():g}"
            elif isinstance(w, QComboBox):
                text = w.currentText()
            elif isinstance(w, QLineEdit):
                text = w.text()
            else:
                text = ""
            out[name] = text.strip() or None
        return out

    # -- checks --------------------------------------------------------------------------------
    def check(self) -> dict[str, str]:
        """The core's validation of what is typed (pure Python, no vault): errors of the fields
        already filled, and the overlaps with the person's other cards."""
        values = self.values()
        # The organization fields are filled on save: their "required" is not the clerk's to fix.
        res = validate("employment", values, nsi=self.nsi, siblings=self.siblings, row_id=self.row_id)
        shown = {k: v for k, v in res.errors.items() if k in self.editors and values.get(k) is not None}
        self._show(shown)
        self.overlaps.setText("\n".join(res.warnings))
        return res.errors

    def _show(self, errors: dict[str, str]) -> None:
        for name, label in self.errors.items():
            msg = errors.get(name)
            label.setText(msg or "")
            label.setVisible(bool(msg))
            self.editors[name].setStyleSheet(INVALID_STYLE if msg else "")

    def submit(self) -> None:
        if self.busy:
            return
        self.busy = True
        self.save_button.setEnabled(False)
        self.status.setStyleSheet("")
        self.status.setText(tr("Сохранение…"))
        self._save(self.values(), self._saved, self._failed)

    def _saved(self, _card_id: Any) -> None:
        self.busy = False
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.save_button.setEnabled(True)
        self.status.setStyleSheet(ERROR_STYLE)
        if isinstance(exc, ValidationFailed):
            self._show(exc.errors)
            rest = [m for k, m in exc.errors.items() if k not in self.editors]
            self.status.setText("\n".join([tr("Карточка не сохранена: исправьте отмеченные поля."), *rest]))
            for name in FIELDS:
                if name in exc.errors:
                    self.editors[name].setFocus(Qt.FocusReason.OtherFocusReason)
                    break
        else:
            self.status.setText(describe_error(exc))

    def keyPressEvent(self, event: Any) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.busy:
            focus = self.focusWidget()
            popup = focus.completer().popup() if isinstance(focus, QLineEdit) and focus.completer() else None
            if popup is None or not popup.isVisible():
                self.submit()
                return
        super().keyPressEvent(event)


class CloseDialog(QDialog):
    """«Увольнение» (end date and reason) or «Перевод» (also the new position and subdivision)."""

    def __init__(self, title: str, *, transfer: bool, nsi: NsiRegistry, positions: list[str],
                 subdivisions: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("close_dialog")
        self.setWindowTitle(title)
        self.setModal(True)
        form = QFormLayout()
        self.end_date = QLineEdit()
        self.end_date.setObjectName("field_end_date")
        self.end_date.setPlaceholderText(tr("дд.мм.гггг"))
        form.addRow(tr("Дата окончания") + " *", self.end_date)
        self.reason = QComboBox()
        self.reason.setObjectName("field_end_reason")
        self.reason.setEditable(True)
        self.reason.addItems([*END_REASONS])
        if transfer:
            self.reason.setCurrentText("Перевод на другую должность")
        form.addRow(tr("Причина увольнения") + " *", self.reason)
        self.position: PositionCombo | None = None
        self.subdivision: QLineEdit | None = None
        if transfer:
            self.position = PositionCombo(nsi, positions)
            self.position.setObjectName("field_position_code")
            form.addRow(tr("Новая должность"), self.position)
            self.subdivision = QLineEdit()
            self.subdivision.setObjectName("field_subdivision")
            self.subdivision.setCompleter(QCompleter(subdivisions, self.subdivision))
            form.addRow(tr("Новое подразделение"), self.subdivision)
        self.status = QLabel()
        self.status.setStyleSheet(ERROR_STYLE)
        self.status.setWordWrap(True)
        ok = QPushButton(tr("Сохранить"))
        ok.setObjectName("save")
        ok.setDefault(True)
        ok.clicked.connect(self.accept)
        cancel = QPushButton(tr("Отмена"))
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(ok)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.end_date.setFocus()

    def new_values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.position is not None and self.position.value():
            out["position_code"] = self.position.value()
        if self.subdivision is not None and self.subdivision.text().strip():
            out["subdivision"] = self.subdivision.text().strip()
        return out
