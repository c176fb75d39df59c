"""Unexpected errors: a crash log for the developers and a short Russian text for the person.

The log holds only the exception's type and the code locations (file:line, function) of its
traceback — never the message, arguments or locals, which can carry personal data (a name in
a ValueError, a СНИЛС in a KeyError). It lives in the user's log folder, apart from every
profile, so a crash report can be sent without opening anyone's vault.

Qt-free: the dialog shown for an uncaught exception is ``desktop.views.runtime.crash``.
"""

from __future__ import annotations

import datetime as dt
import os
import traceback
from pathlib import Path
from types import TracebackType

import platformdirs

from desktop.i18n import tr
from desktop.paths import APP_NAME


def log_dir() -> Path:
    override = os.environ.get("FRMR_LOG_DIR")
    return Path(override) if override else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def disable_core_dumps() -> None:
    """A core dump of an unlocked app would hold the data key and the record in clear."""
    try:
        import resource
    except ImportError:  # Windows: no core dumps to speak of
        return
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        pass


def scrubbed_report(exc_type: type[BaseException], tb: TracebackType | None) -> str:
    lines = [f"time: {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}",
             f"exception: {exc_type.__module__}.{exc_type.__qualname__}", "frames:"]
    for frame in traceback.extract_tb(tb):
        lines.append(f"  {Path(frame.filename).name}:{frame.lineno} in {frame.name}")
    return "\n".join(lines) + "\n"


def write_crash_log(exc_type: type[BaseException], tb: TracebackType | None) -> Path | None:
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"crash-{dt.datetime.now().strftime('%Y%m%d-%H%M%S-%f')}.log"
        path.write_text(scrubbed_report(exc_type, tb), encoding="utf-8")
        return path
    except OSError:
        return None


def describe_unexpected(exc: BaseException) -> str:
    """For errors that reach a view through a worker: log it, tell the person briefly."""
    path = write_crash_log(type(exc), exc.__traceback__)
    text = tr("Внутренняя ошибка программы ({kind}). Изменения не сохранены.").format(kind=type(exc).__name__)
    if path is not None:
        text += " " + tr("Отчёт без персональных данных: {path}").format(path=str(path))
    return text
