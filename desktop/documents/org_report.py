"""The manager's dashboard as a statistical report (issue 15): PDF and .xlsx from the figures of
``GET /orgs/{inn}/report`` (server/reports.py; the same dict `frmr report org --format json` prints).

PDF: the one embedded Cyrillic font, tables with every number, a bar chart beside each table
(drawn on the canvas with that font, so no Helvetica sneaks in), «Страница N из M».
.xlsx: one sheet per table, typed cells (integers, Decimal rates, real dates), every text
through the formula guard (a subdivision named «=HYPERLINK(…)» stays text).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from desktop.i18n import N_
from desktop.models.nsi import NsiRegistry

KINDS = {"certificate": N_("Сертификат"), "accreditation": N_("Аккредитация"), "category": N_("Категория")}


def _label_sub(v: str) -> str:
    return v or "без подразделения"


def nmo_label(b: dict[str, Any]) -> str:
    return f"{b['from']}–{b['to']} %" if b.get("to") is not None else f"≥ {b['from']} %"


def age_label(b: dict[str, Any]) -> str:
    return f"{b['from_days']}–{b['to_days']} дн." if b.get("to_days") is not None else f"> {b['from_days']} дн."


def _dec(v: Any) -> Decimal:
    try:
        return Decimal(str(v))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def _date(v: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(v)[:10])
    except ValueError:
        return None


def tables(data: dict[str, Any], nsi: NsiRegistry | None = None) -> list[tuple[str, list[str], list[list[Any]]]]:
    """(title, header, typed rows) of every table of the report — the PDF, the .xlsx and the
    dashboard's «числа таблицей» all show these."""
    nsi = nsi or NsiRegistry.shipped()
    exp = data.get("expiring") or {}
    conf = data.get("confirmations") or {}
    req = data.get("requests") or {}
    summary: list[list[Any]] = [
        # N_: the report stays Russian; the dashboard shows these labels through tr()
        [N_("Сотрудников (работают сейчас)"), int(data.get("headcount") or 0)],
        [N_("Документ истёк"), int(exp.get("expired") or 0)],
        [N_("Истекает в ближайшие 30 дней"), int(exp.get("30") or 0)],
        [N_("Истекает в ближайшие 90 дней"), int(exp.get("90") or 0)],
        [N_("Подтверждений ждут решения"), int(data.get("confirmations_pending") or 0)],
        [N_("Запросов открыто"), int(data.get("requests_open") or 0)],
        [N_("Запросов с ответом"), int(req.get("answered") or 0)],
    ]
    if conf.get("oldest_days") is not None:
        summary.append([N_("Самое давнее подтверждение ждёт, дней"), int(conf["oldest_days"])])
    return [
        ("Сводка", ["Показатель", "Значение"], summary),
        ("Численность по подразделениям", ["Подразделение", "Сотрудников", "Карточек", "Ставок"],
         [[_label_sub(r.get("subdivision", "")), int(r["headcount"]), int(r["cards"]), _dec(r["rate"])]
          for r in data.get("by_subdivision") or []]),
        ("Численность по должностям", ["Должность", "Сотрудников", "Карточек", "Ставок"],
         [[nsi.name("position", r.get("position_code")) or "не указана", int(r["headcount"]), int(r["cards"]),
           _dec(r["rate"])] for r in data.get("by_position") or []]),
        (f"Выполнение цикла НМО (из {data.get('nmo_required', 144)} ч)", ["Выполнено", "Сотрудников"],
         [[nmo_label(b), int(b["count"])] for b in data.get("nmo_compliance") or []]),
        ("Подтверждения по сроку ожидания", ["Ждут", "Запросов"],
         [[age_label(b), int(b["count"])] for b in conf.get("by_age") or []]),
        ("Истекающие и истёкшие документы", ["Срок", "Вид", "Сотрудник", "СНИЛС"],
         [[_date(i["date"]) or i["date"], KINDS.get(i["kind"], i["kind"]), i.get("name") or "", i.get("snils") or ""]
          for i in data.get("expiring_items") or []]),
    ]


#: which tables get a bar chart in the PDF (title index -> value column)
_CHARTED = {1: 1, 2: 1, 3: 1, 4: 1}


def _text(v: Any) -> str:
    if isinstance(v, dt.date):
        return f"{v:%d.%m.%Y}"
    if isinstance(v, Decimal):
        return f"{v:.2f}".replace(".", ",")
    return str(v)


