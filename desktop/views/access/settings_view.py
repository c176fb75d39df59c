"""«Настройки»: auto-lock, language, НМО cycle rule, reminder steps, change of passphrase,
and «Проверить хранилище».

Settings hold no personal data and live beside the vault in ``settings.json``. Changing the
passphrase runs two Argon2id derivations, so it goes to the thread pool. The vault check reads
every page of the open database, so it runs where all DB work runs (the DB worker); this view
only starts it and shows its result.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import LANGUAGES, tr
from desktop.vault.errors import WrongPassphrase
from desktop.vault.profiles import save_settings
from desktop.views.runtime.errors import explain
from desktop.views.runtime.ops import Op
from desktop.views.widgets import theme
from desktop.views.widgets.passphrase_input import PassphraseInput

if TYPE_CHECKING:
    from desktop.vault.integrity import VaultCheck

#: changes the passphrase: (old, new) -> None; raises VaultError on a wrong old one
Changer = Callable[[str, str], None]
#: starts the whole vault check in the background: (on_done(VaultCheck), on_error(exc)) -> Any
Checker = Callable[[Callable[["VaultCheck"], None], Callable[[BaseException], None]], Any]


class SettingsView(QWidget):
    settings_changed = Signal(dict)

    def __init__(self, folder: Path, settings: dict[str, Any], change_passphrase: Changer,
                 parent: QWidget | None = None, check_vault: Checker | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        self.settings = settings
        self._change = change_passphrase
        self._check = check_vault

        general = QGroupBox(tr("Общие"))
        form = QFormLayout(general)
        self.auto_lock = QSpinBox()
        self.auto_lock.setObjectName("auto_lock_minutes")
        self.auto_lock.setRange(1, 240)
        self.auto_lock.setSuffix(" " + tr("мин"))
        self.auto_lock.setValue(int(settings.get("auto_lock_minutes", 15)))
        form.addRow(tr("Блокировать после бездействия:"), self.auto_lock)
        self.language = QComboBox()
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(settings.get("language", "ru"))))
        form.addRow(tr("Язык интерфейса:"), self.language)
        self.reminders = QLineEdit(", ".join(str(x) for x in settings.get("reminder_days", [90, 30, 7])))
        form.addRow(tr("Напоминать об истечении за (дней):"), self.reminders)
        self.tray_icon = QCheckBox(tr("Значок в области уведомлений (сообщения о новых уведомлениях)"))
        self.tray_icon.setObjectName("tray_icon")
        self.tray_icon.setChecked(bool(settings.get("tray_icon", True)))
        form.addRow("", self.tray_icon)

        nmo = QGroupBox(tr("Правило НМО для периодической аккредитации (за 5 лет)"))
        nform = QFormLayout(nmo)
        self.nmo_total = self._spin(settings.get("nmo_cycle_total", 144))
        self.nmo_program = self._spin(settings.get("nmo_cycle_program", 74))
        self.nmo_other = self._spin(settings.get("nmo_cycle_other", 70))
        nform.addRow(tr("Всего ЗЕТ:"), self.nmo_total)
        nform.addRow(tr("Из них программы повышения квалификации:"), self.nmo_program)
        nform.addRow(tr("Из них модули и мероприятия:"), self.nmo_other)

        signing = QGroupBox(tr("Электронная подпись"))
        sigform = QFormLayout(signing)
        self.tsa_url = QLineEdit(str(settings.get("tsa_url") or ""))
        self.tsa_url.setObjectName("tsa_url")
        self.tsa_url.setPlaceholderText(tr("не используется"))
        sigform.addRow(tr("Служба штампов времени (TSA), адрес:"), self.tsa_url)
        self.trust_roots = QLineEdit(str(settings.get("trust_roots_file") or ""))
        self.trust_roots.setObjectName("trust_roots_file")
        self.trust_roots.setPlaceholderText(tr("файл PEM или DER; пусто — издатель не проверяется"))
        sigform.addRow(tr("Доверенные корневые сертификаты:"), self.trust_roots)

        self.save_button = QPushButton(tr("Сохранить настройки"))
        self.save_button.clicked.connect(self.save)
        self.saved_label = QLabel()

        secret = QGroupBox(tr("Смена парольной фразы"))
        sform = QVBoxLayout(secret)
        self.old = QLineEdit()
        self.old.setObjectName("old_passphrase")
        self.old.setEchoMode(QLineEdit.EchoMode.Password)
        self.new = PassphraseInput()
        row = QFormLayout()
        row.addRow(tr("Текущая фраза:"), self.old)
        sform.addLayout(row)
        sform.addWidget(self.new)
        self.change_button = QPushButton(tr("Сменить парольную фразу"))
        self.change_button.clicked.connect(self.change_passphrase)
        self.change_label = QLabel()
        self.change_label.setWordWrap(True)
        sform.addWidget(self.change_button)
        sform.addWidget(self.change_label)

        check = QGroupBox(tr("Проверка хранилища"))
        cform = QVBoxLayout(check)
        about = QLabel(tr("Проверяет каждую страницу зашифрованного файла хранилища, его структуру "
                          "и журнал изменений. Запускайте, если программа сообщает об ошибках чтения, "
                          "и перед тем как сделать резервную копию."))
        about.setWordWrap(True)
        cform.addWidget(about)
        self.check_button = QPushButton(tr("Проверить хранилище"))
        self.check_button.setObjectName("check_vault")
        self.check_button.setMaximumWidth(260)
        self.check_button.clicked.connect(self.check_vault)
        self.check_button.setEnabled(check_vault is not None)
        self.check_label = QLabel()
        self.check_label.setObjectName("check_vault_result")
        self.check_label.setWordWrap(True)
        self.check_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        cform.addWidget(self.check_button)
        cform.addWidget(self.check_label)

        self.setMaximumWidth(760)
        self.save_button.setMaximumWidth(260)
        self.change_button.setMaximumWidth(260)
        # In a scroll area: the groups stand taller than a 1440×900 screen at 150 % leaves.
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addWidget(general)
        layout.addWidget(nmo)
        layout.addWidget(signing)
        layout.addWidget(self.save_button)
        layout.addWidget(self.saved_label)
        layout.addWidget(secret)
        layout.addWidget(check)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("settings_scroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    @staticmethod
    def _spin(value: Any) -> QSpinBox:
        s = QSpinBox()
        s.setRange(0, 1000)
        s.setValue(int(value))
        return s

    def save(self) -> None:
        try:
            days = sorted({int(x) for x in self.reminders.text().replace(";", ",").split(",") if x.strip()},
                          reverse=True)
            if not days or any(d <= 0 or d > 366 for d in days):
                raise ValueError
        except ValueError:
            self.saved_label.setText(tr("Сроки напоминаний: целые числа дней от 1 до 366 через запятую"))
            self.saved_label.setStyleSheet(theme.text_style("error"))
            return
        tsa = self.tsa_url.text().strip()
        if tsa and not tsa.lower().startswith(("http://", "https://")):
            self.saved_label.setText(tr("Адрес службы штампов времени должен начинаться с http:// или https://"))
            self.saved_label.setStyleSheet(theme.text_style("error"))
            return
        roots = self.trust_roots.text().strip()
        if roots and not Path(roots).is_file():
            self.saved_label.setText(tr("Файл доверенных корневых сертификатов не найден: {path}").format(path=roots))
            self.saved_label.setStyleSheet(theme.text_style("error"))
            return
        new = {**self.settings,
               "tsa_url": tsa,
               "trust_roots_file": roots,
               "auto_lock_minutes": self.auto_lock.value(),
               "language": self.language.currentData(),
               "tray_icon": self.tray_icon.isChecked(),
               "reminder_days": days,
               "nmo_cycle_total": self.nmo_total.value(),
               "nmo_cycle_program": self.nmo_program.value(),
               "nmo_cycle_other": self.nmo_other.value()}
        try:
            save_settings(self.folder, new)
        except OSError as exc:
            self.saved_label.setText(tr("Не удалось сохранить настройки: {err}").format(err=type(exc).__name__))
            return
        self.settings.clear()
        self.settings.update(new)
        self.saved_label.setStyleSheet("")
        self.saved_label.setText(tr("Настройки сохранены."))
        # A new language rebuilds the record, this view included; the new one says it is saved.
        self.settings_changed.emit(dict(new))

    def change_passphrase(self) -> None:
        old, new = self.old.text(), self.new.value()
        if not old:
            self.change_label.setText(tr("Введите текущую парольную фразу"))
            return
        if new is None:
            self.change_label.setText(tr("Новая фраза недостаточно надёжна или повторена неверно"))
            return
        self.change_button.setEnabled(False)
        self.change_label.setText(tr("Смена фразы…"))
        change = self._change
        Op(self, lambda: change(old, new), pool=True).success(self._changed).failure(self._change_failed).run()

    def _changed(self, _r: object) -> None:
        self.change_button.setEnabled(True)
        self.old.clear()
        self.new.clear()
        self.change_label.setText(tr("Парольная фраза изменена. Ключ восстановления остаётся прежним."))

    def _change_failed(self, exc: BaseException) -> None:
        self.change_button.setEnabled(True)
        if isinstance(exc, WrongPassphrase):
            self.change_label.setText(tr("Текущая фраза неверна — фраза не изменена."))
        else:
            self.change_label.setText(explain(exc).sentences())

    # -- the vault check ---------------------------------------------------------------------
    def check_vault(self) -> None:
        if self._check is None or not self.check_button.isEnabled():
            return
        self.check_button.setEnabled(False)
        self.check_label.setStyleSheet("")
        self.check_label.setText(tr("Проверка хранилища… Это может занять до минуты."))
        self._check(self._checked, self._check_failed)

    def _checked(self, result: VaultCheck) -> None:
        if not shiboken6.isValid(self):
            return  # the record was locked or rebuilt while the check ran
        self.check_button.setEnabled(True)
        if result.ok:
            self.check_label.setStyleSheet(theme.text_style("ok"))
            self.check_label.setText(
                tr("Хранилище в порядке: все страницы файла ({pages}) подлинны, структура базы цела, "
                   "журнал изменений не нарушен (записей: {entries}).").format(
                    pages=result.file.pages, entries=result.journal_entries))
            return
        self.check_label.setStyleSheet(theme.text_style("error"))
        # The findings come from the Qt-free core in Russian; they name pages and tables.
        lines = [tr("Хранилище повреждено:"), *(f"• {p}" for p in result.problems), "",
                 tr("Что делать: заблокируйте профиль и восстановите его из резервной копии («Файл → "
                    "Восстановить…»; если парольная фраза с тех пор менялась, откройте копию ключом "
                    "восстановления). Если копии нет, создайте профиль заново и загрузите записи с сервера "
                    "ФРМР при синхронизации. Не вносите изменений, пока хранилище повреждено.")]
        self.check_label.setText("\n".join(lines))

    def _check_failed(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self.check_button.setEnabled(True)
        self.check_label.setStyleSheet(theme.text_style("error"))
        reason = explain(exc).sentences()
        self.check_label.setText(tr("Проверить хранилище не удалось: {reason}").format(reason=reason))
