"""Render resources/icons/frmr.svg into the PNG sizes desktops want and a Windows .ico.

Rendered at build time with Qt's own SVG renderer (offscreen, no screen needed) so the SVG stays
the single source of the icon; output goes to build/icons/ (git-ignored).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(svg: Path, out_dir: Path) -> list[Path]:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"render_icons: {svg} is not a valid SVG")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for size in SIZES:
        img = QImage(size, size, QImage.Format.Format_ARGB32)
        img.fill(Qt.GlobalColor.transparent)
        painter = QPainter(img)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = out_dir / f"frmr-{size}.png"
        if not img.save(str(path)):
            raise SystemExit(f"render_icons: cannot write {path}")
        written.append(path)
    # Windows wants one .ico with several sizes; Pillow (a reportlab dependency) packs it.
    from PIL import Image

    big = Image.open(out_dir / "frmr-256.png")
    big.save(out_dir / "frmr.ico", sizes=[(s, s) for s in SIZES])
    written.append(out_dir / "frmr.ico")
    return written


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    svg = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "resources" / "icons" / "frmr.svg"
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else root / "build" / "icons"
    for p in render(svg, out):
        print(f"render_icons: {p.relative_to(root) if p.is_relative_to(root) else p}")
