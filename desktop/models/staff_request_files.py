"""Files attached to a request from the organization (issue 13), Qt-free.

A request row's ``attachments`` is the SHA-256s of its files, comma-separated (the order the
clerk attached them). The bytes are a vault blob, uploaded before the row at the next sync
(desktop/sync/push.py); the server lets the addressed worker and the organization's clerks read
them and nobody else (server/policy.py ``may_read_blob``). A file is accepted by the rules of the
doctor's uploads: PDF, JPG or PNG recognised by its bytes, at most 5 MB, not empty.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from desktop.i18n import tr
from desktop.models.validation import ValidationFailed
from desktop.models.workflows.confirm_rules import FILE_KINDS, MAX_FILE_BYTES, file_errors, sniff

__all__ = ["MAX_FILES", "MAX_FILE_BYTES", "MIMES", "checked_file", "format_errors", "join", "read_files", "split"]

#: the MIME types a file may have (recognised by its bytes on upload, server/api/blobs.py)
MIMES = frozenset(mime for mime, _name in FILE_KINDS.values())
#: at most this many files on one request (the field holds 1000 characters: 15 × 65)
MAX_FILES = 5
_SHA = re.compile(r"^[0-9a-f]{64}$")


def split(value: object) -> list[str]:
    """The SHA-256s of a stored ``attachments`` value ([] for none)."""
    return [s for s in (p.strip().lower() for p in str(value or "").split(",")) if s]


def join(shas: Iterable[str]) -> str | None:
    out = list(dict.fromkeys(s.lower() for s in shas))
    return ",".join(out) or None


def format_errors(value: object) -> list[str]:
    """What is wrong with an ``attachments`` value as it travels (the server checks it too)."""
    shas = split(value)
    if len(shas) > MAX_FILES:
        return [f"«Вложения»: не больше {MAX_FILES} файлов"]
    bad = [s for s in shas if not _SHA.match(s)]
    return [f"«Вложения»: «{bad[0][:20]}» — не SHA-256 файла"] if bad else []


def read_files(paths: Iterable[str | Path]) -> list[tuple[str, bytes]]:
    """(name, bytes) of each file, for ``send_requests``; a file over 5 MB is refused before it is
    read whole, an unreadable one with the reason (``ValidationFailed``). Disk I/O: not on the GUI thread."""
    out: list[tuple[str, bytes]] = []
    for raw in paths:
        path = Path(raw)
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise ValidationFailed({"attachments": tr("Файл «{name}» больше 5 МБ").format(name=path.name)})
            out.append((path.name, path.read_bytes()))
        except OSError as exc:
            raise ValidationFailed({"attachments": tr(
                "Файл «{name}» не прочитан: {value}").format(
                name=path.name, value=exc.strerror or exc)}) from None
    return out


def checked_file(name: str, data: bytes) -> tuple[str, str]:
    """(sha256, MIME) of a file fit to attach; ``ValueError`` with the Russian reason otherwise."""
    errors = file_errors(name, data)
    if errors:
        raise ValueError(errors[0])
    kind = sniff(data)
    assert kind is not None  # file_errors refuses what sniff does not recognise
    return hashlib.sha256(data).hexdigest(), FILE_KINDS[kind][0]
