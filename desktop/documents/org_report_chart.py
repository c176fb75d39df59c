"""A horizontal bar chart flowable for the report PDF, drawn on the canvas with the embedded font.

reportlab's graphics charts declare Helvetica (no Cyrillic) for their labels unless every label
style is overridden; a dozen lines of canvas drawing keep the PDF to the one embedded font.
"""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from desktop.documents import fonts
from desktop.documents.pdf_layout import CONTENT_W

BAR_H = 11.0
GAP = 3.0
LABEL_W = 150.0
FILL = colors.Color(0.26, 0.45, 0.72)


class BarChart(Flowable):
    def __init__(self, bars: list[tuple[str, float]], width: float = CONTENT_W) -> None:
        super().__init__()
        self.bars = bars
        self.width = width
        self.height = len(bars) * (BAR_H + GAP) + GAP

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        top = max((v for _, v in self.bars), default=0) or 1
        span = self.width - LABEL_W - 40
        c.setFont(fonts.REGULAR, 7)
        for i, (label, v) in enumerate(self.bars):
            y = self.height - (i + 1) * (BAR_H + GAP)
            text = label
            while stringWidth(text, fonts.REGULAR, 7) > LABEL_W - 6 and len(text) > 2:
                text = text[:-2] + "…"
            c.setFillColor(colors.black)
            c.drawRightString(LABEL_W - 4, y + 3, text)
            w = span * v / top
            c.setFillColor(FILL)
            c.rect(LABEL_W, y, w, BAR_H, stroke=0, fill=1)
            c.setFillColor(colors.black)
            c.drawString(LABEL_W + w + 3, y + 3, f"{v:g}")
