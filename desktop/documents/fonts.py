"""The Cyrillic font the app ships (DejaVu Sans, copied by scripts/fetch-fonts).

PDF base-14 fonts have no Cyrillic glyphs, so every document and the signature stamp embed
this TrueType font; relying on whatever the user's system has is not an option.
"""

from __future__ import annotations

import os
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from desktop.i18n import tr
from desktop.paths import resource_dir

REGULAR = "FRMRSans"
BOLD = "FRMRSans-Bold"
_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}


class FontMissingError(RuntimeError):
    """The shipped font is absent or unreadable; the message is for the user."""


def font_dir() -> Path:
    # FRMR_FONTS_DIR lets packagers (and tests) point elsewhere without touching the bundle.
    override = os.environ.get("FRMR_FONTS_DIR")
    return Path(override) if override else resource_dir() / "fonts"


def font_path(name: str = REGULAR) -> Path:
    path = font_dir() / _FILES[name]
    if not path.is_file():
        raise FontMissingError(
            f"Не найден шрифт для кириллицы: {path}. Без него документ не сформировать. "
            "Переустановите приложение или выполните scripts/fetch-fonts "
            "(копирует DejaVu Sans из пакета fonts-dejavu-core)."
        )
    return path


def register() -> None:
    """Register both faces with reportlab once per process (cheap on repeat calls)."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name in (REGULAR, BOLD):
        if name in registered:
            continue
        path = font_path(name)
        try:
            pdfmetrics.registerFont(TTFont(name, str(path)))
        except (TTFError, OSError) as exc:
            raise FontMissingError(tr(
                "Файл шрифта {path} повреждён или не читается: {exc}").format(
                path=path, exc=exc)) from exc
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)
