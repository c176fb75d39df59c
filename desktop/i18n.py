"""User-visible text in two languages, usable from the Qt layer and the Qt-free core alike.

Russian is the source language: code writes ``tr("Сохранить")`` and the English text comes
from ``resources/translations/en.json`` (Russian source string -> English). A string with no
entry falls back to Russian, so a missing translation never hides information.
Placeholders use ``str.format`` names, translated as part of the template:
``tr("Не отправлено изменений: {n}").format(n=3)``.
"""

from __future__ import annotations

import json
from pathlib import Path

from desktop.paths import resource_dir

LANGUAGES = {"ru": "Русский", "en": "English"}
SOURCE_LANGUAGE = "ru"

_catalog: dict[str, str] = {}
_language = SOURCE_LANGUAGE


def catalog_path(lang: str) -> Path:
    return resource_dir() / "translations" / f"{lang}.json"


def load_catalog(lang: str) -> dict[str, str]:
    if lang == SOURCE_LANGUAGE:
        return {}
    try:
        raw = json.loads(catalog_path(lang).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in raw.items() if isinstance(v, str) and v} if isinstance(raw, dict) else {}


def set_language(lang: str) -> str:
    """Switch the catalog; an unknown language falls back to Russian. Returns the language used."""
    global _catalog, _language
    lang = lang if lang in LANGUAGES else SOURCE_LANGUAGE
    _catalog = load_catalog(lang)
    _language = lang
    return lang


def language() -> str:
    return _language


def tr(text: str) -> str:
    return _catalog.get(text, text)