def report_pdf(data: dict[str, Any], org_name: str = "", nsi: NsiRegistry | None = None) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate, Spacer

    from desktop.documents.org_report_chart import BarChart
    from desktop.documents.pdf_layout import MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, Builder, NumberedCanvas, Styles, esc

    st = Styles()
    b = Builder(st)
    name = org_name or str(data.get("org_name") or "")
    b.para(esc("Статистический отчёт по организации"), st.title)
    b.para(esc(f"{name} (ИНН {data.get('org_inn')})"), st.body)
    as_of = str(data.get("as_of") or "")
    try:
        when = dt.datetime.fromisoformat(as_of).astimezone().strftime("%d.%m.%Y %H:%M")
    except ValueError:
        when = as_of
    flt = {k: v for k, v in (data.get("filters") or {}).items() if v}
    b.para(esc(f"Данные на {when}" + ("; отбор: " + ", ".join(f"{k} = {v}" for k, v in flt.items()) if flt else "")),
           st.org)
    if int(data.get("headcount") or 0) == 0:
        b.para(esc("В организации нет работающих сотрудников: показателей по персоналу нет."), st.body)
    for i, (title, header, rows) in enumerate(tables(data, nsi)):
        b.h2(title)
        if i == 5 and rows:
            # up to 500 rows: plain cells (a Paragraph per cell cost seconds) in the one font
            b.story.append(_plain_table(header, [[_text(c) for c in r] for r in rows]))
            continue
        widths: Sequence[float] = [0] + [28] * (len(header) - 1)
        b.table(header, [[_text(c) for c in r] for r in rows], widths)
        col = _CHARTED.get(i)
        if col is not None and rows and any(r[col] for r in rows):
            b.story.append(Spacer(1, 4))
            b.story.append(BarChart([(str(r[0]), float(r[col])) for r in rows]))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
                            bottomMargin=MARGIN_BOTTOM, title=f"Статистический отчёт — {name}",
                            creator="ФРМР Desktop")
    footer = f"Статистический отчёт · ИНН {data.get('org_inn')} · {when}"

    def canvasmaker(*args: Any, **kwargs: Any) -> NumberedCanvas:
        c = NumberedCanvas(*args, **kwargs)
        c.footer_text = footer
        return c

    doc.build(b.story, canvasmaker=canvasmaker)
    return buf.getvalue()


def _plain_table(header: list[str], rows: list[list[str]]) -> Any:
    from reportlab.lib.units import mm
    from reportlab.platypus import Table, TableStyle

    from desktop.documents import fonts
    from desktop.documents.pdf_layout import CONTENT_W, TABLE_STYLE

    widths = [22 * mm, 28 * mm, CONTENT_W - 78 * mm, 28 * mm]
    t = Table([header, *rows], colWidths=widths, repeatRows=1)
    t.setStyle(TableStyle([*TABLE_STYLE, ("FONTSIZE", (0, 0), (-1, -1), 7.5),
                           ("FONTNAME", (0, 0), (-1, 0), fonts.BOLD)]))
    return t


def report_xlsx(data: dict[str, Any], nsi: NsiRegistry | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from desktop.models.textrules import spreadsheet_cell

    wb = Workbook()
    first = True
    for title, header, rows in tables(data, nsi):
        ws = wb.active if first else wb.create_sheet()
        first = False
        assert ws is not None
        # sheet titles: at most 31 characters, none of []:*?/\
        ws.title = title[:31].translate({ord(c): " " for c in "[]:*?/\\"})
        ws.append(header)
        for c in ws[1]:
            c.font = Font(bold=True)
        for r in rows:
            ws.append([spreadsheet_cell(v) for v in r])
        for row in ws.iter_rows(min_row=2):
            for c in row:
                if isinstance(c.value, dt.date):
                    c.number_format = "DD.MM.YYYY"
                elif isinstance(c.value, Decimal):
                    c.number_format = "0.00"
        for n in range(1, len(header) + 1):
            ws.column_dimensions[get_column_letter(n)].width = 42 if n == 1 else 16
        ws.freeze_panes = "A2"
    meta = wb.create_sheet("Сведения")
    chosen = ", ".join(f"{k}={v}" for k, v in (data.get("filters") or {}).items() if v)
    for label, value in (("ИНН", data.get("org_inn")), ("Организация", data.get("org_name") or ""),
                         ("Данные на", data.get("as_of")), ("Отбор", chosen)):
        meta.append([label, spreadsheet_cell(str(value or ""))])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
