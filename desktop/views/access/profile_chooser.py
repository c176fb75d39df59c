"""Which person is at the workstation: one profile (and vault) per user on a shared PC."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import tr
from desktop.vault.profiles import Profile


class ProfileChooser(QWidget):
    chosen = Signal(object)  # Profile
    create_requested = Signal()

    def __init__(self, profiles: list[Profile], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        card = QFrame()
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setMaximumWidth(560)
        title = QLabel(tr("Выберите профиль"))
        title.setStyleSheet("font-size: 18px; font-weight: bold;")
        explain = QLabel(tr("У каждого сотрудника на этом компьютере свой профиль и своё зашифрованное хранилище."))
        explain.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("profiles")
        self.list.setAccessibleName(tr("Профили на этом компьютере"))
        for p in profiles:
            label = tr(p.name) + ("" if p.has_vault else "  " + tr("(хранилище не создано)"))
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, p)
            self.list.addItem(item)
        if profiles:
            self.list.setCurrentRow(0)
        self.list.itemActivated.connect(lambda item: self.chosen.emit(item.data(Qt.ItemDataRole.UserRole)))
        self.open_button = QPushButton(tr("Открыть"))
        self.open_button.setDefault(True)
        self.open_button.setEnabled(bool(profiles))
        self.open_button.clicked.connect(self._open)
        self.create_button = QPushButton(tr("Создать новый профиль"))
        self.create_button.setObjectName("create_profile")
        self.create_button.clicked.connect(self.create_requested.emit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.create_button)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        box = QVBoxLayout(card)
        box.addWidget(title)
        box.addWidget(explain)
        box.addWidget(self.list)
        box.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.setFocusProxy(self.list)

    def _open(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.chosen.emit(item.data(Qt.ItemDataRole.UserRole))
