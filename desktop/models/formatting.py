"""How canonical values look to a person (Qt-free): dates дд.мм.гггг, enum and НСИ codes as
their names, decimals with a comma in Russian."""

from __future__ import annotations

from typing import Any

from desktop.i18n import language, tr
from desktop.models.nsi import NsiRegistry
from desktop.models.schema import FieldSpec
from desktop.models.validation import fmt_date


def display(spec: FieldSpec, value: Any, nsi: NsiRegistry) -> str:
    if value is None or value == "":
        return ""
    if spec.kind == "date":
        return fmt_date(str(value))
    if spec.kind == "enum":
        return tr(spec.choices.get(str(value), str(value)))
    if spec.kind == "nsi" and spec.nsi:
        return nsi.name(spec.nsi, str(value))
    if spec.kind == "decimal":
        return str(value).replace(".", ",") if language() == "ru" else str(value)
    if spec.name == "signed":
        return tr("да") if value else tr("нет")
    if spec.check == "snils":
        s = str(value)
        return f"{s[:3]}-{s[3:6]}-{s[6:9]} {s[9:]}" if len(s) == 11 else s
    return str(value)


def editable(spec: FieldSpec, value: Any) -> str:
    """The text a form field starts with when editing an existing row."""
    if value is None:
        return ""
    if spec.kind == "date":
        return fmt_date(str(value))
    if spec.kind == "decimal":
        return str(value).replace(".", ",")
    if spec.check == "snils":
        s = str(value)
        return f"{s[:3]}-{s[3:6]}-{s[6:9]} {s[9:]}" if len(s) == 11 else s
    return str(value)


def sort_key(spec: FieldSpec, value: Any) -> Any:
    """Sorting by the canonical value keeps dates chronological and numbers numeric."""
    if value is None or value == "":
        return ""
    if spec.kind in ("decimal", "int"):
        try:
            return float(value)
        except (TypeError, ValueError):
            return 0.0
    return str(value)
