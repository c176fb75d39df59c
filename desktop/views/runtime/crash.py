"""The last resort for an exception nobody caught: write the scrubbed crash log
(``desktop.diagnostics.crash``) and tell the person in a dialog, or on stderr before a window exists."""

from __future__ import annotations

import sys
from types import TracebackType

from desktop.diagnostics.crash import write_crash_log
from desktop.i18n import tr


def install_excepthook() -> None:
    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        path = write_crash_log(exc_type, tb)
        try:
            # Qt is imported here, not at the top: app.py installs the hook before Qt is loaded.
            from PySide6.QtWidgets import QApplication, QMessageBox

            if QApplication.instance() is not None:
                text = tr("Произошла внутренняя ошибка программы. Сохранённые данные не пострадали.")
                if path is not None:
                    text += "\n\n" + tr("Отчёт без персональных данных записан в файл:") + f"\n{path}"
                QMessageBox.critical(None, tr("Ошибка"), text)
                return
        except Exception:
            pass
        sys.stderr.write(f"{exc_type.__name__} — crash log: {path}\n")

    sys.excepthook = hook
