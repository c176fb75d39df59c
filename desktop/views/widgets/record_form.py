"""One generic form for any entity, built from its ``EntitySpec``: a widget per field chosen
by the field's kind, and an error line under every field that shows the core's message.

The form only collects raw text; parsing and checking stay in ``desktop.models.validation``
(run by the repository in the DB worker), so the GUI and the CLI accept exactly the same input.

What the role may do comes from the shared workflow rules (``desktop.models.workflow``): the
status editor offers only the statuses the role may give the row from its current status, and
fields only the registry fills are shown read-only and never sent. The repository checks the
same rules again before it writes.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import N_, tr
from desktop.models import workflow
from desktop.models.formatting import editable
from desktop.models.nsi import NsiRegistry
from desktop.models.schema import EntitySpec, FieldSpec
from desktop.views.widgets import theme
from desktop.views.widgets.date_input import DateInput

_PLACEHOLDERS = {
    "date": N_("дд.мм.гггг"),
    "snils": "XXX-XXX-XXX YY",
    "phone": "+7 916 123-45-67",
    "email": "name@example.ru",
}


class NsiCombo(QComboBox):
    """An editable combo over one НСИ dictionary: the person types part of a name or a code
    and picks from the matches; the canonical value is the code."""

    def __init__(self, nsi: NsiRegistry, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.addItem("", None)
        for code, name in nsi.get(key).entries.items():
            self.addItem(f"{name} ({code})", code)
        completer = QCompleter(self.model(), self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)
        line = self.lineEdit()
        if line is not None:
            line.setPlaceholderText(tr("начните вводить название или код"))

    def value(self) -> str:
        text = self.currentText().strip()
        if not text:
            return ""
        i = self.findText(text, Qt.MatchFlag.MatchFixedString)
        if i >= 0:
            return str(self.itemData(i) or "")
        return text  # a bare code, or something the core will reject with a clear message

    def set_value(self, code: str | None) -> None:
        i = self.findData(code) if code else 0
        if i >= 0:
            self.setCurrentIndex(i)
        else:
            self.setEditText(str(code))


class EnumCombo(QComboBox):
    def __init__(self, spec: FieldSpec, parent: QWidget | None = None, *,
                 allowed: frozenset[str] | None = None, blank: bool = True) -> None:
        """``allowed``: the only keys offered (None: every choice); ``blank``: offer "not set"."""
        super().__init__(parent)
        if blank:
            self.addItem("", None)
        for key, label in spec.choices.items():
            if allowed is None or key in allowed:
                self.addItem(tr(label), key)

    def keys(self) -> list[str]:
        """The values offered, in order ("not set" left out)."""
        return [str(self.itemData(i)) for i in range(self.count()) if self.itemData(i) is not None]

    def value(self) -> str:
        return str(self.currentData() or "")

    def set_value(self, key: str | None) -> None:
        i = self.findData(key) if key else 0
        self.setCurrentIndex(max(i, 0))


class RecordForm(QWidget):
    def __init__(self, spec: EntitySpec, nsi: NsiRegistry, parent: QWidget | None = None, *,
                 role: str = "doctor", current: dict[str, Any] | None = None) -> None:
        """``role``: the vault's (``RecordStore.role``); ``current``: the row being edited (None: a new one)."""
        super().__init__(parent)
        self.spec = spec
        self.role = role
        status = None if current is None else current.get("status")
        #: the statuses the role may give this row (None: no rule, every choice)
        self.allowed_statuses = workflow.allowed_statuses(spec.name, role, status)
        #: fields shown but neither editable nor sent
        self.readonly = workflow.readonly_fields(spec.name, role, spec.names, creating=current is None)
        self._status_now = status
        self.editors: dict[str, QWidget] = {}
        self.error_labels: dict[str, QLabel] = {}
        outer = QVBoxLayout(self)
        self.general_error = QLabel()
        self.general_error.setStyleSheet(theme.text_style("error"))
        self.general_error.setWordWrap(True)
        self.general_error.hide()
        outer.addWidget(self.general_error)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        outer.addLayout(form)
        for f in spec.fields:
            editor = self._make_editor(f, nsi)
            editor.setObjectName(f"field_{f.name}")
            if f.name in self.readonly:
                self._make_readonly(editor, f.name)
            error = QLabel()
            error.setObjectName(f"error_{f.name}")
            error.setStyleSheet(theme.text_style("error"))
            error.setWordWrap(True)
            error.hide()
            cell = QWidget()
            box = QVBoxLayout(cell)
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(2)
            box.addWidget(editor)
            box.addWidget(error)
            label = QLabel(tr(f.label) + (" *" if f.required else ""))
            label.setBuddy(editor)
            form.addRow(label, cell)
            self.editors[f.name] = editor
            self.error_labels[f.name] = error
        outer.addStretch(1)

    def _make_editor(self, f: FieldSpec, nsi: NsiRegistry) -> QWidget:
        if f.kind == "enum" and f.name == "status" and self.allowed_statuses is not None:
            # "not set" stays offered only where it is what the row has now
            return EnumCombo(f, allowed=self.allowed_statuses, blank=self._status_now is None)
        if f.kind == "enum":
            return EnumCombo(f)
        if f.kind == "nsi" and f.nsi:
            return NsiCombo(nsi, f.nsi)
        if f.kind == "text":
            edit = QPlainTextEdit()
            edit.setTabChangesFocus(True)  # Tab walks the form, as everywhere else
            edit.setFixedHeight(60)
            return edit
        if f.kind == "date":
            return DateInput()  # the __.__.____ mask and a calendar on F4
        line = QLineEdit()
        hint = _PLACEHOLDERS.get(f.kind) or _PLACEHOLDERS.get(f.check or "")
        if hint:
            line.setPlaceholderText(tr(hint))
        if f.kind != "text":
            line.setMaxLength(max(f.max_len, 20))
        return line

    def _make_readonly(self, editor: QWidget, name: str) -> None:
        if isinstance(editor, QLineEdit | QPlainTextEdit):
            editor.setReadOnly(True)
        else:
            editor.setEnabled(False)
        if name in workflow.REGISTRY_FIELDS.get(self.spec.name, frozenset()):
            editor.setToolTip(tr("Это поле заполняет оператор регистра"))
        else:
            editor.setToolTip(tr("Это поле заполняет организация"))

    # -- values ----------------------------------------------------------------------------
    def set_values(self, row: dict[str, Any]) -> None:
        for f in self.spec.fields:
            w = self.editors[f.name]
            value = row.get(f.name)
            if isinstance(w, EnumCombo | NsiCombo):
                w.set_value(None if value is None else str(value))
            elif isinstance(w, QPlainTextEdit):
                w.setPlainText(editable(f, value))
            elif isinstance(w, QLineEdit):
                w.setText(editable(f, value))

    def values(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for name, w in self.editors.items():
            if name in self.readonly:
                continue  # not the role's to send: the row keeps what the registry wrote
            if isinstance(w, EnumCombo | NsiCombo | DateInput):
                text = w.value()
            elif isinstance(w, QPlainTextEdit):
                text = w.toPlainText()
            elif isinstance(w, QLineEdit):
                text = w.text()
            else:
                text = ""
            out[name] = text if text.strip() else None
        return out

    # -- errors ----------------------------------------------------------------------------
    def clear_errors(self) -> None:
        self.general_error.hide()
        self.general_error.clear()
        for name, label in self.error_labels.items():
            label.clear()
            label.hide()
            self.editors[name].setStyleSheet("")

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each message beside its field; messages about no field go on top. Focus the first."""
        self.clear_errors()
        general = []
        first: QWidget | None = None
        for name, msg in errors.items():
            label = self.error_labels.get(name)
            if label is None:
                general.append(msg)
                continue
            label.setText(msg)
            label.show()
            self.editors[name].setStyleSheet(f"border: 1px solid {theme.text_color('error')}; border-radius: 2px;")
        for f in self.spec.fields:
            if f.name in errors:
                first = self.editors[f.name]
                break
        if general:
            self.general_error.setText("\n".join(general))
            self.general_error.show()
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    def first_editor(self) -> QWidget:
        return self.editors[self.spec.fields[0].name]
