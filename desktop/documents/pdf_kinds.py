"""The body of each generated document kind: «Выписка из ФРМР», «Справка о медицинском стаже»,
«Отчёт о баллах НМО», «История начислений НМО» and «Заявление на аккредитацию».

A builder writes its flowables into a :class:`~desktop.documents.pdf_layout.Builder` and what
it states into ``Ctx.data`` — the canonical content whose SHA-256 the QR code carries, so what
is printed and what is hashed come from the same place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from reportlab.platypus import KeepTogether, Spacer

from desktop.documents.nmo import CycleRule, CycleTotals, NmoFilter, cycle_totals, filter_rows
from desktop.documents.pdf_layout import DATE_W, Builder, esc
from desktop.documents.pdf_values import (
    DocumentError,
    Snapshot,
    canonical_row,
    display,
    fmt_decimal,
    full_name,
    snils_of,
)
from desktop.i18n import tr
from desktop.models import schema
from desktop.models.nsi import NsiRegistry
from desktop.models.seniority import Seniority, compute

# Table cells are narrow; the full labels of schema.NMO_KIND would take three lines.
NMO_KIND_SHORT = {"iom": "ИОМ", "event": "мероприятие", "program": "программа ПК"}


@dataclass
class Ctx:
    kind: str
    snapshot: Snapshot
    today: dt.date
    person: Mapping[str, Any]
    nmo_filter: NmoFilter
    rule: CycleRule
    application_id: str | None
    #: the vault's НСИ (shipped subsets + `frmr nsi import`): a code is printed by its name
    nsi: NsiRegistry
    data: dict[str, Any] = field(default_factory=dict)


def _entity_table(b: Builder, ctx: Ctx, entity: str) -> None:
    spec = schema.entity(entity)
    names = _COLUMNS.get(entity) or [f.name for f in spec.fields if f.column]
    cols = [spec.field(n) for n in names]
    rows = [[display(entity, f.name, r.get(f.name), ctx.nsi) for f in cols] for r in ctx.snapshot.get(entity) or []]
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


def _person_pairs(person: Mapping[str, Any], names: Sequence[str], nsi: NsiRegistry) -> list[tuple[str, str]]:
    return [(schema.PERSON.field(n).label, display("person", n, person.get(n), nsi)) for n in names]


def _build_extract(b: Builder, ctx: Ctx) -> None:
    b.para(
        f"Сведения о медицинском работнике, содержащиеся в Федеральном регистре медицинских "
        f"работников, по состоянию на {ctx.today:%d.%m.%Y}.",
    )
    b.h2(schema.PERSON.plural)
    b.kv(_person_pairs(ctx.person, schema.PERSON.names, ctx.nsi))
    # The worker's own record; requests from organizations and the document archive are not
    # part of the register entry and stay out of the выписка.
    sections = ("education", "certificate", "accreditation", "category", "employment", "nmo", "application")
    for name in sections:
        b.h2(schema.entity(name).plural)
        if name == "nmo":
            _nmo_table(b, filter_rows(ctx.snapshot.get("nmo") or [], NmoFilter()), ctx.nsi)
        else:
            _entity_table(b, ctx, name)
    ctx.data["record"] = {n: [canonical_row(n, r) for r in ctx.snapshot.get(n) or []] for n in ("person", *sections)}


def _seniority(ctx: Ctx) -> Seniority:
    return compute(ctx.snapshot.get("employment") or [], today=ctx.today)


def _build_seniority(b: Builder, ctx: Ctx) -> None:
    cards = list(ctx.snapshot.get("employment") or [])
    sen = _seniority(ctx)
    b.para(
        f"Выдана {esc(full_name(ctx.person))} (СНИЛС {esc(snils_of(ctx.person))}) в том, что "
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
                display("employment", "position_code", c.get("position_code"), ctx.nsi),
                display("employment", "position_type", c.get("position_type"), ctx.nsi),
                display("employment", "contract_kind", c.get("contract_kind"), ctx.nsi),
                str(c.get("profile") or ""),
                display("employment", "begin_date", c.get("begin_date"), ctx.nsi),
                display("employment", "end_date", c.get("end_date"), ctx.nsi) or "по н. в.",
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


def _nmo_rows(ctx: Ctx) -> list[Mapping[str, Any]]:
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


def _nmo_table(b: Builder, rows: Sequence[Mapping[str, Any]], nsi: NsiRegistry) -> Decimal:
    out = []
    total = Decimal(0)
    for i, r in enumerate(rows, 1):
        total += Decimal(str(r.get("credits") or "0"))
        out.append(
            [
                str(i),
                display("nmo", "event_date", r.get("event_date"), nsi),
                NMO_KIND_SHORT.get(str(r.get("kind")), str(r.get("kind") or "")),
                str(r.get("title") or ""),
                str(r.get("provider") or ""),
                display("nmo", "credits", r.get("credits"), nsi),
                display("nmo", "status", r.get("status") or "pending", nsi),
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


def _cycle_section(b: Builder, ctx: Ctx) -> CycleTotals:
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
    b.para(f"<b>{esc(verdict)}</b>", b.st.verdict)
    # Heading, rule and verdict read as one block: never leave the heading alone on a page.
    b.story[start:] = [KeepTogether(b.story[start:])]
    return ct


def _build_nmo(b: Builder, ctx: Ctx) -> None:
    rows = _nmo_rows(ctx)
    b.para(
        f"Медицинский работник: {esc(full_name(ctx.person))}, СНИЛС {esc(snils_of(ctx.person))}. "
        f"Отбор: {esc(_filter_text(ctx.nmo_filter))}."
    )
    b.h2("Начисления")
    total = _nmo_table(b, rows, ctx.nsi)
    ct = _cycle_section(b, ctx)
    ctx.data["filter"] = ctx.nmo_filter.describe()
    ctx.data["rows"] = [canonical_row("nmo", r) for r in rows]
    ctx.data["selection_total"] = str(total)
    ctx.data["cycle"] = ct.as_dict()


def _build_nmo_history(b: Builder, ctx: Ctx) -> None:
    rows = _nmo_rows(ctx)
    b.para(
        f"{esc(full_name(ctx.person))}, СНИЛС {esc(snils_of(ctx.person))}. "
        f"Отбор: {esc(_filter_text(ctx.nmo_filter))}."
    )
    total = _nmo_table(b, rows, ctx.nsi)
    ctx.data["filter"] = ctx.nmo_filter.describe()
    ctx.data["rows"] = [canonical_row("nmo", r) for r in rows]
    ctx.data["selection_total"] = str(total)


def pick_application(snapshot: Snapshot, application_id: str | None = None) -> Mapping[str, Any]:
    apps = list(snapshot.get("application") or [])
    if application_id:
        for a in apps:
            if str(a.get("id")) == application_id:
                return a
        raise DocumentError(tr("Заявление {application_id} не найдено в записи.").format(application_id=application_id))
    if not apps:
        raise DocumentError(tr("В записи нет заявления на аккредитацию: сначала заполните заявление."))
    # The one being worked on: an undecided one if any, else the latest.
    open_ = [a for a in apps if a.get("status") in (None, "", "draft", "submitted", "in_review")]
    pool = open_ or apps
    return max(pool, key=lambda a: str(a.get("submitted_at") or "9999"))


def _build_application(b: Builder, ctx: Ctx) -> None:
    app = pick_application(ctx.snapshot, ctx.application_id)
    spec = display("application", "specialty_code", app.get("specialty_code"), ctx.nsi)
    kind = display("application", "kind", app.get("kind"), ctx.nsi)
    b.para(
        f"Прошу допустить меня к прохождению аккредитации специалиста ({esc(kind)}) "
        f"по специальности «{esc(spec)}»."
    )
    b.h2("Заявление")
    b.kv([(f.label, display("application", f.name, app.get(f.name), ctx.nsi)) for f in schema.APPLICATION.fields])
    b.h2("Сведения о заявителе")
    b.kv(
        _person_pairs(
            ctx.person,
            ("last_name", "first_name", "patronymic", "snils", "birth_date", "phone", "email", "address_registration"),
            ctx.nsi,
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


BUILDERS: dict[str, Callable[[Builder, Ctx], None]] = {
    "extract": _build_extract,
    "seniority": _build_seniority,
    "nmo": _build_nmo,
    "application": _build_application,
    "nmo_history": _build_nmo_history,
}
