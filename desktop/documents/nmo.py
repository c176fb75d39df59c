"""НМО: filters of «История начислений» and totals against the accreditation cycle rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from desktop.models import nmo_cycle
from desktop.models.validation import add_years


@dataclass(frozen=True)
class CycleRule:
    """Default rule of docs/domain.md; a setting because the Ministry changes it."""

    years: int = nmo_cycle.DEFAULT_YEARS
    total_hours: Decimal = Decimal(144)
    program_hours: Decimal = Decimal(74)
    iom_event_hours: Decimal = Decimal(70)


def rule_from_settings(settings: Mapping[str, Any]) -> CycleRule:
    """The rule a person set in «Настройки» (``nmo_cycle_*``); the default where unset."""
    d = CycleRule()

    def hours(key: str, default: Decimal) -> Decimal:
        try:
            return Decimal(str(settings.get(key, default)))
        except InvalidOperation:
            return default

    return CycleRule(d.years, hours("nmo_cycle_total", d.total_hours), hours("nmo_cycle_program", d.program_hours),
                     hours("nmo_cycle_other", d.iom_event_hours))


@dataclass(frozen=True)
class NmoFilter:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    kinds: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()

    def describe(self) -> dict[str, Any]:
        return {
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "kinds": sorted(self.kinds),
            "statuses": sorted(self.statuses),
        }


def credits(row: Mapping[str, Any]) -> Decimal:
    try:
        return Decimal(str(row.get("credits") or "0"))
    except InvalidOperation:
        return Decimal(0)


def _date(row: Mapping[str, Any]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(row.get("event_date")))
    except ValueError:
        return None


def filter_rows(rows: Iterable[Mapping[str, Any]], flt: NmoFilter) -> list[Mapping[str, Any]]:
    """Rows passing the filter, oldest first (the order of a history)."""
    out = []
    for r in rows:
        d = _date(r)
        if flt.date_from and (d is None or d < flt.date_from):
            continue
        if flt.date_to and (d is None or d > flt.date_to):
            continue
        if flt.kinds and r.get("kind") not in flt.kinds:
            continue
        if flt.statuses and (r.get("status") or "pending") not in flt.statuses:
            continue
        out.append(r)
    return sorted(out, key=lambda r: (str(r.get("event_date") or ""), str(r.get("title") or "")))


@dataclass(frozen=True)
class CycleTotals:
    start: dt.date
    end: dt.date
    rule: CycleRule
    program: Decimal
    iom_event: Decimal
    pending: Decimal

    @property
    def total(self) -> Decimal:
        return self.program + self.iom_event

    @property
    def missing_total(self) -> Decimal:
        return max(Decimal(0), self.rule.total_hours - self.total)

    @property
    def missing_program(self) -> Decimal:
        return max(Decimal(0), self.rule.program_hours - self.program)

    @property
    def missing_iom_event(self) -> Decimal:
        return max(Decimal(0), self.rule.iom_event_hours - self.iom_event)

    @property
    def met(self) -> bool:
        return not (self.missing_total or self.missing_program or self.missing_iom_event)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cycle_start": self.start.isoformat(),
            "cycle_end": self.end.isoformat(),
            "rule": {
                "years": self.rule.years,
                "total_hours": str(self.rule.total_hours),
                "program_hours": str(self.rule.program_hours),
                "iom_event_hours": str(self.rule.iom_event_hours),
            },
            "program": str(self.program),
            "iom_event": str(self.iom_event),
            "total": str(self.total),
            "pending": str(self.pending),
            "met": self.met,
        }


def cycle_start(accreditations: Iterable[Mapping[str, Any]], rule: CycleRule, today: dt.date) -> dt.date:
    """The cycle runs from the latest accreditation (its protocol date) for ``rule.years``.

    Without an accreditation in the record (or when the last one is older than a cycle) the
    cycle is taken as the ``rule.years`` ending today, which is what a new portfolio covers
    (``desktop.models.nmo_cycle``: the organization report counts by the same rule).
    """
    dates = []
    for a in accreditations:
        try:
            dates.append(dt.date.fromisoformat(str(a.get("protocol_date"))))
        except ValueError:
            continue
    return nmo_cycle.cycle_start(dates, today, rule.years)


def cycle_totals(
    rows: Iterable[Mapping[str, Any]],
    accreditations: Iterable[Mapping[str, Any]] = (),
    rule: CycleRule | None = None,
    today: dt.date | None = None,
) -> CycleTotals:
    """Confirmed credits inside the cycle, split as the rule counts them; pending apart."""
    rule = rule or CycleRule()
    today = today or dt.date.today()
    start = cycle_start(accreditations, rule, today)
    end = add_years(start, rule.years) - dt.timedelta(days=1)
    program = iom_event = pending = Decimal(0)
    for r in rows:
        d = _date(r)
        if d is None or d < start or d > end:
            continue
        status = r.get("status") or "pending"
        if status == "rejected":
            continue
        value = credits(r)
        if status != "confirmed":
            pending += value
        elif r.get("kind") == "program":
            program += value
        elif r.get("kind") in ("iom", "event"):
            iom_event += value
    return CycleTotals(start, end, rule, program, iom_event, pending)
