"""Стаж by the canonical rule of docs/domain.md.

1. keep labor-contract cards, merge overlapping or adjacent periods (an open card runs to today);
2. per merged period, both ends inclusive: full years, then full months, then days;
3. sum the parts, carry every 30 days into a month and every 12 months into a year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from desktop.i18n import N_, tr

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Span:
    years: int = 0
    months: int = 0
    days: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"years": self.years, "months": self.months, "days": self.days}

    def __str__(self) -> str:
        return f"{self.years} л. {self.months} мес. {self.days} дн."


#: the profile of cards that name none; shown through tr() (profiles themselves are record data)
NO_PROFILE = N_("без профиля")


def span_text(s: Span) -> str:
    """A span as the interface says it («17 л. 3 мес. 1 дн.»); ``str(span)`` stays Russian for the PDFs."""
    return tr("{y} л. {m} мес. {d} дн.").format(y=s.years, m=s.months, d=s.days)


def profile_name(profile: str) -> str:
    return tr(profile) if profile == NO_PROFILE else profile


def _month_mark(d: dt.date, months: int) -> dt.date:
    """The day on which ``months`` full months from ``d`` are complete.

    Normally the same day-of-month; when that day does not exist (31 Jan + 1 month) the
    month is complete on the first day of the following month.
    """
    y, m = divmod(d.month - 1 + months, 12)
    try:
        return d.replace(year=d.year + y, month=m + 1)
    except ValueError:
        y2, m2 = divmod(m + 1, 12)
        return dt.date(d.year + y + y2, m2 + 1, 1)


def period_length(begin: dt.date, end: dt.date) -> Span:
    """Full years, then full months, then days of [begin, end], both ends inclusive.

    Counted on ``end + 1 day`` so that 01.01–31.12 is one year and 15.01–14.02 one month.
    """
    if end < begin:
        return Span()
    stop = end + ONE_DAY
    months = (stop.year - begin.year) * 12 + (stop.month - begin.month)
    while months > 0 and _month_mark(begin, months) > stop:
        months -= 1
    mark = _month_mark(begin, months) if months > 0 else begin
    return Span(months // 12, months % 12, (stop - mark).days)


def merge_periods(periods: Iterable[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    """Merge overlapping or adjacent (next begins the day after) inclusive periods."""
    merged: list[tuple[dt.date, dt.date]] = []
    for b, e in sorted(p for p in periods if p[1] >= p[0]):
        if merged and b <= merged[-1][1] + ONE_DAY:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((b, e))
    return merged


def total(spans: Iterable[Span]) -> Span:
    y = m = d = 0
    for s in spans:
        y, m, d = y + s.years, m + s.months, d + s.days
    m += d // 30
    d %= 30
    y += m // 12
    m %= 12
    return Span(y, m, d)


def counted_periods(
    cards: Iterable[Mapping[str, Any]], today: dt.date
) -> list[tuple[dt.date, dt.date, Mapping[str, Any]]]:
    """Labor-contract cards as inclusive (begin, end) dates; open cards end today."""
    out = []
    for c in cards:
        if c.get("contract_kind") != "labor" or not c.get("begin_date"):
            continue
        b = dt.date.fromisoformat(str(c["begin_date"]))
        e = dt.date.fromisoformat(str(c["end_date"])) if c.get("end_date") else today
        e = min(e, today)
        if e >= b:
            out.append((b, e, c))
    return out


@dataclass(frozen=True)
class Seniority:
    total: Span
    by_profile: dict[str, Span]
    merged: list[tuple[dt.date, dt.date, Span]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total.as_dict(),
            "by_profile": {k: v.as_dict() for k, v in self.by_profile.items()},
        }


def compute(cards: Iterable[Mapping[str, Any]], today: dt.date | None = None) -> Seniority:
    today = today or dt.date.today()
    periods = counted_periods(cards, today)
    merged = merge_periods((b, e) for b, e, _ in periods)
    merged_spans = [(b, e, period_length(b, e)) for b, e in merged]
    by_profile: dict[str, Span] = {}
    profiles = sorted({str(c.get("profile") or "") for _, _, c in periods})
    for prof in profiles:
        mp = merge_periods((b, e) for b, e, c in periods if str(c.get("profile") or "") == prof)
        by_profile[prof or NO_PROFILE] = total(period_length(b, e) for b, e in mp)
    return Seniority(total(s for _, _, s in merged_spans), by_profile, merged_spans)
