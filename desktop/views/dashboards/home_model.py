"""«Главная» — the doctor's overview (issue 15), read on the DB worker from the open record: стаж,
the НМО cycle by year, the expiries ahead, what waits (requests, confirmations, applications,
unsent changes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from desktop.documents.nmo import credits, cycle_start, rule_from_settings
from desktop.i18n import N_, tr
from desktop.models import seniority
from desktop.models.formatting import display_field
from desktop.models.repository import RecordRepository
from desktop.models.validation import add_years
from desktop.views.dashboards.charts import ChartData

NMO_KINDS = (("program", N_("Программы ПК")), ("iom", N_("ИОМ")), ("event", N_("Мероприятия")))
EXPIRIES = (("certificate", "valid_until", N_("Сертификат")), ("accreditation", "valid_until", N_("Аккредитация")),
            ("category", "end_date", N_("Категория")))


@dataclass(frozen=True)
class Expiry:
    day: dt.date
    kind: str
    text: str


@dataclass(frozen=True)
class Waiting:
    #: the section a click opens ("" = none)
    section: str
    label: str
    count: int


@dataclass
class Home:
    today: dt.date
    seniority: str
    by_profile: list[tuple[str, str]]
    cycle_text: str
    nmo: ChartData
    nmo_rows: list[list[Any]]
    expiries: list[Expiry]
    waiting: list[Waiting]


def _day(v: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(v)[:10])
    except ValueError:
        return None


def nmo_by_year(rows: Sequence[Mapping[str, Any]], start: dt.date, end: dt.date, required: Decimal,
                today: dt.date) -> tuple[ChartData, list[list[Any]]]:
    """Confirmed credits of the cycle per calendar year, stacked by kind, with the running total
    (the line) against the rule's requirement (the marker)."""
    years = list(range(start.year, end.year + 1))
    per: dict[str, dict[int, Decimal]] = {k: dict.fromkeys(years, Decimal(0)) for k, _ in NMO_KINDS}
    for r in rows:
        d = _day(r.get("event_date"))
        if d is None or not start <= d <= end or (r.get("status") or "pending") != "confirmed":
            continue
        kind = str(r.get("kind") or "")
        if kind in per:
            per[kind][d.year] += credits(r)
    running = Decimal(0)
    line: list[float] = []
    table: list[list[Any]] = []
    for y in years:
        year_total = sum((per[k][y] for k, _ in NMO_KINDS), Decimal(0))
        running += year_total
        line.append(float(running))
        table.append([str(y), *[float(per[k][y]) for k, _ in NMO_KINDS], float(running)])
    data = ChartData([str(y) for y in years], [[float(per[k][y]) for y in years] for k, _ in NMO_KINDS],
                     [tr(name) for _, name in NMO_KINDS], line=line, line_name=tr("Накоплено"),
                     marker=float(required), marker_name=tr("Требуется {n} ч").format(n=f"{required:g}"), unit=tr(" ч"),
                     today=years.index(today.year) if today.year in years else None)
    return data, table


def _span(s: seniority.Span) -> str:
    return tr("{y} л. {m} мес. {d} дн.").format(y=s.years, m=s.months, d=s.days)


def load_home(repo: RecordRepository, settings: Mapping[str, Any], today: dt.date | None = None) -> Home:
    """On the DB worker: everything «Главная» shows, from one snapshot of the record."""
    today = today or dt.date.today()
    snap = repo.snapshot()
    sen = seniority.compute(snap.get("employment", []), today)
    rule = rule_from_settings(settings)
    start = cycle_start(snap.get("accreditation", []), rule, today)
    end = add_years(start, rule.years) - dt.timedelta(days=1)  # as documents.nmo.cycle_totals counts it
    chart, table = nmo_by_year(snap.get("nmo", []), start, end, rule.total_hours, today)
    done = Decimal(str(table[-1][-1])) if table else Decimal(0)
    need = rule.total_hours

    def hours(v: Decimal) -> str:
        return f"{float(v):g}".replace(".", ",")

    cycle_text = (tr("Цикл НМО {start}–{end}: подтверждено {done} из {need} ч").format(
        start=f"{start:%d.%m.%Y}", end=f"{end:%d.%m.%Y}", done=hours(done), need=hours(need))
        + ("" if done >= need else tr(", не хватает {n} ч").format(n=hours(need - done))))
    expiries = []
    nsi = repo.nsi()
    for entity, key, label in EXPIRIES:
        for r in snap.get(entity, []):
            d = _day(r.get(key))
            if d is not None:
                # The specialty by its name, as every other screen shows it (the code is a key).
                specialty = display_field(entity, "specialty_code", r.get("specialty_code"), nsi)
                expiries.append(Expiry(d, tr(label), f"{tr(label)}: {specialty}" if specialty else tr(label)))
    expiries.sort(key=lambda e: e.day)
    requests = sum(str(r.get("status")) in ("new", "acknowledged") for r in snap.get("request", []))
    confirmations = sum(str(r.get("status")) == "submitted" for r in snap.get("employment", []))
    applications = sum(str(r.get("status")) in ("draft", "submitted", "in_review") for r in snap.get("application", []))
    waiting = [Waiting("requests", N_("Открытые запросы организаций"), requests),
               Waiting("employment", N_("Карточки на подтверждении"), confirmations),
               Waiting("application", N_("Заявления на аккредитацию в работе"), applications),
               # no section: sending is the menu «Синхронизация» (F5)
               Waiting("", N_("Неотправленные изменения"), repo.pending_count())]
    return Home(today, _span(sen.total), [(seniority.profile_name(k), _span(v)) for k, v in sen.by_profile.items()],
                cycle_text, chart, table,
                expiries, waiting)
