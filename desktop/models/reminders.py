"""Expiry reminders computed from the record (Qt-free): certificates, accreditation and
categories are valid five years; the cabinet warns 90, 30 and 7 days ahead (a setting) and
keeps warning once a document has expired."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from desktop.i18n import tr, trn
from desktop.models.formatting import fmt_date
from desktop.models.nsi import NsiRegistry

#: entity -> (date field that ends validity, what it is)
EXPIRING = {
    "certificate": ("valid_until", "Сертификат специалиста"),
    "accreditation": ("valid_until", "Аккредитация"),
    "category": ("end_date", "Квалификационная категория"),
}


@dataclass(frozen=True)
class Reminder:
    entity: str
    row_id: str
    what: str
    specialty: str
    due: dt.date
    days_left: int
    threshold: int | None  # the reminder step reached (90/30/7), None when expired

    @property
    def level(self) -> str:
        if self.days_left < 0:
            return "expired"
        return "urgent" if self.days_left <= 7 else "soon"

    def text(self) -> str:
        if self.days_left < 0:
            return tr("истёк {date}").format(date=fmt_date(self.due.isoformat()))
        if self.days_left == 0:
            return tr("истекает сегодня")
        return trn("истекает через {n} день ({date})", "истекает через {n} дня ({date})",
                   "истекает через {n} дней ({date})", self.days_left).format(
            n=self.days_left, date=fmt_date(self.due.isoformat()))


def reminders(record: Mapping[str, Sequence[Mapping[str, Any]]], nsi: NsiRegistry, today: dt.date,
              steps: Sequence[int] = (90, 30, 7)) -> list[Reminder]:
    horizon = max(steps) if steps else 90
    out: list[Reminder] = []
    for entity, (field, what) in EXPIRING.items():
        rows = list(record.get(entity, []))
        for row in rows:
            if not row.get(field):
                continue
            due = dt.date.fromisoformat(str(row[field]))
            left = (due - today).days
            if left > horizon:
                continue
            spec = str(row.get("specialty_code") or "")
            # An expired document that a newer one of the same specialty replaced needs no reminder.
            if left < 0 and any(str(o.get("specialty_code") or "") == spec and o.get(field)
                                and str(o[field]) > str(row[field]) for o in rows):
                continue
            reached = min((s for s in steps if left <= s), default=None) if left >= 0 else None
            out.append(Reminder(entity, str(row.get("id")), what, nsi.name("specialty", spec), due, left, reached))
    return sorted(out, key=lambda r: r.days_left)
