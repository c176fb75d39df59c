"""A new passphrase typed twice, with its strength shown as the person types (the one policy of
``desktop/vault/passphrase.py``, which ``frmr init``/``passwd``/``recover`` apply too)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QProgressBar, QWidget

from desktop.i18n import tr
from desktop.vault.passphrase import strength
from desktop.views.runtime.ops import Op


def _load_estimator() -> None:
    import zxcvbn  # noqa: F401


_BAR_COLORS = ("#c62828", "#c62828", "#ef6c00", "#2e7d32", "#1b5e20")


class PassphraseInput(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None, user_inputs: Sequence[str] = ()) -> None:
        super().__init__(parent)
        #: the person's own name, birth date, profile name: guessed first, so they count for little
        self.user_inputs: list[str] = list(user_inputs)
        self.first = QLineEdit()
        self.first.setObjectName("new_passphrase")
        self.first.setEchoMode(QLineEdit.EchoMode.Password)
        self.second = QLineEdit()
        self.second.setObjectName("repeat_passphrase")
        self.second.setEchoMode(QLineEdit.EchoMode.Password)
        self.bar = QProgressBar()
        self.bar.setRange(0, 4)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(10)
        self.label = QLabel()
        self.label.setObjectName("strength")
        self.label.setWordWrap(True)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(tr("Парольная фраза:"), self.first)
        form.addRow(tr("Надёжность:"), self.bar)
        form.addRow("", self.label)
        form.addRow(tr("Повторите фразу:"), self.second)
        self._estimator_asked = False
        self.first.textChanged.connect(self._update)
        self.second.textChanged.connect(self._update)
        self._update()

    def set_user_inputs(self, user_inputs: Sequence[str]) -> None:
        self.user_inputs = list(user_inputs)
        self._update()

    def _update(self) -> None:
        if self.first.text() and not self._estimator_asked:
            # zxcvbn's word lists take about 0.2 s to load: in the pool from the first character
            # typed, not on the GUI thread at the twelfth, nor at every start of the app (the
            # unlock screen builds its recovery page, and this field, up front).
            self._estimator_asked = True
            Op(self, _load_estimator, pool=True).run()
        s = strength(self.first.text(), self.user_inputs)
        self.bar.setValue(s.score)
        self.bar.setStyleSheet(f"QProgressBar::chunk {{ background: {_BAR_COLORS[s.score]}; }}")
        text = s.label + (f" — {s.advice}" if s.advice and s.label else s.advice)
        if s.acceptable and self.second.text() and self.second.text() != self.first.text():
            text += " — " + tr("фразы не совпадают")
        self.label.setText(text)
        self.changed.emit()

    def value(self) -> str | None:
        """The passphrase when strong enough and typed the same twice, else None."""
        p = self.first.text()
        if strength(p, self.user_inputs).acceptable and p == self.second.text():
            return p
        return None

    def clear(self) -> None:
        self.first.clear()
        self.second.clear()
