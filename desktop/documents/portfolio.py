"""«Проверить» an accreditation application (issue 14): the person's portfolio against the rule.

Three things the accreditation commission asks for (docs/domain.md): the НМО credits of the
cycle (the rule set in «Настройки»), a valid certificate or previous accreditation for the
specialty, and education for the specialty. Each shortfall is named concretely — how many
credits of which kind are missing, which document expired when — so the person knows what to
do, not only that something is wrong.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from desktop.documents.nmo import CycleRule, cycle_totals
from desktop.models.formatting import fmt_date
from desktop.models.nsi import NsiRegistry

Record = Mapping[str, Sequence[Mapping[str, Any]]]


def _num(v: Any) -> str:
    s = f"{v:f}".rstrip("0").rstrip(".") if not isinstance(v, str) else v
    return s or "0"


def _valid_on(row: Mapping[str, Any], today: dt.date) -> bool:
    end = row.get("valid_until")
    if not end:
        return True  # no end date written: treated as valid (the registry holds the term)
    try:
        return dt.date.fromisoformat(str(end)) >= today
    except ValueError:
        return False


def shortfalls(application: Mapping[str, Any], record: Record, nsi: NsiRegistry | None = None,
               rule: CycleRule | None = None, today: dt.date | None = None) -> list[str]:
    """What the portfolio lacks for this application, in Russian; empty = ready to submit."""
    today = today or dt.date.today()
    rule = rule or CycleRule()
    spec = str(application.get("specialty_code") or "")
    name = (nsi.name("specialty", spec) if nsi is not None and spec else spec) or "не указана"
    out: list[str] = []
    if not spec:
        out.append("Не указана специальность заявления")
    if not application.get("kind"):
        out.append("Не указан вид аккредитации")
    if application.get("kind") != "periodic":
        # a primary accreditation follows the education itself: no cycle, no earlier document
        return out + _education(spec, name, record)
    accreditations = [r for r in record.get("accreditation", ()) if not r.get("deleted")]
    totals = cycle_totals(record.get("nmo", ()), accreditations, rule, today)
    if totals.missing_total:
        out.append(f"НМО: за цикл {fmt_date(totals.start.isoformat())}–{fmt_date(totals.end.isoformat())} "
                   f"подтверждено {_num(totals.total)} ЗЕТ из {_num(rule.total_hours)}, "
                   f"не хватает {_num(totals.missing_total)}")
    if totals.missing_program:
        out.append(f"НМО: по программам повышения квалификации {_num(totals.program)} ЗЕТ из "
                   f"{_num(rule.program_hours)}, не хватает {_num(totals.missing_program)}")
    if totals.missing_iom_event:
        out.append(f"НМО: по ИОМ и мероприятиям {_num(totals.iom_event)} ЗЕТ из {_num(rule.iom_event_hours)}, "
                   f"не хватает {_num(totals.missing_iom_event)}")
    if totals.pending:
        out.append(f"НМО: {_num(totals.pending)} ЗЕТ ещё не подтверждены оператором и не засчитаны")
    docs = [r for ent in ("certificate", "accreditation") for r in record.get(ent, ())
            if str(r.get("specialty_code") or "") == spec]
    if spec and not any(_valid_on(r, today) for r in docs):
        if docs:
            last = max(str(r.get("valid_until") or "") for r in docs)
            out.append(f"Сертификат специалиста или аккредитация по специальности «{name}» истекли "
                       f"({fmt_date(last)})")
        else:
            out.append(f"Нет действующего сертификата специалиста или аккредитации по специальности «{name}»")
    return out + _education(spec, name, record)


def _education(spec: str, name: str, record: Record) -> list[str]:
    if spec and not any(str(r.get("specialty_code") or "") == spec for r in record.get("education", ())):
        return [f"Нет сведений об образовании по специальности «{name}»"]
    return []

