"""Colours that follow the system palette, dark included.

Plain text takes the palette's own roles (``palette(window-text)``, ``palette(link)`` in a style
sheet). The colours the palette has no role for — an error, a success, a warning banner, a row
that is due — come in two sets, one for a light and one for a dark window, each pair chosen for
a WCAG contrast of at least 4.5:1 (``tests/gui/test_desktop_palette.py`` checks them on screen).
Which set applies is read from the palette in use when the widget is styled.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QGuiApplication, QPalette

#: text colours (light window, dark window)
TEXT = {
    "error": ("#b00020", "#ff8a80"),
    "ok": ("#1b5e20", "#81c784"),
    "warning": ("#7a4f00", "#ffcc80"),
    "muted": ("#555555", "#b8b8b8"),
    "online": ("#1b5e20", "#81c784"),
    "offline": ("#616161", "#bdbdbd"),
    "busy": ("#a84300", "#ffb74d"),
}


@dataclass(frozen=True)
class Tone:
    background: str
    text: str
    border: str


#: banners and highlighted rows: (light, dark)
TONES = {
    "warning": (Tone("#fff4ce", "#3d2f00", "#e0c060"), Tone("#4a3b00", "#ffe9a8", "#8a6d00")),
    "error": (Tone("#fde7e9", "#5f0010", "#d08080"), Tone("#5c1a1f", "#ffd6da", "#a04a52")),
    "info": (Tone("#e3f2fd", "#0d2b45", "#90b8e0"), Tone("#16324a", "#d6ebff", "#3f6d94")),
    "ok": (Tone("#e7f3e7", "#143d14", "#90c090"), Tone("#1e3d1e", "#d4f0d4", "#4f8a4f")),
    # reminder rows of «Уведомления» by urgency
    "expired": (Tone("#fde7e9", "#5f0010", "#d08080"), Tone("#5c1a1f", "#ffd6da", "#a04a52")),
    "urgent": (Tone("#fff0d0", "#3d2f00", "#e0c060"), Tone("#4d3300", "#ffe2b0", "#8a6d00")),
    "soon": (Tone("#fffbe6", "#3d3500", "#e6dc9a"), Tone("#3b3820", "#fff6c2", "#77703c")),
}


def dark_palette() -> QPalette:
    """A dark palette as desktops' dark themes hand one to Qt (``FRMR_COLOR_SCHEME=dark``, the
    tests): for a platform whose theme Qt cannot read."""
    p = QPalette()
    role = QPalette.ColorRole
    for r, col in ((role.Window, "#2b2b2b"), (role.WindowText, "#eeeeee"), (role.Base, "#1e1e1e"),
                   (role.AlternateBase, "#2b2b2b"), (role.Text, "#eeeeee"), (role.Button, "#353535"),
                   (role.ButtonText, "#eeeeee"), (role.ToolTipBase, "#2b2b2b"), (role.ToolTipText, "#eeeeee"),
                   (role.Highlight, "#2a82da"), (role.HighlightedText, "#ffffff"), (role.Link, "#8ab4f8"),
                   (role.PlaceholderText, "#9e9e9e"), (role.Dark, "#151515"), (role.Mid, "#3a3a3a"),
                   (role.Light, "#505050"), (role.Midlight, "#404040"), (role.Shadow, "#000000")):
        p.setColor(r, QColor(col))
    for r in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, r, QColor("#7a7a7a"))
    return p


def is_dark(palette: QPalette | None = None) -> bool:
    if palette is None:
        palette = QGuiApplication.palette()
    window, text = palette.color(QPalette.ColorRole.Window), palette.color(QPalette.ColorRole.WindowText)
    return window.lightnessF() < text.lightnessF()


def text_color(kind: str, palette: QPalette | None = None) -> str:
    return TEXT[kind][1 if is_dark(palette) else 0]


def text_style(kind: str, extra: str = "") -> str:
    """A style sheet for a label in one of the ``TEXT`` colours."""
    return f"color: {text_color(kind)};{(' ' + extra) if extra else ''}"


def tone(kind: str, palette: QPalette | None = None) -> Tone:
    return TONES[kind][1 if is_dark(palette) else 0]


def banner_style(kind: str, padding: int = 6, border: int = 1) -> str:
    t = tone(kind)
    edge = f" border: {border}px solid {t.border};" if border else ""
    return f"background: {t.background}; color: {t.text};{edge} padding: {padding}px;"


def row_colors(kind: str) -> tuple[QColor, QColor]:
    """(background, text) of a highlighted table row."""
    t = tone(kind)
    return QColor(t.background), QColor(t.text)


def contrast(a: QColor, b: QColor) -> float:
    """The WCAG 2 contrast ratio of two colours (1 … 21)."""
    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
