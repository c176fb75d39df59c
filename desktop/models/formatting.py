"""How canonical values look to a person — the one formatter of the GUI, the CLI and the PDFs (Qt-free).

Dates дд.мм.гггг, moments дд.мм.гггг ЧЧ:ММ in local time, enum values as their labels, НСИ codes
as their names, decimals with a comma in Russian and without trailing zeros, СНИЛС as
``XXX-XXX-XXX YY``, «да»/«нет», phone numbers as ``+7 916 123-45-67``.

НСИ names come from the registry the caller passes: the vault's (``RecordRepository.nsi()``, the
shipped subsets plus whatever ``frmr nsi import`` added), so a code imported into the vault reads as
its name everywhere. Passing ``shipped()`` instead would print such a code bare.

``lang`` is the language of the labels: ``None`` follows the interface language (the GUI, the
CLI); PDFs pass ``"ru"`` because a document is issued in Russian whatever the interface shows.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from desktop.i18n import SOURCE_LANGUAGE, language, tr
from desktop.models import schema
from desktop.models.checkdigits import format_snils
from desktop.models.nsi import NsiRegistry
from desktop.models.schema import FieldSpec


def fmt_date(iso: str | None) -> str:
    """ISO -> дд.мм.гггг for people; a value that is not an ISO date is shown as it is."""
    if not iso:
        return ""
    try:
        return dt.date.fromisoformat(iso).strftime("%d.%m.%Y")
    except ValueError:
        return iso


def fmt_timestamp(iso: str | None, tz: dt.tzinfo | None = None) -> str:
    """A stored moment (ISO 8601, UTC as the vault and the server write it) -> «дд.мм.гггг ЧЧ:ММ»
    in the computer's local time (``tz`` for tests). A moment without a zone is taken as UTC;
    text that is not a moment is shown as it is."""
    if not iso:
        return ""
    try:
        t = dt.datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
    except ValueError:
        return str(iso)
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.astimezone(tz).strftime("%d.%m.%Y %H:%M")


def fmt_decimal(value: Any, lang: str | None = None) -> str:
    """"1,5" and "36" in Russian ("1.5" in English): trailing zeros of the stored text dropped."""
    try:
        text = f"{Decimal(str(value)):f}"
    except ArithmeticError:
        return str(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") if (lang or language()) == SOURCE_LANGUAGE else text


def _label(text: str, lang: str | None) -> str:
    # Labels are written in Russian (the source language); tr() gives the interface language.
    return text if lang == SOURCE_LANGUAGE else tr(text)


def display(spec: FieldSpec, value: Any, nsi: NsiRegistry, *, lang: str | None = None) -> str:
    """A canonical value as a person reads it."""
    if value is None or value == "":
        return ""
    if spec.kind == "date":
        return fmt_date(str(value))
    if spec.kind == "enum":
        return _label(spec.choices.get(str(value), str(value)), lang)
    if spec.kind == "nsi" and spec.nsi:
        return nsi.name(spec.nsi, str(value))
    if spec.kind == "decimal":
        return fmt_decimal(value, lang)
    if spec.name == "signed":
        return _label("да" if value else "нет", lang)
    if spec.check == "snils":
        return format_snils(str(value))
    if spec.check == "phone":
        from desktop.models.phones import display_phone  # libphonenumber: loaded on the first phone shown

        return display_phone(str(value))
    return str(value)


def display_field(entity: str, name: str, value: Any, nsi: NsiRegistry, *, lang: str | None = None) -> str:
    """``display`` by entity and field name; a name outside the schema is shown as it is."""
    if value is None or value == "":
        return ""
    try:
        spec = schema.entity(entity).field(name)
    except KeyError:
        return str(value)
    return display(spec, value, nsi, lang=lang)


def editable(spec: FieldSpec, value: Any) -> str:
    """The text a form field starts with when editing an existing row: the stored digits kept
    (no trailing zeros dropped), so saving an untouched form changes nothing."""
    if value is None:
        return ""
    if spec.kind == "date":
        return fmt_date(str(value))
    if spec.kind == "decimal":
        return str(value).replace(".", ",")
    if spec.check == "snils":
        return format_snils(str(value))
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
