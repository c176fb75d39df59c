"""Record values as a generated document prints them, and the canonical rows its content hash
covers: dates дд.мм.гггг, enum labels, НСИ names, decimal commas, the person's name and СНИЛС.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from desktop.models import nsi as nsi_mod
from desktop.models import schema
from desktop.models.checkdigits import format_snils
from desktop.models.validation import fmt_date

Snapshot = Mapping[str, Sequence[Mapping[str, Any]]]


class DocumentError(ValueError):
    """The record lacks what the document needs; the message is for the user."""


def display(entity: str, name: str, value: Any) -> str:
    """A canonical value as a person reads it: dates дд.мм.гггг, enum labels, НСИ names."""
    if value is None or value == "":
        return ""
    try:
        spec = schema.entity(entity).field(name)
    except KeyError:
        return str(value)
    if spec.kind == "date":
        return fmt_date(str(value))
    if spec.kind == "enum":
        return spec.choices.get(str(value), str(value))
    if spec.kind == "nsi" and spec.nsi:
        return nsi_mod.shipped().name(spec.nsi, str(value))
    if spec.kind == "decimal":
        return fmt_decimal(value)
    if spec.check == "snils":
        return format_snils(str(value))
    if name == "signed":
        return "да" if value else "нет"
    return str(value)


def fmt_decimal(value: Any) -> str:
    # Russian notation: decimal comma, trailing zeros dropped ("1,5", "36").
    try:
        text = f"{Decimal(str(value)):f}"
    except ArithmeticError:
        return str(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def canonical_row(entity: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """Only the canonical fields, so the content hash does not move with sync bookkeeping."""
    spec = schema.entity(entity)
    return {n: row.get(n) for n in spec.names if row.get(n) not in (None, "")}


def person_of(snapshot: Snapshot) -> Mapping[str, Any]:
    rows = snapshot.get("person") or []
    if not rows:
        raise DocumentError("В записи нет персональных данных: заполните раздел «Персональные данные».")
    return rows[0]


def snils_of(person: Mapping[str, Any]) -> str:
    return format_snils(str(person.get("snils") or "")) if person.get("snils") else ""


def full_name(person: Mapping[str, Any]) -> str:
    return " ".join(str(person.get(k) or "").strip() for k in ("last_name", "first_name", "patronymic")).strip()
