"""Generated PDF documents: «Выписка из ФРМР», «Справка о медицинском стаже», «Отчёт о баллах
НМО», «Заявление на аккредитацию» and the НМО «История начислений» export.

Input is a record snapshot (entity name -> canonical rows, the shape of
``RecordRepository.snapshot()``); output is PDF bytes plus the canonical content whose
SHA-256 the QR code carries (see :mod:`desktop.documents.content`).

This module assembles a document (header with the QR code, body, provenance line, numbered
footer) and is what callers import; the parts live beside it:

* :mod:`desktop.documents.pdf_values` — values as printed, canonical rows, ``DocumentError``;
* :mod:`desktop.documents.pdf_layout` — page geometry, styles, tables, footer canvas, QR code;
* :mod:`desktop.documents.pdf_kinds` — the body of each document kind.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import KeepTogetherSplitAtTop

from desktop.documents import fonts
from desktop.documents.content import FORMAT, canonical_json, content_sha256, qr_payload
from desktop.documents.nmo import CycleRule, NmoFilter
from desktop.documents.pdf_kinds import BUILDERS, NMO_KIND_SHORT, Ctx, pick_application
from desktop.documents.pdf_layout import (
    CONTENT_W,
    DATE_W,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    PAGE_H,
    PAGE_W,
    STAMP_RESERVE,
    Builder,
    NumberedCanvas,
    Qr,
    Styles,
    esc,
)
from desktop.documents.pdf_values import (
    DocumentError,
    Snapshot,
    canonical_row,
    display,
    fmt_decimal,
    full_name,
    person_of,
    snils_of,
)
from desktop.i18n import tr
from desktop.models.nsi import NsiRegistry, shipped

# What callers and tests import from here, wherever it now lives.
__all__ = [
    "CONTENT_W", "DATE_W", "MARGIN_BOTTOM", "MARGIN_TOP", "MARGIN_X", "NMO_KIND_SHORT", "PAGE_H", "PAGE_W",
    "SHORT_TITLES", "STAMP_RESERVE", "TITLES", "DocKind", "DocumentError", "GeneratedDocument", "Snapshot",
    "canonical_row", "display", "fmt_decimal", "full_name", "generate", "person_of", "pick_application",
    "snils_of",
]

DocKind = Literal["extract", "seniority", "nmo", "application", "nmo_history"]

TITLES: dict[str, str] = {
    "extract": "Выписка из Федерального регистра медицинских работников",
    "seniority": "Справка о медицинском стаже",
    "nmo": "Отчёт о баллах НМО",
    "application": "Заявление на аккредитацию специалиста",
    "nmo_history": "История начислений НМО",
}
SHORT_TITLES: dict[str, str] = {
    "extract": "Выписка из ФРМР",
    "seniority": "Справка о медицинском стаже",
    "nmo": "Отчёт о баллах НМО",
    "application": "Заявление на аккредитацию",
    "nmo_history": "История начислений НМО",
}
# Number prefixes: short Russian abbreviations a clerk recognises on paper.
_PREFIX = {"extract": "ВЫП", "seniority": "СТЖ", "nmo": "НМО", "application": "ЗАЯ", "nmo_history": "ИСТ"}


@dataclass(frozen=True)
class GeneratedDocument:
    kind: str
    doc_id: str
    number: str
    date: dt.date
    title: str
    pdf: bytes
    content: dict[str, Any] = field(repr=False)
    sha256: str = ""

    @property
    def content_json(self) -> bytes:
        return canonical_json(self.content)

    @property
    def filename(self) -> str:
        return f"{self.number}.pdf"


def generate(
    kind: str,
    snapshot: Snapshot,
    *,
    today: dt.date | None = None,
    doc_id: str | None = None,
    nmo_filter: NmoFilter | None = None,
    rule: CycleRule | None = None,
    application_id: str | None = None,
    nsi: NsiRegistry | None = None,
) -> GeneratedDocument:
    """Build one document from a record snapshot.

    ``today`` fixes the document date (and the end of open periods); ``doc_id`` a UUID when
    the caller needs a reproducible number (tests, re-issue); ``nsi`` the vault's registry
    (``RecordRepository.nsi()``) so codes added by ``frmr nsi import`` print as their names — the
    shipped subsets when omitted (the demo record, tests).
    """
    if kind not in BUILDERS:
        raise DocumentError(tr(
            "Неизвестный вид документа «{kind}»; возможны: {items}.").format(
            kind=kind, items=', '.join(BUILDERS)))
    st = Styles()
    today = today or dt.date.today()
    doc_id = doc_id or str(uuid.uuid4())
    number = f"{_PREFIX[kind]}-{today:%Y%m%d}-{doc_id.replace('-', '')[:8].upper()}"
    person = person_of(snapshot)
    ctx = Ctx(kind, snapshot, today, person, nmo_filter or NmoFilter(), rule or CycleRule(), application_id,
              nsi or shipped())

    body = Builder(st)
    BUILDERS[kind](body, ctx)

    content: dict[str, Any] = {
        "format": FORMAT,
        "doc_id": doc_id,
        "kind": kind,
        "number": number,
        "date": today.isoformat(),
        "title": TITLES[kind],
        "person": {"snils": person.get("snils"), "name": full_name(person)},
        "data": ctx.data,
    }
    sha = content_sha256(content)

    # The header is built after the body because the QR code needs the body's hash.
    head_left = [
        Paragraph("ФЕДЕРАЛЬНЫЙ РЕГИСТР МЕДИЦИНСКИХ РАБОТНИКОВ · ЕГИСЗ", st.org),
        Spacer(1, 3),
        Paragraph(esc(TITLES[kind]), st.title),
        Spacer(1, 2),
        Paragraph(f"№ {esc(number)} от {today:%d.%m.%Y}", st.body),
        Paragraph(f"{esc(full_name(person))} · СНИЛС {esc(snils_of(person))}", st.body),
    ]
    qr_size = 27 * mm
    head_right = [Qr(qr_payload(doc_id, sha), qr_size), Paragraph("код проверки", st.small)]
    head = Table([[head_left, head_right]], colWidths=[CONTENT_W - qr_size - 6, qr_size + 6])
    head.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.Color(0.2, 0.3, 0.5)),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    tail = [
        Spacer(1, 8),
        Paragraph(
            f"Идентификатор документа: {doc_id}. SHA-256 содержания: {sha}. Содержание — канонический JSON "
            "сведений документа (ключи по алфавиту, UTF-8); подлинность файла подтверждает электронная подпись.",
            st.small,
        ),
    ]
    story: list[Flowable] = [head, Spacer(1, 8), *body.story, KeepTogetherSplitAtTop(tail)]
    # Room for the visible signature stamps below the last line (see STAMP_RESERVE).
    story.append(KeepTogether([Spacer(1, STAMP_RESERVE)]))

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=f"{TITLES[kind]} № {number}",
        author=full_name(person),
        subject=SHORT_TITLES[kind],
        keywords=f"frmr-doc-id={doc_id}; content-sha256={sha}",
        creator="ФРМР Desktop",
    )

    footer = f"{SHORT_TITLES[kind]} № {number} от {today:%d.%m.%Y}"

    def canvasmaker(*args: Any, **kwargs: Any) -> NumberedCanvas:
        c = NumberedCanvas(*args, **kwargs)
        c.footer_text = footer
        return c

    doc.build(story, canvasmaker=canvasmaker)
    return GeneratedDocument(kind, doc_id, number, today, TITLES[kind], buf.getvalue(), content, sha)
