"""The automatic checks of an employment confirmation (docs/domain.md), one module for both sides.

The desktop runs them before anything is queued (a failed check sends nothing) and the server
runs them again when the request arrives and when the clerk decides (server/api/workflows.py):
the same words either way, so what the person was told offline is what the clerk sees.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from desktop.models.validation import fmt_date

MAX_DOC_AGE_DAYS = 90
MAX_FILE_BYTES = 5 * 1024 * 1024

#: the document kinds a card is confirmed by
DOC_KINDS = {"contract": "трудовой договор", "order": "приказ о приёме", "ndfl": "справка 2-НДФЛ"}

#: file kind -> (MIME, Russian name); recognised by the bytes, never by the file's name
FILE_KINDS = {"pdf": ("application/pdf", "PDF"), "jpeg": ("image/jpeg", "JPG"), "png": ("image/png", "PNG")}


def _norm_org(name: str) -> str:
    """Organization names match regardless of quotes, case, spaces and «№»."""
    return re.sub(r"[\s«»\"'“”„№.,\-]", "", name or "").casefold().replace("ё", "е")


def sniff(data: bytes) -> str | None:
    """The file kind by its leading bytes ("pdf", "jpeg", "png") or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    return None


def file_errors(name: str, data: bytes) -> list[str]:
    """Why this file cannot serve as the document (empty, too large, not PDF/JPG/PNG, a name that
    says another kind than the bytes); empty = acceptable."""
    if not data:
        return [f"Файл «{name}» пуст"]
    if len(data) > MAX_FILE_BYTES:
        return [f"Файл «{name}» больше 5 МБ ({len(data) / 1024 / 1024:.1f} МБ)"]
    kind = sniff(data)
    if kind is None:
        return [f"Файл «{name}» — не PDF, JPG или PNG (определено по содержимому)"]
    ext = name.rsplit(".", 1)[-1].casefold() if "." in name else ""
    said = {"pdf": "pdf", "jpg": "jpeg", "jpeg": "jpeg", "png": "png"}.get(ext)
    if ext and said != kind:
        return [f"Файл «{name}» по содержимому {FILE_KINDS[kind][1]}, а не {ext.upper()}"]
    return []


def confirmation_errors(card: Mapping[str, Any], doc_org_inn: str, doc_org_name: str, doc_begin_date: str,
                        doc_date: str, today: dt.date) -> list[str]:
    """Each failed check of docs/domain.md, named, in Russian; empty = the document confirms the card."""
    errors = []
    if doc_org_inn != card.get("org_inn"):
        errors.append(f"ИНН организации в документе ({doc_org_inn}) не совпадает с карточкой ({card.get('org_inn')})")
    if _norm_org(doc_org_name) != _norm_org(str(card.get("org_name") or "")):
        errors.append(f"Наименование организации в документе («{doc_org_name}») не совпадает с карточкой "
                      f"(«{card.get('org_name')}»)")
    if doc_begin_date != card.get("begin_date"):
        errors.append(f"Дата начала работы в документе ({fmt_date(doc_begin_date)}) не совпадает с карточкой "
                      f"({fmt_date(str(card.get('begin_date') or ''))})")
    try:
        d = dt.date.fromisoformat(doc_date)
    except ValueError:
        errors.append("Дата документа указана неверно")
    else:
        if d > today:
            errors.append("Дата документа в будущем")
        elif (today - d).days > MAX_DOC_AGE_DAYS:
            errors.append(f"Документ старше {MAX_DOC_AGE_DAYS} дней (от {fmt_date(doc_date)})")
    return errors
