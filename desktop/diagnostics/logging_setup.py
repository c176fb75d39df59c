"""The running log a person can send to support: rotating files in the platform's log folder
(``platformdirs.user_log_dir``, or ``FRMR_LOG_DIR``), beside the crash logs, apart from every
profile — and native crashes (a segfault in Qt or SQLCipher) traced there by ``faulthandler``.

Nothing personal may reach the file. Log calls are written by developers, but their arguments
and exception texts carry whatever the data held (a СНИЛС in a validation error, a name in a
conflict, a token in a URL). So every record passes ``PersonalDataFilter`` before any handler
sees it: digit runs (СНИЛС, ИНН, phone numbers, passport numbers), dates, e-mail addresses,
long tokens, URL queries, the home folder and capitalised Cyrillic words (names) are masked, and
an exception is logged as its type and code locations only — never its message or locals
(as ``desktop.diagnostics.crash`` writes crash logs).

Qt-free: the GUI and ``frmr`` both call ``start_logging``.
"""

from __future__ import annotations

import faulthandler
import logging
import re
import sys
from collections import deque
from pathlib import Path
from typing import IO, Any

from desktop.diagnostics.crash import log_dir

LOG_FILE = "frmr.log"
NATIVE_FILE = "native-crash.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_DIGITS = re.compile(r"\d")


def _mask_digits(match: re.Match[str]) -> str:
    text = match.group(0)
    return "<число>" if len(_DIGITS.findall(text)) >= 6 else text


_MASKS: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"(https?://[^\s?#'\"]+)[?#][^\s'\"]*"), r"\1?<…>"),
    (re.compile(r"(?i)\b(bearer|token|password|passphrase|secret|key)([\"']?\s*[:=]\s*[\"']?)[^\s,;\"']+"),
     r"\1\2<…>"),
    (re.compile(r"(?i)\b(bearer|basic)\s+\S+"), r"\1 <…>"),
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "<email>"),
    (re.compile(r"[A-Za-z0-9_+/=-]{24,}"), "<id>"),  # tokens, keys, uuids
    # Six digits or more, spaces, dashes, brackets and a plus in between (СНИЛС, ИНН, phones).
    (re.compile(r"\+?\d(?:[\d\s()\-]{4,}\d)"), _mask_digits),
    # dd.mm.yyyy, dd.mm.yy and ISO dates — not a version number such as 0.1.0 or 3.11.7.
    (re.compile(r"\b\d{1,2}[./]\d{1,2}[./](?:\d{4}|\d{2})\b|\b\d{4}-\d{1,2}-\d{1,2}\b"), "<дата>"),
    (re.compile(r"\b[А-ЯЁ][а-яёА-ЯЁ\-]+"), "<…>"),
]
def scrub(text: str) -> str:
    """``text`` with everything that could be personal data masked."""
    home = str(Path.home())
    if len(home) > 1:
        text = text.replace(home, "~")
    for pattern, repl in _MASKS:
        text = pattern.sub(repl, text)
    return text


class PersonalDataFilter(logging.Filter):
    """Rewrites a record in place: its message formatted and masked, its exception reduced to
    type and code locations. Installed on handlers, so every handler sees the same safe record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_frmr_scrubbed", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed format: keep what the developer wrote, without the args
            message = str(record.msg)
        record.msg, record.args = scrub(message), None
        if record.exc_info and record.exc_info[0] is not None:
            from desktop.diagnostics.crash import scrubbed_report

            exc_type, _exc, tb = record.exc_info
            record.exc_text = "\n".join(scrubbed_report(exc_type, tb).splitlines()[1:])
            record.exc_info = None
        record.stack_info = None
        record._frmr_scrubbed = True
        return True


class MemoryLog(logging.Handler):
    """The last ``capacity`` records of a logger, formatted and masked, for a view to show
    («Журнал синхронизации»); appending is all the logging thread does."""

    def __init__(self, capacity: int = 500) -> None:
        super().__init__()
        self._lines: deque[str] = deque(maxlen=capacity)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%d.%m.%Y %H:%M:%S"))
        self.addFilter(PersonalDataFilter())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._lines.append(self.format(record))
        except Exception:  # never let a journal line break a sync
            self.handleError(record)

    def lines(self) -> list[str]:
        return list(self._lines)

    def attach(self, logger: str) -> MemoryLog:
        log = logging.getLogger(logger)
        if log.getEffectiveLevel() > logging.INFO:
            log.setLevel(logging.INFO)
        log.addHandler(self)
        return self


_native: IO[Any] | None = None
_started: Path | None = None


def trace_native_crashes() -> bool:
    """``faulthandler`` into the log folder — first thing at start: a crash in Qt's or SQLCipher's
    C code before the window shows is the one nobody can report otherwise."""
    global _native
    if _native is not None:
        return True
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        _native = open(folder / NATIVE_FILE, "a", encoding="utf-8")  # faulthandler writes here for the process's life
    except OSError:
        return False
    faulthandler.enable(_native, all_threads=True)
    return True


def start_logging(program: str, level: int = logging.INFO) -> Path | None:
    """The rotating log and native-crash tracing; the folder, or None when it cannot be written
    (the app runs on without a file log: a broken log folder must never stop it)."""
    global _started
    if _started is not None:
        return _started
    import logging.handlers  # 30 ms of imports (socket, pickle…): the app runs this off its first screen

    root = logging.getLogger("frmr")
    root.setLevel(level)
    folder = log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            folder / LOG_FILE, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    except OSError as exc:
        sys.stderr.write(f"{program}: журнал не ведётся — папка {scrub(str(folder))} недоступна "
                         f"({type(exc).__name__})\n")
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(PersonalDataFilter())
    root.addHandler(handler)
    trace_native_crashes()
    _started = folder
    root.info("%s started (version %s, Python %s, %s)", program, app_version(), sys.version.split()[0],
              sys.platform)
    return folder


def app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("frmr-desktop")
    except PackageNotFoundError:  # a frozen bundle without metadata
        return "0+unknown"
