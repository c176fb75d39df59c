"""«Сотрудники» in SQL (desktop/models/staff_list.py) on a real vault: one row per person of the
organization, cards folded in, search by ФИО/СНИЛС/position, filters, sort, counts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.demo import ORG_GKB, ORG_POLY
from desktop.models import staff_list as sl
from desktop.models.repository import RecordRepository
from tests.gui.hr_vault import hr_connection

DAY = "2026-12-02"


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, RecordRepository]]:
    with hr_connection(tmp_path_factory.mktemp("hr"), 300) as c:
        yield c


def ids(conn: tuple[Any, RecordRepository], **kw: Any) -> list[int]:
    raw, repo = conn
    return sl.fetch_ids(raw, sl.StaffQuery(org_inn=ORG_GKB["org_inn"], **kw), repo.nsi(), DAY)


def rows(conn: tuple[Any, RecordRepository], got: list[int], org: str | None = ORG_GKB["org_inn"]) -> list[sl.StaffRow]:
    fetched = sl.fetch_rows(conn[0], got, org, DAY)
    return [fetched[x] for x in got]


def test_one_row_per_person_sorted_by_name(conn: tuple[Any, RecordRepository]) -> None:
    got = ids(conn)
    assert len(got) == 300 == len(set(got))
    names = [(r.last_name, r.first_name, r.patronymic or "") for r in rows(conn, got)]
    assert names == sorted(names)
    back = ids(conn, descending=True)
    assert back == list(reversed(got))


def test_cards_are_folded_into_the_row(conn: tuple[Any, RecordRepository]) -> None:
    raw, repo = conn
    every = rows(conn, ids(conn))
    active = [r for r in every if r.state == "active"]
    dismissed = [r for r in every if r.state == "dismissed"]
    assert active and dismissed and len(active) + len(dismissed) == 300
    r = active[0]
    assert r.positions and r.rate > 0 and r.begin_date
    text = sl.cell(r, "positions", repo.nsi())
    assert text and not text.isdigit()  # position by name, not by code
    assert sl.cell(r, "snils", repo.nsi()).count("-") == 2
    assert sl.cell(dismissed[0], "state", repo.nsi()) == "уволен"
    # Only this organization's cards: a person part-time in поликлиника № 12 counts one rate here.
    poly = raw.execute("SELECT person_id FROM rec_employment WHERE org_inn = ?", [ORG_POLY["org_inn"]]).fetchall()
    if poly:
        pid = poly[0][0]
        row = next(x for x in every if x.id == pid)
        whole = rows(conn, [row.rowid], None)[0]
        assert whole.cards == row.cards + 1


def test_search_by_name_snils_and_position(conn: tuple[Any, RecordRepository]) -> None:
    every = rows(conn, ids(conn))
    target = every[len(every) // 2]
    found = rows(conn, ids(conn, search=target.last_name.lower()))
    assert found and all(target.last_name.casefold() in r.fio.casefold() for r in found)
    assert target.id in {r.id for r in found}
    assert [r.id for r in rows(conn, ids(conn, search=target.snils[:9]))] == [target.id]
    formatted = sl.cell(target, "snils", conn[1].nsi())
    assert target.id in {r.id for r in rows(conn, ids(conn, search=formatted[:7]))}
    nurses = rows(conn, ids(conn, search="медицинская сестра"))
    assert nurses and len(nurses) < 300
    assert all(any(p in ("28", "29", "30", "31", "32", "33") for p in r.positions) or
               any(p in ("28", "29", "30", "31", "32", "33") for p in _all_positions(conn, r.id)) for r in nurses)
    two = rows(conn, ids(conn, search=target.last_name[:2]))
    assert target.id in {r.id for r in two} and all(r.last_name.startswith(target.last_name[:2]) for r in two)
    assert ids(conn, search="Нетакойфамилии") == []


def _all_positions(conn: tuple[Any, RecordRepository], pid: str) -> list[str]:
    return [r[0] for r in conn[0].execute("SELECT position_code FROM rec_employment WHERE person_id = ?",
                                          [pid]).fetchall()]


def test_filters(conn: tuple[Any, RecordRepository]) -> None:
    raw, _repo = conn
    active = rows(conn, ids(conn, state="active"))
    dismissed = rows(conn, ids(conn, state="dismissed"))
    assert {r.state for r in active} == {"active"} and {r.state for r in dismissed} == {"dismissed"}
    assert len(active) + len(dismissed) == 300
    subs = sl.subdivisions(raw, ORG_GKB["org_inn"])
    assert "Хирургическое отделение" in subs
    surg = rows(conn, ids(conn, subdivision="Хирургическое отделение"))
    assert surg and all(
        "Хирургическое отделение" in [x[0] for x in raw.execute(
            "SELECT subdivision FROM rec_employment WHERE person_id = ?", [r.id]).fetchall()] for r in surg)
    part = rows(conn, ids(conn, position_type="internal_part_time"))
    assert part and all("internal_part_time" in r.position_types or r.state == "dismissed" for r in part)
    expiring = ids(conn, expiring=True)
    until = "2027-03-02"
    for r in rows(conn, expiring):
        got = raw.execute("SELECT valid_until FROM rec_accreditation WHERE person_id = ?", [r.id]).fetchall()
        assert any(DAY <= v[0] <= until for v in got)
    combined = ids(conn, state="active", subdivision="Хирургическое отделение")
    assert set(combined) <= set(ids(conn, state="active"))


def test_sort_by_folded_columns(conn: tuple[Any, RecordRepository]) -> None:
    by_rate = rows(conn, ids(conn, sort="rate", descending=True))
    rates = [r.rate for r in by_rate if r.state == "active"]
    assert rates == sorted(rates, reverse=True)
    by_begin = [r.begin_date for r in rows(conn, ids(conn, sort="begin_date"))]
    assert by_begin[0] is not None and by_begin[0] <= by_begin[-1]  # type: ignore[operator]


def test_counts_and_an_unknown_organization(conn: tuple[Any, RecordRepository], tmp_path: Path) -> None:
    raw, repo = conn
    c = sl.counts(raw, ORG_GKB["org_inn"], DAY)
    assert c.total == 300 and c.active + c.dismissed == 300 and c.dismissed > 0
    assert sl.fetch_ids(raw, sl.StaffQuery(org_inn="7700000000"), repo.nsi(), DAY) == []
    # The vault's every person when the clerk's organization is not known.
    assert len(sl.fetch_ids(raw, sl.StaffQuery(), repo.nsi(), DAY)) == 300
