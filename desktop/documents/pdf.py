"""Generated PDF documents: «Выписка из ФРМР», «Справка о медицинском стаже», «Отчёт о баллах
НМО», «Заявление на аккредитацию» and the НМО «История начислений» export.

Input is a record snapshot (entity name -> canonical rows, the shape of
``RecordRepository.snapshot()``); output is PDF bytes plus the canonical content whose
SHA-256 the QR code carries (see :mod:`desktop.documents.content`).
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import qrcode
import qrcode.constants
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
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
from desktop.documents.nmo import CycleRule, CycleTotals, NmoFilter, cycle_totals, filter_rows
from desktop.models import nsi as nsi_mod
from desktop.models import schema
from desktop.models.checkdigits import format_snils
from desktop.models.seniority import Seniority, compute
from desktop.models.validation import fmt_date

DocKind = Literal["extract", "seniority", "nmo", "application", "nmo_history"]
Snapshot = Mapping[str, Sequence[Mapping[str, Any]]]

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
# Table cells are narrow; the full labels of schema.NMO_KIND would take three lines.
NMO_KIND_SHORT = {"iom": "ИОМ", "event": "мероприятие", "program": "программа ПК"}
# Number prefixes: short Russian abbreviations a clerk recognises on paper.
_PREFIX = {"extract": "ВЫП", "seniority": "СТЖ", "nmo": "НМО", "application": "ЗАЯ", "nmo_history": "ИСТ"}

PAGE_W, PAGE_H = A4
MARGIN_X = 15 * mm
MARGIN_TOP = 15 * mm
MARGIN_BOTTOM = 18 * mm
CONTENT_W = PAGE_W - 2 * MARGIN_X
DATE_W = 19.5  # mm: "01.09.2009" in 7.5 pt plus cell padding, never wrapped
#: Free space left after the last flowable, where the visible signature stamps go (two rows
#: of stamps, see desktop.documents.signing.stamp_box); a whole new page if it does not fit.
STAMP_RESERVE = 95.0


class DocumentError(ValueError):
    """The record lacks what the document needs; the message is for the user."""


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


# ---------------------------------------------------------------- values for people


def display(entity: str, name: str, value: Any) -> str:
    """A canonical value as a person reads it: dates дд.мм.гггг, enum labels, НСИ names."""
    if value is None or value == "":
        return ""
    try:
        spec = schema.entity(entity).field(name)
    except KeyError:
        return str(value)
    if spec.kind == "date":
        return fmt_date(str(value))
    if spec.kind == "enum":
        return spec.choices.get(str(value), str(value))
    if spec.kind == "nsi" and spec.nsi:
        return nsi_mod.shipped().name(spec.nsi, str(value))
    if spec.kind == "decimal":
        return fmt_decimal(value)
    if spec.check == "snils":
        return format_snils(str(value))
    if name == "signed":
        return "да" if value else "нет"
    return str(value)


def fmt_decimal(value: Any) -> str:
    # Russian notation: decimal comma, trailing zeros dropped ("1,5", "36").
    try:
        text = f"{Decimal(str(value)):f}"
    except ArithmeticError:
        return str(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def canonical_row(entity: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """Only the canonical fields, so the content hash does not move with sync bookkeeping."""
    spec = schema.entity(entity)
    return {n: row.get(n) for n in spec.names if row.get(n) not in (None, "")}


def person_of(snapshot: Snapshot) -> Mapping[str, Any]:
    rows = snapshot.get("person") or []
    if not rows:
        raise DocumentError("В записи нет персональных данных: заполните раздел «Персональные данные».")
    return rows[0]


def snils_of(person: Mapping[str, Any]) -> str:
    return format_snils(str(person.get("snils") or "")) if person.get("snils") else ""


def full_name(person: Mapping[str, Any]) -> str:
    return " ".join(str(person.get(k) or "").strip() for k in ("last_name", "first_name", "patronymic")).strip()


# ---------------------------------------------------------------- layout primitives


class _Styles:
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


def _esc(text: str) -> str:
    # Paragraph takes a mini-markup; user data must never be read as tags.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_TABLE_STYLE = [
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


class _NumberedCanvas(Canvas):
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


class _Builder:
    def __init__(self, st: _Styles) -> None:
        self.st = st
        self.story: list[Flowable] = []

    def h2(self, text: str) -> None:
        self.story.append(Paragraph(_esc(text), self.st.h2))

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
        data: list[list[Any]] = [[Paragraph(_esc(h), self.st.head) for h in header]]
        # Cells are Paragraphs, so a table FONTNAME would not reach them: bold rows pick the style.
        bold = {i % len(rows) for i in bold_rows} if rows else set()
        data += [
            [Paragraph(_esc(c), self.st.head if i in bold else self.st.cell) for c in r] for i, r in enumerate(rows)
        ]
        if not rows:
            data.append([Paragraph("нет сведений", self.st.cell)] + [""] * (len(header) - 1))
            extra_style = [*extra_style, ("SPAN", (0, 1), (-1, 1))]
        # repeatRows=1: a table split across pages repeats its header row on every page.
        t = Table(data, colWidths=col_w, repeatRows=1)
        t.setStyle(TableStyle([*_TABLE_STYLE, *extra_style]))
        self.story.append(t)

    def kv(self, pairs: Sequence[tuple[str, str]]) -> None:
        rows = [[Paragraph(_esc(k), self.st.head), Paragraph(_esc(v), self.st.cell)] for k, v in pairs if v]
        if not rows:
            self.para("нет сведений", self.st.cell)
            return
        t = Table(rows, colWidths=[CONTENT_W * 0.32, CONTENT_W * 0.68])
        t.setStyle(TableStyle([*_TABLE_STYLE, ("BACKGROUND", (0, 0), (0, -1), colors.Color(0.95, 0.96, 0.98))]))
        self.story.append(t)


class _Qr(Flowable):
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


# ---------------------------------------------------------------- documents


@dataclass
class _Ctx:
    kind: str
    snapshot: Snapshot
    today: dt.date
    person: Mapping[str, Any]
    nmo_filter: NmoFilter
    rule: CycleRule
    application_id: str | None
    data: dict[str, Any] = field(default_factory=dict)


def _entity_table(b: _Builder, ctx: _Ctx, entity: str) -> None:
    spec = schema.entity(entity)
    names = _COLUMNS.get(entity) or [f.name for f in spec.fields if f.column]
    cols = [spec.field(n) for n in names]
    rows = [[display(entity, f.name, r.get(f.name)) for f in cols] for r in ctx.snapshot.get(entity) or []]
    b.table([f.label for f in cols], rows, [_width(f) for f in cols])


# Where an entity has more table columns than an A4 page can hold, the ones a reader needs.
_COLUMNS: dict[str, list[str]] = {
    "employment": [
        "org_name", "position_code", "position_type", "contract_kind", "rate", "begin_date", "end_date", "profile",
    ],
    "nmo": ["event_date", "kind", "title", "provider", "credits", "status", "document_number"],
}


def _width(f: schema.FieldSpec) -> float:
    if f.kind == "date":
        return DATE_W
    if f.kind in ("decimal", "int"):
        return 13
    if f.kind == "enum":
        return 28 if f.name == "position_type" else 25
    return 0


def _person_pairs(person: Mapping[str, Any], names: Sequence[str]) -> list[tuple[str, str]]:
    return [(schema.PERSON.field(n).label, display("person", n, person.get(n))) for n in names]


def _build_extract(b: _Builder, ctx: _Ctx) -> None:
    b.para(
        f"Сведения о медицинском работнике, содержащиеся в Федеральном регистре медицинских "
        f"работников, по состоянию на {ctx.today:%d.%m.%Y}.",
    )
    b.h2(schema.PERSON.plural)
    b.kv(_person_pairs(ctx.person, schema.PERSON.names))
    # The worker's own record; requests from organizations and the document archive are not
    # part of the register entry and stay out of the выписка.
    sections = ("education", "certificate", "accreditation", "category", "employment", "nmo", "application")
    for name in sections:
        b.h2(schema.entity(name).plural)
        if name == "nmo":
            _nmo_table(b, filter_rows(ctx.snapshot.get("nmo") or [], NmoFilter()))
        else:
            _entity_table(b, ctx, name)
    ctx.data["record"] = {n: [canonical_row(n, r) for r in ctx.snapshot.get(n) or []] for n in ("person", *sections)}


def _seniority(ctx: _Ctx) -> Seniority:
    return compute(ctx.snapshot.get("employment") or [], today=ctx.today)


def _build_seniority(b: _Builder, ctx: _Ctx) -> None:
    cards = list(ctx.snapshot.get("employment") or [])
    sen = _seniority(ctx)
    b.para(
        f"Выдана {_esc(full_name(ctx.person))} (СНИЛС {_esc(snils_of(ctx.person))}) в том, что "
        f"по данным Федерального регистра медицинских работников на {ctx.today:%d.%m.%Y} "
        f"медицинский стаж составляет <b>{sen.total}</b>"
    )
    b.h2("Периоды работы")
    rows = []
    for i, c in enumerate(sorted(cards, key=lambda c: str(c.get("begin_date") or "")), 1):
        counted = c.get("contract_kind") == "labor"
        rows.append(
            [
                str(i),
                str(c.get("org_name") or ""),
                display("employment", "position_code", c.get("position_code")),
                display("employment", "position_type", c.get("position_type")),
                display("employment", "contract_kind", c.get("contract_kind")),
                str(c.get("profile") or ""),
                display("employment", "begin_date", c.get("begin_date")),
                display("employment", "end_date", c.get("end_date")) or "по н. в.",
                "да" if counted else "нет (ГПХ)",
            ]
        )
    b.table(
        ["№", "Организация", "Должность", "Тип занятия", "Договор", "Профиль", "Начало", "Окончание", "В стаж"],
        rows,
        [7, 0, 0, 28, 20, 20, DATE_W, DATE_W, 13],
    )
    b.h2("Периоды, учтённые в стаже")
    b.para(
        "Периоды работы по трудовому договору; пересекающиеся и смежные периоды объединены и "
        "учитываются один раз; незакрытая карточка учитывается по дату справки.",
        b.st.small,
    )
    b.table(
        ["№", "Начало", "Окончание", "Продолжительность"],
        [[str(i), f"{s:%d.%m.%Y}", f"{e:%d.%m.%Y}", str(span)] for i, (s, e, span) in enumerate(sen.merged, 1)],
        [7, 40, 40, 0],
    )
    b.h2("Итого")
    totals = [["Медицинский стаж, всего", str(sen.total)]]
    totals += [[f"по профилю «{p}»", str(span)] for p, span in sen.by_profile.items()]
    b.table(["Показатель", "Стаж"], totals, [0, 60], bold_rows=[0])
    b.para(
        "Порядок расчёта: по каждому периоду (обе даты включительно) полные годы, затем полные месяцы, "
        "затем дни; части суммируются, каждые 30 дней переводятся в месяц, каждые 12 месяцев — в год.",
        b.st.small,
    )
    ctx.data["employment"] = [canonical_row("employment", c) for c in cards]
    ctx.data["merged"] = [[s.isoformat(), e.isoformat(), span.as_dict()] for s, e, span in sen.merged]
    ctx.data["seniority"] = sen.as_dict()


def _nmo_rows(ctx: _Ctx) -> list[Mapping[str, Any]]:
    return filter_rows(ctx.snapshot.get("nmo") or [], ctx.nmo_filter)


def _filter_text(flt: NmoFilter) -> str:
    parts = []
    if flt.date_from or flt.date_to:
        a = f"{flt.date_from:%d.%m.%Y}" if flt.date_from else "…"
        z = f"{flt.date_to:%d.%m.%Y}" if flt.date_to else "…"
        parts.append(f"период {a} – {z}")
    if flt.kinds:
        parts.append("тип: " + ", ".join(schema.NMO_KIND.get(k, k) for k in sorted(flt.kinds)))
    if flt.statuses:
        parts.append("статус: " + ", ".join(schema.NMO_STATUS.get(k, k) for k in sorted(flt.statuses)))
    return "; ".join(parts) if parts else "все записи"


def _nmo_table(b: _Builder, rows: Sequence[Mapping[str, Any]]) -> Decimal:
    out = []
    total = Decimal(0)
    for i, r in enumerate(rows, 1):
        total += Decimal(str(r.get("credits") or "0"))
        out.append(
            [
                str(i),
                display("nmo", "event_date", r.get("event_date")),
                NMO_KIND_SHORT.get(str(r.get("kind")), str(r.get("kind") or "")),
                str(r.get("title") or ""),
                str(r.get("provider") or ""),
                display("nmo", "credits", r.get("credits")),
                display("nmo", "status", r.get("status") or "pending"),
                str(r.get("document_number") or ""),
            ]
        )
    if rows:
        out.append(["", "", "", "Итого по выборке", "", fmt_decimal(total), "", ""])
    b.table(
        ["№", "Дата", "Тип", "Наименование", "Организатор", "ЗЕТ", "Статус", "Документ"],
        out,
        [7, DATE_W, 23, 0, 24, 11, 25, 25],
        bold_rows=[-1] if rows else [],
    )
    return total


def _cycle_section(b: _Builder, ctx: _Ctx) -> CycleTotals:
    ct = cycle_totals(ctx.snapshot.get("nmo") or [], ctx.snapshot.get("accreditation") or [], ctx.rule, ctx.today)
    start = len(b.story)
    b.h2("Цикл периодической аккредитации")
    b.para(
        f"Цикл: {ct.start:%d.%m.%Y} – {ct.end:%d.%m.%Y} ({ctx.rule.years} лет). Учитываются подтверждённые "
        "начисления внутри цикла.",
    )
    b.table(
        ["Показатель", "Требуется", "Подтверждено", "Не хватает"],
        [
            ["Всего ЗЕТ", fmt_decimal(ct.rule.total_hours), fmt_decimal(ct.total), fmt_decimal(ct.missing_total)],
            [
                "Программы повышения квалификации",
                fmt_decimal(ct.rule.program_hours),
                fmt_decimal(ct.program),
                fmt_decimal(ct.missing_program),
            ],
            [
                "ИОМ и образовательные мероприятия",
                fmt_decimal(ct.rule.iom_event_hours),
                fmt_decimal(ct.iom_event),
                fmt_decimal(ct.missing_iom_event),
            ],
        ],
        [0, 25, 28, 25],
        [("ALIGN", (1, 1), (-1, -1), "RIGHT")],
    )
    verdict = (
        "Требования цикла выполнены."
        if ct.met
        else "Требования цикла не выполнены: не хватает подтверждённых ЗЕТ (см. таблицу)."
    )
    if ct.pending:
        verdict += f" Ожидают подтверждения: {fmt_decimal(ct.pending)} ЗЕТ."
    b.para(f"<b>{_esc(verdict)}</b>", b.st.verdict)
    # Heading, rule and verdict read as one block: never leave the heading alone on a page.
    b.story[start:] = [KeepTogether(b.story[start:])]
    return ct


def _build_nmo(b: _Builder, ctx: _Ctx) -> None:
    rows = _nmo_rows(ctx)
    b.para(
        f"Медицинский работник: {_esc(full_name(ctx.person))}, СНИЛС {_esc(snils_of(ctx.person))}. "
        f"Отбор: {_esc(_filter_text(ctx.nmo_filter))}."
    )
    b.h2("Начисления")
    total = _nmo_table(b, rows)
    ct = _cycle_section(b, ctx)
    ctx.data["filter"] = ctx.nmo_filter.describe()
    ctx.data["rows"] = [canonical_row("nmo", r) for r in rows]
    ctx.data["selection_total"] = str(total)
    ctx.data["cycle"] = ct.as_dict()


def _build_nmo_history(b: _Builder, ctx: _Ctx) -> None:
    rows = _nmo_rows(ctx)
    b.para(
        f"{_esc(full_name(ctx.person))}, СНИЛС {_esc(snils_of(ctx.person))}. "
        f"Отбор: {_esc(_filter_text(ctx.nmo_filter))}."
    )
    total = _nmo_table(b, rows)
    ctx.data["filter"] = ctx.nmo_filter.describe()
    ctx.data["rows"] = [canonical_row("nmo", r) for r in rows]
    ctx.data["selection_total"] = str(total)


def pick_application(snapshot: Snapshot, application_id: str | None = None) -> Mapping[str, Any]:
    apps = list(snapshot.get("application") or [])
    if application_id:
        for a in apps:
            if str(a.get("id")) == application_id:
                return a
        raise DocumentError(f"Заявление {application_id} не найдено в записи.")
    if not apps:
        raise DocumentError("В записи нет заявления на аккредитацию: сначала заполните заявление.")
    # The one being worked on: an undecided one if any, else the latest.
    open_ = [a for a in apps if a.get("status") in (None, "", "draft", "submitted", "in_review")]
    pool = open_ or apps
    return max(pool, key=lambda a: str(a.get("submitted_at") or "9999"))


def _build_application(b: _Builder, ctx: _Ctx) -> None:
    app = pick_application(ctx.snapshot, ctx.application_id)
    spec = display("application", "specialty_code", app.get("specialty_code"))
    kind = display("application", "kind", app.get("kind"))
    b.para(
        f"Прошу допустить меня к прохождению аккредитации специалиста ({_esc(kind)}) "
        f"по специальности «{_esc(spec)}»."
    )
    b.h2("Заявление")
    b.kv([(f.label, display("application", f.name, app.get(f.name))) for f in schema.APPLICATION.fields])
    b.h2("Сведения о заявителе")
    b.kv(
        _person_pairs(
            ctx.person,
            ("last_name", "first_name", "patronymic", "snils", "birth_date", "phone", "email", "address_registration"),
        )
    )
    for name in ("education", "certificate", "accreditation"):
        b.h2(schema.entity(name).plural)
        _entity_table(b, ctx, name)
    ct = _cycle_section(b, ctx)
    b.story.append(Spacer(1, 10))
    b.para(
        "Достоверность сведений подтверждаю. Согласен на обработку персональных данных "
        "(Федеральный закон от 27.07.2006 № 152-ФЗ)."
    )
    ctx.data["application"] = canonical_row("application", app)
    ctx.data["person"] = canonical_row("person", ctx.person)
    for name in ("education", "certificate", "accreditation"):
        ctx.data[name] = [canonical_row(name, r) for r in ctx.snapshot.get(name) or []]
    ctx.data["cycle"] = ct.as_dict()


_BUILDERS: dict[str, Callable[[_Builder, _Ctx], None]] = {
    "extract": _build_extract,
    "seniority": _build_seniority,
    "nmo": _build_nmo,
    "application": _build_application,
    "nmo_history": _build_nmo_history,
}


def generate(
    kind: str,
    snapshot: Snapshot,
    *,
    today: dt.date | None = None,
    doc_id: str | None = None,
    nmo_filter: NmoFilter | None = None,
    rule: CycleRule | None = None,
    application_id: str | None = None,
) -> GeneratedDocument:
    """Build one document from a record snapshot.

    ``today`` fixes the document date (and the end of open periods); ``doc_id`` a UUID when
    the caller needs a reproducible number (tests, re-issue).
    """
    if kind not in _BUILDERS:
        raise DocumentError(f"Неизвестный вид документа «{kind}»; возможны: {', '.join(_BUILDERS)}.")
    st = _Styles()
    today = today or dt.date.today()
    doc_id = doc_id or str(uuid.uuid4())
    number = f"{_PREFIX[kind]}-{today:%Y%m%d}-{doc_id.replace('-', '')[:8].upper()}"
    person = person_of(snapshot)
    ctx = _Ctx(kind, snapshot, today, person, nmo_filter or NmoFilter(), rule or CycleRule(), application_id)

    body = _Builder(st)
    _BUILDERS[kind](body, ctx)

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
        Paragraph(_esc(TITLES[kind]), st.title),
        Spacer(1, 2),
        Paragraph(f"№ {_esc(number)} от {today:%d.%m.%Y}", st.body),
        Paragraph(f"{_esc(full_name(person))} · СНИЛС {_esc(snils_of(person))}", st.body),
    ]
    qr_size = 27 * mm
    head_right = [_Qr(qr_payload(doc_id, sha), qr_size), Paragraph("код проверки", st.small)]
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

    def canvasmaker(*args: Any, **kwargs: Any) -> _NumberedCanvas:
        c = _NumberedCanvas(*args, **kwargs)
        c.footer_text = footer
        return c

    doc.build(story, canvasmaker=canvasmaker)
    return GeneratedDocument(kind, doc_id, number, today, TITLES[kind], buf.getvalue(), content, sha)
