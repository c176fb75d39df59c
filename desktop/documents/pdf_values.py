"""Record values as a generated document prints them, and the canonical rows its content hash
covers. Values are formatted by ``desktop.models.formatting`` (the GUI's and the CLI's formatter
too), always in Russian and with the НСИ registry of the vault the record comes from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from desktop.i18n import tr
from desktop.models import schema
from desktop.models.checkdigits import format_snils
from desktop.models.formatting import display_field
from desktop.models.formatting import fmt_decimal as fmt_decimal  # re-exported: pdf.py lists it
from desktop.models.nsi import NsiRegistry

Snapshot = Mapping[str, Sequence[Mapping[str, Any]]]


class DocumentError(ValueError):
    """The record lacks what the document needs; the message is for the user."""


def display(entity: str, name: str, value: Any, nsi: NsiRegistry) -> str:
    """A canonical value as the document prints it (Russian whatever the interface language)."""
    return display_field(entity, name, value, nsi, lang="ru")


def canonical_row(entity: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """Only the canonical fields, so the content hash does not move with sync bookkeeping."""
    spec = schema.entity(entity)
    return {n: row.get(n) for n in spec.names if row.get(n) not in (None, "")}


def person_of(snapshot: Snapshot) -> Mapping[str, Any]:
    rows = snapshot.get("person") or []
    if not rows:
        raise DocumentError(tr("В записи нет персональных данных: заполните раздел «Персональные данные»."))
    return rows[0]


def snils_of(person: Mapping[str, Any]) -> str:
    return format_snils(str(person.get("snils") or "")) if person.get("snils") else ""


def full_name(person: Mapping[str, Any]) -> str:
    return " ".join(str(person.get(k) or "").strip() for k in ("last_name", "first_name", "patronymic")).strip()
