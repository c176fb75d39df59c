"""Layout primitives of the generated PDF documents (reportlab): the A4 page geometry, the
paragraph styles on the one embedded font, tables, the «Страница N из M» footer and the QR code.

Nothing here knows what a document says: :mod:`desktop.documents.pdf_kinds` writes the bodies
with these pieces and :mod:`desktop.documents.pdf` assembles the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import qrcode
import qrcode.constants
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from desktop.documents import fonts

PAGE_W, PAGE_H = A4
MARGIN_X = 15 * mm
MARGIN_TOP = 15 * mm
MARGIN_BOTTOM = 18 * mm
CONTENT_W = PAGE_W - 2 * MARGIN_X
DATE_W = 19.5  # mm: "01.09.2009" in 7.5 pt plus cell padding, never wrapped
#: Free space left after the last flowable, where the visible signature stamps go (two rows
#: of stamps, see desktop.documents.signing.stamp_box); a whole new page if it does not fit.
STAMP_RESERVE = 95.0


class Styles:
    def __init__(self) -> None:
        fonts.register()
        self.body = ParagraphStyle("body", fontName=fonts.REGULAR, fontSize=9.5, leading=12.5)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=7.5, leading=9.5)
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=7.5, leading=9.5)
        self.head = ParagraphStyle("head", parent=self.cell, fontName=fonts.BOLD)
        self.org = ParagraphStyle("org", parent=self.body, fontSize=8, leading=10, textColor=colors.grey)
        self.title = ParagraphStyle("title", parent=self.body, fontName=fonts.BOLD, fontSize=14, leading=18)
        self.h2 = ParagraphStyle(
            "h2", parent=self.body, fontName=fonts.BOLD, fontSize=11, leading=14, spaceBefore=9, spaceAfter=4,
            keepWithNext=1,
        )
        self.center = ParagraphStyle("center", parent=self.body, alignment=TA_CENTER)
        self.verdict = ParagraphStyle("verdict", parent=self.body, spaceBefore=5)


def esc(text: str) -> str:
    # Paragraph takes a mini-markup; user data must never be read as tags.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


TABLE_STYLE = [
    # Tables set a cell font even for empty cells; the default would pull in Helvetica.
    ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
    ("GRID", (0, 0), (-1, -1), 0.4, colors.Color(0.6, 0.6, 0.6)),
    ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.92, 0.95)),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 3),
    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
]


class NumberedCanvas(Canvas):
    """Defers page footers to save(), when the page count («из M») is known."""

    footer_text = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Otherwise every page declares Helvetica (unembedded, no Cyrillic) as its start font.
        # (The doc template passes initialFontName=None explicitly, hence no setdefault.)
        kwargs["initialFontName"] = kwargs.get("initialFontName") or fonts.REGULAR
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._footer(total)
            super().showPage()
        super().save()

    def _footer(self, total: int) -> None:
        self.saveState()
        self.setFont(fonts.REGULAR, 7.5)
        self.setFillColor(colors.grey)
        self.drawString(MARGIN_X, 9 * mm, self.footer_text)
        self.drawRightString(PAGE_W - MARGIN_X, 9 * mm, f"Страница {self._pageNumber} из {total}")
        self.setStrokeColor(colors.lightgrey)
        self.line(MARGIN_X, 12.5 * mm, PAGE_W - MARGIN_X, 12.5 * mm)
        self.restoreState()


class Builder:
    def __init__(self, st: Styles) -> None:
        self.st = st
        self.story: list[Flowable] = []

    def h2(self, text: str) -> None:
        self.story.append(Paragraph(esc(text), self.st.h2))

    def para(self, text: str, style: ParagraphStyle | None = None) -> None:
        self.story.append(Paragraph(text, style or self.st.body))

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        extra_style: Sequence[tuple[Any, ...]] = (),
        bold_rows: Sequence[int] = (),
    ) -> None:
        # Widths in mm; 0 marks a flexible column sharing what the fixed ones leave.
        fixed = sum(w * mm for w in widths if w)
        flex = [w for w in widths if not w]
        share = max(CONTENT_W - fixed, 20 * mm * len(flex)) / max(len(flex), 1)
        col_w = [w * mm if w else share for w in widths]
        data: list[list[Any]] = [[Paragraph(esc(h), self.st.head) for h in header]]
        # Cells are Paragraphs, so a table FONTNAME would not reach them: bold rows pick the style.
        bold = {i % len(rows) for i in bold_rows} if rows else set()
        data += [
            [Paragraph(esc(c), self.st.head if i in bold else self.st.cell) for c in r] for i, r in enumerate(rows)
        ]
        if not rows:
            data.append([Paragraph("нет сведений", self.st.cell)] + [""] * (len(header) - 1))
            extra_style = [*extra_style, ("SPAN", (0, 1), (-1, 1))]
        # repeatRows=1: a table split across pages repeats its header row on every page.
        t = Table(data, colWidths=col_w, repeatRows=1)
        t.setStyle(TableStyle([*TABLE_STYLE, *extra_style]))
        self.story.append(t)

    def kv(self, pairs: Sequence[tuple[str, str]]) -> None:
        rows = [[Paragraph(esc(k), self.st.head), Paragraph(esc(v), self.st.cell)] for k, v in pairs if v]
        if not rows:
            self.para("нет сведений", self.st.cell)
            return
        t = Table(rows, colWidths=[CONTENT_W * 0.32, CONTENT_W * 0.68])
        t.setStyle(TableStyle([*TABLE_STYLE, ("BACKGROUND", (0, 0), (0, -1), colors.Color(0.95, 0.96, 0.98))]))
        self.story.append(t)


class Qr(Flowable):
    """A QR code drawn as filled squares.

    reportlab's own QR widget goes through its graphics renderer, which declares Helvetica
    as the initial font of the drawing; drawing the modules ourselves keeps the PDF to the
    one embedded font.
    """

    def __init__(self, payload: str, size: float) -> None:
        super().__init__()
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
        code.add_data(payload.encode("ascii"))
        code.make(fit=True)
        self.matrix: list[list[bool]] = code.get_matrix()
        self.size = size
        self.width = self.height = size

    def draw(self) -> None:
        n = len(self.matrix)
        cell = self.size / n
        c = self.canv
        c.setFillColor(colors.black)
        for r, row in enumerate(self.matrix):
            for col, dark in enumerate(row):
                if dark:
                    c.rect(col * cell, self.size - (r + 1) * cell, cell, cell, stroke=0, fill=1)
