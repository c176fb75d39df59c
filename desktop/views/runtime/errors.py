"""The ONE place where an exception becomes the Russian text a person reads.

Every failure of an operation (``desktop.views.runtime.ops``) reaches the GUI thread as an
exception; views ask ``explain(exc)`` (text and hint apart, for a view that shows them apart)
or ``describe_error(exc)`` (one line) instead of writing their own ``isinstance`` ladders. A
failure nobody expected (a bug) is logged without personal data and named as such.

Qt-free: the functions under ``desktop.views`` that run in worker threads raise ``UserError``
and ``OpCancelled`` from here without importing Qt.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from desktop.diagnostics.crash import describe_unexpected
from desktop.i18n import tr
from desktop.models.validation import ValidationFailed
from desktop.vault.errors import VaultError


class UserError(Exception):
    """A refusal whose ``str()`` is already the Russian message for the person."""


class OpCancelled(Exception):
    """The person cancelled the operation: nothing to show."""


@dataclass(frozen=True)
class Explained:
    text: str
    #: what to do about it (a vault error's hint); may be empty
    hint: str = ""
    #: False for a bug: the text says so and a crash log was written
    expected: bool = True

    def full(self) -> str:
        return f"{self.text} {self.hint}".strip()

    def sentences(self) -> str:
        """Text and hint as two sentences («Хранилище заблокировано. Откройте…»), for a label."""
        return f"{self.text.rstrip('.')}. {self.hint}" if self.hint else self.text


def _loaded_errors(module: str, *names: str) -> tuple[type[BaseException], ...]:
    # Only modules already imported: an exception of a module nobody imported cannot exist,
    # and importing the PDF stack (about a second) just to look at an error would stall the GUI.
    mod = sys.modules.get(module)
    return tuple(getattr(mod, n) for n in names if mod is not None and hasattr(mod, n))


def _own_text() -> tuple[type[BaseException], ...]:
    """Exceptions whose ``str()`` is written in Russian for the person by the code that raises."""
    return (UserError,
            *_loaded_errors("desktop.documents.signing", "SignatureError"),
            *_loaded_errors("desktop.documents.pdf_values", "DocumentError"),
            *_loaded_errors("desktop.documents.fonts", "FontMissingError"),
            *_loaded_errors("desktop.documents.gost", "GostError"),
            *_loaded_errors("desktop.views.widgets.pdf_preview", "PreviewError"),
            *_loaded_errors("desktop.sync.api", "SyncError"),
            *_loaded_errors("desktop.sync.decisions", "DecisionError"),
            *_loaded_errors("desktop.models.nsi", "NsiImportError"))


def explain(exc: BaseException) -> Explained:
    if isinstance(exc, OpCancelled):
        return Explained(tr("Операция отменена."))
    if isinstance(exc, ValidationFailed):
        return Explained("\n".join(exc.errors.values()))
    if isinstance(exc, VaultError):
        return Explained(str(exc), exc.hint)
    if isinstance(exc, _own_text()):
        return Explained(str(exc))
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return Explained(tr("Ошибка файла{where}: {reason}").format(where=where, reason=exc.strerror or str(exc)))
    return Explained(describe_unexpected(exc), expected=False)


def describe_error(exc: BaseException) -> str:
    """One line (or a few, for several invalid fields) for a status label or a message box."""
    return explain(exc).full()


def is_expected(exc: BaseException) -> bool:
    """A known refusal, not a bug (without writing a crash log for it)."""
    return isinstance(exc, (OpCancelled, ValidationFailed, VaultError, OSError, *_own_text()))
