"""Стаж by the docs/domain.md rule: the worked examples, then properties."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given
from hypothesis import strategies as st

from desktop.models.seniority import Span, compute, merge_periods, period_length, total

D = dt.date


def card(b: str, e: str | None, kind: str = "labor", profile: str = "терапия") -> dict[str, object]:
    return {"begin_date": b, "end_date": e, "contract_kind": kind, "profile": profile}


def test_domain_examples() -> None:
    assert period_length(D(2020, 1, 1), D(2020, 12, 31)) == Span(1, 0, 0)
    assert period_length(D(2020, 1, 15), D(2020, 2, 14)) == Span(0, 1, 0)
    assert period_length(D(2020, 1, 15), D(2020, 1, 20)) == Span(0, 0, 6)
    assert period_length(D(2020, 1, 1), D(2020, 1, 1)) == Span(0, 0, 1)


def test_carry_30_days_and_12_months() -> None:
    assert total([Span(0, 11, 20), Span(0, 0, 15)]) == Span(1, 0, 5)
    assert total([Span(1, 6, 29), Span(2, 6, 1)]) == Span(4, 1, 0)


def test_overlap_counts_once_and_civil_excluded() -> None:
    cards = [
        card("2015-01-01", "2016-12-31"),
        card("2016-01-01", "2017-12-31", profile="скорая помощь"),  # overlaps one year
        card("2010-01-01", "2014-12-31", kind="civil"),  # ГПХ: not counted
    ]
    s = compute(cards, today=D(2025, 1, 1))
    assert s.total == Span(3, 0, 0)
    assert s.by_profile["терапия"] == Span(2, 0, 0)
    assert s.by_profile["скорая помощь"] == Span(2, 0, 0)


def test_adjacent_periods_merge() -> None:
    s = compute([card("2020-01-01", "2020-06-30"), card("2020-07-01", "2020-12-31")], today=D(2025, 1, 1))
    assert s.total == Span(1, 0, 0)
    assert len(s.merged) == 1


def test_open_card_runs_to_today() -> None:
    s = compute([card("2024-01-01", None)], today=D(2024, 12, 31))
    assert s.total == Span(1, 0, 0)


dates = st.dates(min_value=D(1990, 1, 1), max_value=D(2025, 12, 31))


@st.composite
def periods(draw: st.DrawFn) -> list[tuple[dt.date, dt.date]]:
    out = []
    for _ in range(draw(st.integers(0, 6))):
        b = draw(dates)
        e = b + dt.timedelta(days=draw(st.integers(0, 3000)))
        out.append((b, e))
    return out


@given(periods())
def test_merge_is_disjoint_sorted_and_covers_same_days(ps: list[tuple[dt.date, dt.date]]) -> None:
    merged = merge_periods(ps)
    for (b1, e1), (b2, _) in itertools.pairwise(merged):
        assert e1 + dt.timedelta(days=1) < b2  # not even adjacent
        assert b1 <= e1
    days: set[dt.date] = set()
    for b, e in ps:
        days.update(b + dt.timedelta(days=i) for i in range((e - b).days + 1))
    merged_days = sum((e - b).days + 1 for b, e in merged)
    assert merged_days == len(days)


@given(periods(), st.randoms())
def test_order_does_not_matter(ps: list[tuple[dt.date, dt.date]], rnd: object) -> None:
    cards = [card(b.isoformat(), e.isoformat()) for b, e in ps]
    shuffled = list(cards)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    today = D(2026, 1, 1)
    assert compute(cards, today=today).total == compute(shuffled, today=today).total


@given(dates, st.integers(0, 20000))
def test_period_length_is_normalised_and_close_to_days(b: dt.date, n: int) -> None:
    e = b + dt.timedelta(days=n)
    s = period_length(b, e)
    assert 0 <= s.months < 12 and 0 <= s.days < 31
    approx = s.years * 365.25 + s.months * 30.44 + s.days
    assert abs(approx - (n + 1)) <= 3 + (n + 1) * 0.002


@given(periods())
def test_duplicating_cards_changes_nothing(ps: list[tuple[dt.date, dt.date]]) -> None:
    cards = [card(b.isoformat(), e.isoformat()) for b, e in ps]
    today = D(2026, 1, 1)
    assert compute(cards + cards, today=today).total == compute(cards, today=today).total


@given(periods())
def test_total_is_normalised(ps: list[tuple[dt.date, dt.date]]) -> None:
    s = compute([card(b.isoformat(), e.isoformat()) for b, e in ps], today=D(2026, 1, 1)).total
    assert 0 <= s.months < 12 and 0 <= s.days < 30
