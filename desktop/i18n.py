"""User-visible text in two languages, for the Qt layer, the Qt-free core and the CLI alike.

One standard toolchain: gettext. Russian is the source language (the msgid): code writes
``tr("Сохранить")``; the English text comes from the compiled catalog
``resources/locale/en/LC_MESSAGES/frmr.mo``, read by the standard library's ``gettext`` (Babel,
which extracts and compiles the catalogs, is a development tool only: ``scripts/i18n``, see
docs/i18n.md). A string with no translation falls back to Russian, so a missing translation never
hides information. Placeholders use ``str.format`` names, translated as part of the template:
``tr("Не отправлено изменений: {n}").format(n=3)``.

A phrase that depends on a number has three Russian forms and goes through :func:`trn`:
``trn("{n} запись", "{n} записи", "{n} записей", n).format(n=n)``. Russian picks its form by the
Russian plural rule below (the source forms are in the code, so no Russian catalog is needed);
English takes ``msgstr[0]``/``msgstr[1]`` of the catalog entry whose msgid/msgid_plural are the
first two Russian forms.

A text defined away from where it is shown (a table header, a status name) is marked with
:func:`N_` so extraction finds it, and translated with ``tr(variable)`` where it is shown.

argparse's own texts («usage:», «show this help message and exit», its errors) come from the
stdlib's ``argparse`` gettext domain: the Russian catalog ``resources/locale/ru/LC_MESSAGES/
argparse.mo`` is bound to argparse when the language is set (see :func:`_bind_argparse`).
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Sequence
from pathlib import Path

from desktop.paths import resource_dir

LANGUAGES = {"ru": "Русский", "en": "English"}
SOURCE_LANGUAGE = "ru"
DOMAIN = "frmr"
#: The environment variable that chooses the language of ``frmr``, ``frmr-server`` and the
#: ``--help`` of ``frmr-desktop`` when ``--lang`` is not given.
LANG_ENV = "FRMR_LANG"

_translation: gettext.NullTranslations = gettext.NullTranslations()
_catalog: dict[object, str] = {}
_language = SOURCE_LANGUAGE


def locale_dir() -> Path:
    return resource_dir() / "locale"


def load_catalog(lang: str, domain: str = DOMAIN) -> gettext.NullTranslations:
    """The compiled catalog of ``lang``; an empty one (source texts) when there is none."""
    if lang == SOURCE_LANGUAGE and domain == DOMAIN:
        return gettext.NullTranslations()
    return gettext.translation(domain, locale_dir(), [lang], fallback=True)


def translations(lang: str) -> dict[str, str]:
    """Every singular entry of ``lang``'s catalog, Russian -> translation (for tests and tools)."""
    catalog = getattr(load_catalog(lang), "_catalog", {})
    return {k: v for k, v in catalog.items() if isinstance(k, str) and k and v}


def set_language(lang: str) -> str:
    """Switch the catalog; an unknown language falls back to Russian. Returns the language used."""
    global _translation, _catalog, _language
    lang = lang if lang in LANGUAGES else SOURCE_LANGUAGE
    _translation = load_catalog(lang)
    # GNUTranslations keeps its entries in ``_catalog``: trn() needs to know whether an entry
    # exists, because gettext's own fallback for a missing plural is the English rule.
    _catalog = getattr(_translation, "_catalog", {})
    _language = lang
    _bind_argparse(lang)
    return lang


def language() -> str:
    return _language


def language_from_argv(argv: Sequence[str], default: str | None = None) -> str:
    """The language a command line asks for before its parser is built (the parser's help texts
    are translated when it is built): ``--lang X`` / ``--lang=X``, else ``$FRMR_LANG``, else
    ``default`` (Russian)."""
    items = list(argv)
    for i, arg in enumerate(items):
        if arg == "--lang" and i + 1 < len(items):
            return items[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return os.environ.get(LANG_ENV) or default or SOURCE_LANGUAGE


def tr(text: str) -> str:
    # gettext("") is the catalog's header, never a translation: an empty text stays empty.
    return _translation.gettext(text) if text else text


def N_(text: str) -> str:
    """Marks ``text`` for extraction where it is defined; ``tr(variable)`` translates it where shown."""
    return text


def russian_plural(n: int) -> int:
    """The index of the Russian form for ``n`` — 0: 1, 21, 101; 1: 2–4, 22–24; 2: 0, 5–20, 25.
    The same rule as the ``Plural-Forms`` gettext uses for Russian."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return 0
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return 1
    return 2


def trn(one: str, few: str, many: str, n: int) -> str:
    """The form of a number-dependent phrase for ``n``: «1 запись», «2 записи», «5 записей» in
    Russian; the English catalog's singular or plural of ``(one, few)``."""
    if _language != SOURCE_LANGUAGE and (one, 0) in _catalog:
        return _translation.ngettext(one, few, n)
    return (one, few, many)[russian_plural(n)]


def _bind_argparse(lang: str) -> None:
    """Point argparse's gettext calls at our catalog of its messages for ``lang``.

    argparse imported ``gettext``/``ngettext`` by name at import time and looks its texts up in
    the process-wide default domain, chosen by the LANGUAGE/LC_* environment. The app's language
    is a setting, not the environment, and changing the environment would reach Qt and every
    child process; so argparse's two names are bound to the ``argparse`` domain of our catalogs
    for the chosen language (English: no catalog, argparse's own texts)."""
    import argparse

    catalog = gettext.translation("argparse", locale_dir(), [lang], fallback=True)
    argparse._ = catalog.gettext  # type: ignore[attr-defined]
    argparse.ngettext = catalog.ngettext  # type: ignore[attr-defined]
