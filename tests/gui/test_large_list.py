"""A staff-wide list (every person's cards, as an HR vault holds them): a search narrows the list
already shown instead of sorting it again in the vault, and still finds what a person expects
(the card's own text, its enum and НСИ names, its person's ФИО and СНИЛС); an edit repaints its
row at once and re-reads the list only when it can move rows."""

from __future__ import annotations

import random
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.models import listing
from desktop.models.checkdigits import make_inn10, make_snils
from desktop.models.formatting import display
from desktop.models.nsi import shipped
from desktop.models.repository import remember_account, table
from desktop.models.schema import ENTITIES
from desktop.views.record.record_store import RecordStore
from desktop.views.widgets.id_table_model import IdTableModel
from tests.gui.test_id_table_model import WAIT, _ready, store  # noqa: F401 - the fixture

LAST = ["Иванов", "Петрова", "Смирнов", "Кузнецова", "Орлов"]
FIRST = ["Анна", "Дмитрий", "Ольга", "Сергей"]
INN = make_inn10("770000000")
ORGS = ["ГБУЗ «Больница № 7»", "ГБУЗ «Больница № 17»", "Поликлиника № 3", "Клиника «Здоровье»"]


def _fill(s: RecordStore, persons: int = 120, cards: int = 600) -> None:
    rnd = random.Random(7)
    people = [{"id": f"10000000-0000-0000-0000-{i:012d}", "person_id": f"10000000-0000-0000-0000-{i:012d}",
               "version": 1, "updated_at": "2026-01-01", "snils": make_snils(f"{3_000_000 + i * 11:09d}"),
               "last_name": rnd.choice(LAST), "first_name": rnd.choice(FIRST)} for i in range(persons)]
    rows = []
    for j in range(cards):
        begin = f"{1995 + j % 25}-{1 + j % 12:02d}-01"
        rows.append({
            "id": f"20000000-0000-0000-0000-{j:012d}", "person_id": people[j % persons]["id"], "version": 1,
            "updated_at": "2026-01-01", "org_name": rnd.choice(ORGS), "org_inn": INN,
            "position_code": str(1 + j % 10), "position_type": "main" if j % 3 else "external_part_time",
            "contract_kind": "labor", "rate": rnd.choice(["1", "0.5", "0.25"]), "begin_date": begin,
            "end_date": None, "profile": "терапия", "status": "submitted",
        })
    with s.repo.vault.begin() as conn:
        conn.execute(table("person").insert(), people)
        conn.execute(table("employment").insert(), rows)
        remember_account(conn, "hr", [{"inn": INN, "name": ORGS[0]}])


def _reference(s: RecordStore, term: str, sort: str, descending: bool) -> list[str]:
    """What a person expects: cards whose shown text, or whose person's ФИО/СНИЛС, holds the term."""
    nsi = shipped()
    spec, pspec = ENTITIES["employment"], ENTITIES["person"]
    with s.repo.vault.read() as conn:
        cards = [dict(r) for r in conn.execute(table("employment").select()).mappings()]
        people = {r["id"]: dict(r) for r in conn.execute(table("person").select()).mappings()}
    t = term.casefold()

    def shown(r: dict[str, Any], sp: Any) -> str:
        return " ".join(display(f, r.get(f.name), nsi) for f in sp.fields if f.column or f.kind == "str")

    got = [c for c in cards if t in shown(c, spec).casefold()
           or (c["person_id"] in people and t in shown(people[c["person_id"]], pspec).casefold())]
    got.sort(key=lambda c: (c[sort] or "", c["id"]), reverse=descending)
    return [c["id"] for c in got]


def _shown_ids(model: IdTableModel) -> list[str]:
    qt_ids = []
    for r in range(model.rowCount()):
        row = model.row_at(r)
        qt_ids.append(str(row["id"]) if row else None)
    return qt_ids  # type: ignore[return-value]


@pytest.mark.parametrize("term", ["больница № 17", "петрова", "ОЛЬГА", "врач", "внешн", "1997", "xyz-нет"])
def test_search_narrows_the_shown_list_and_finds_what_people_expect(
        qtbot: QtBot, store: RecordStore, term: str, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    _fill(store)
    model = _ready(qtbot, IdTableModel(store, "employment", person=None, order_by="begin_date"))
    calls: list[str] = []
    real = listing.fetch_ids

    def counting(*a: Any) -> list[int]:
        calls.append("ids")
        return real(*a)

    monkeypatch.setattr(listing, "fetch_ids", counting)
    model.set_search(term)
    _ready(qtbot, model)
    assert calls == []  # narrowed from the list already read, not sorted again in the vault
    qtbot.waitUntil(lambda: all(model.row_at(r) is not None for r in range(model.rowCount())), timeout=WAIT)
    expected = _reference(store, term, "begin_date", True)
    assert sorted(_shown_ids(model)) == sorted(expected)
    # The order is the list's own (begin date, newest first).
    dates = [model.row_at(r)["begin_date"] for r in range(model.rowCount())]  # type: ignore[index]
    assert dates == sorted(dates, reverse=True)
    # The same search straight in SQL gives the same rows, in the same order.
    with store.repo.vault.read() as conn:
        conn.exec_driver_sql("SELECT 1")
        raw: Any = conn.connection.dbapi_connection
        direct = real(raw, model.query, shipped())
    assert list(model.row_ids) == direct


def test_an_edit_repaints_its_row_at_once_and_reads_the_list_only_when_it_can_move(
        qtbot: QtBot, store: RecordStore) -> None:  # noqa: F811
    _fill(store)
    model = _ready(qtbot, IdTableModel(store, "employment", person=None, order_by="begin_date"))
    reads: list[int] = []
    model.refreshed.connect(lambda: reads.append(1))
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    row = model.row_at(3)
    assert row is not None
    rid = str(row["id"])
    repainted: list[int] = []
    model.dataChanged.connect(lambda a, _b: repainted.append(a.row()))
    done: list[bool] = []
    op = store.save("employment", rid, {"org_name": "Клиника «Новая»"})
    op.done.connect(lambda _r: done.append(bool(repainted)))
    op.failed.connect(lambda exc: done.append(exc))
    qtbot.waitUntil(lambda: bool(done), timeout=WAIT)
    assert done == [True]  # repainted before the op's own answer was delivered
    assert 3 in repainted and model.row_at(3)["org_name"] == "Клиника «Новая»"  # type: ignore[index]
    qtbot.wait(300)
    assert reads == []  # the org name neither sorts nor filters this list: no re-read

    # An edit of the sort column moves the row: the list is read again, row by row.
    with qtbot.waitSignal(model.refreshed, timeout=WAIT):
        store.save("employment", rid, {"begin_date": "2024-12-01"}).failure(lambda exc: pytest.fail(str(exc)))
    _ready(qtbot, model)
    assert model.row_at(0)["id"] == rid  # type: ignore[index]
    assert resets == []
    assert model.data(model.index(0, 0), Qt.ItemDataRole.DisplayRole)
