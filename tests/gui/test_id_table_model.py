"""The list model over a real SQLCipher vault: row-level signals on insert/edit/delete (never a
reset), search/sort/filter equal to a Python reference, the debounced search box, and lazy
block fetches (only what the view shows)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.models import listing
from desktop.models.formatting import display
from desktop.models.listing import BLOCK, ListQuery
from desktop.models.nsi import shipped
from desktop.models.repository import RecordRepository
from desktop.vault.store import Vault
from desktop.views.record.record_store import RecordStore
from desktop.views.runtime.workers import DbWorker
from desktop.views.widgets.entity_table import SEARCH_DELAY_MS, EntityTableView
from desktop.views.widgets.id_table_model import IdTableModel
from tests.gui.conftest import PASS, Made

WAIT = 10_000


@pytest.fixture
def store(qtbot: QtBot, made: Made) -> Any:
    vault = Vault.open(made.folder, PASS)
    worker = DbWorker()
    repo = RecordRepository(vault, user="tester")
    s = RecordStore(worker, repo, made.folder, {})
    with qtbot.waitSignal(s.loaded, timeout=WAIT):
        s.load(lambda exc: pytest.fail(str(exc)))
    yield s
    worker.stop()
    vault.close()


def _ready(qtbot: QtBot, model: IdTableModel) -> IdTableModel:
    qtbot.waitUntil(lambda: model.loaded and not model._busy, timeout=WAIT)
    return model


def _ids(model: IdTableModel) -> list[str]:
    return [str(model.index(r, 0).data(Qt.ItemDataRole.UserRole + 1)) for r in range(model.rowCount())]


def _reference(rows: list[dict[str, Any]], entity: str, search: str = "", sort: str | None = None,
               descending: bool = False) -> list[str]:
    """What a person expects: rows whose shown text contains the search, sorted by the column."""
    from desktop.models.schema import ENTITIES

    spec = ENTITIES[entity]
    nsi = shipped()
    t = search.casefold()

    def shown(r: dict[str, Any]) -> str:
        return " ".join(display(f, r.get(f.name), nsi) for f in spec.fields if f.column or f.kind == "str")

    got = [r for r in rows if t in shown(r).casefold()]
    if sort:
        f = spec.field(sort)
        num = f.kind in ("decimal", "int")

        def key(r: dict[str, Any]) -> Any:
            v = r.get(sort)
            return (v is not None, float(v) if num and v is not None else (v or ""))

        got.sort(key=key, reverse=descending)
    return [r["id"] for r in got]


def test_row_level_signals_and_no_reset(qtbot: QtBot, store: RecordStore, qtmodeltester: Any) -> None:
    model = _ready(qtbot, IdTableModel(store, "nmo", order_by="event_date"))
    qtmodeltester.check(model)
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    n = model.rowCount()

    with qtbot.waitSignal(model.rowsInserted, timeout=WAIT):
        store.save("nmo", None, {"event_date": "2024-02-02", "kind": "iom", "title": "Новая строка",
                                 "credits": "3"})
    assert model.rowCount() == n + 1
    _ready(qtbot, model)
    new_row = model.row_of(next(r["id"] for r in store.rows("nmo") if r["title"] == "Новая строка"))
    assert new_row >= 0

    rid = str(model.row_at(new_row)["id"])  # type: ignore[index]
    with qtbot.waitSignal(model.dataChanged, timeout=WAIT) as got:
        store.save("nmo", rid, {"title": "Изменённая строка"})
    assert got.args[0].row() == model.row_of(rid)
    _ready(qtbot, model)
    assert model.row_at(model.row_of(rid))["title"] == "Изменённая строка"  # type: ignore[index]

    with qtbot.waitSignal(model.rowsRemoved, timeout=WAIT):
        store.delete("nmo", rid)
    _ready(qtbot, model)
    assert model.rowCount() == n and model.row_of(rid) == -1
    assert resets == []
    qtmodeltester.check(model)


@pytest.mark.parametrize(("search", "sort", "desc"), [
    ("", "event_date", False), ("", "credits", True), ("", "title", False),
    ("пневмония", None, False), ("ПОРТАЛ нмо", "event_date", True), ("зе", "title", False),
])
def test_search_and_sort_equal_python(qtbot: QtBot, store: RecordStore, search: str, sort: str | None,
                                      desc: bool) -> None:
    model = _ready(qtbot, IdTableModel(store, "nmo"))
    if search:
        model.set_search(search)
        _ready(qtbot, model)
    if sort:
        col = [f.name for f in model.columns].index(sort)
        model.sort(col, Qt.SortOrder.DescendingOrder if desc else Qt.SortOrder.AscendingOrder)
        _ready(qtbot, model)
    expected = _reference(store.rows("nmo"), "nmo", search, sort, desc)
    if sort:
        assert _ids(model) == expected or [model.row_at(i)[sort] for i in range(model.rowCount())] == [  # type: ignore[index]
            next(r for r in store.rows("nmo") if r["id"] == x)[sort] for x in expected]
    else:
        assert sorted(_ids(model)) == sorted(expected)
    assert len(search) < 3 or 0 < model.rowCount() < len(store.rows("nmo"))


def test_filters_equal_python(qtbot: QtBot, store: RecordStore) -> None:
    model = _ready(qtbot, IdTableModel(store, "nmo"))
    status = store.rows("nmo")[0]["status"]
    model.set_filters({"status": status})
    _ready(qtbot, model)
    assert sorted(_ids(model)) == sorted(r["id"] for r in store.rows("nmo") if r["status"] == status)


def test_search_box_is_debounced(qtbot: QtBot, store: RecordStore) -> None:
    model = _ready(qtbot, IdTableModel(store, "nmo"))
    view = EntityTableView(model)
    qtbot.addWidget(view)
    searches: list[str] = []
    original = model.set_search

    def recording(text: str) -> None:
        searches.append(text)
        original(text)

    model.set_search = recording  # type: ignore[method-assign]
    for text in ("п", "пн", "пне", "пневмония"):
        view.filter.setText(text)
    assert searches == []  # nothing while typing
    qtbot.wait(SEARCH_DELAY_MS + 150)
    assert searches == ["пневмония"]  # one query after the pause
    _ready(qtbot, model)
    assert 0 < model.rowCount() < len(store.rows("nmo"))


def test_lazy_fetch_only_visible_blocks(qtbot: QtBot, store: RecordStore, tmp_path: Path) -> None:
    # Many persons: an unscoped person list is longer than a block, fetched as it is shown.
    rows = [{"id": f"00000000-0000-0000-0000-{i:012d}", "person_id": f"00000000-0000-0000-0000-{i:012d}",
             "version": 1, "updated_at": "2026-01-01", "snils": f"{i:011d}", "last_name": f"Фамилия{i:05d}",
             "first_name": "Имя"} for i in range(1, 7 * BLOCK)]
    with store.repo.vault.begin() as conn:
        conn.execute(listing_table("person").insert(), rows)
    model = _ready(qtbot, IdTableModel(store, "person", person=None, order_by="last_name", descending=False))
    assert model.rowCount() == len(rows) + 1
    assert model.cached_rows() <= 2 * BLOCK  # the first block (and the one shown) only
    from PySide6.QtWidgets import QTableView

    view = QTableView()
    view.setModel(model)
    view.resize(600, 300)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: model.row_at(0) is not None, timeout=WAIT)
    assert model.fetched_blocks == []  # block 0 came with the list
    view.scrollToBottom()
    last = (model.rowCount() - 1) // BLOCK
    qtbot.waitUntil(lambda: model.row_at(model.rowCount() - 1) is not None, timeout=WAIT)
    assert set(model.fetched_blocks) <= {last - 1, last} and last in model.fetched_blocks
    # Search by ФИО in SQL: only the matching person.
    model.set_search("Фамилия00042")
    _ready(qtbot, model)
    assert model.rowCount() == 1 and model.row_at(0)["last_name"] == "Фамилия00042"  # type: ignore[index]


def listing_table(entity: str) -> Any:
    from desktop.models.repository import table

    return table(entity)


def test_plan_matches_the_new_list() -> None:
    import random

    rnd = random.Random(4)
    for _ in range(200):
        old = rnd.sample(range(50), rnd.randint(0, 30))
        new = list(old)
        for _k in range(rnd.randint(0, 4)):
            op = rnd.random()
            if op < 0.3 and new:
                new.pop(rnd.randrange(len(new)))
            elif op < 0.6:
                new.insert(rnd.randint(0, len(new)), 100 + rnd.randint(0, 1000))
            elif new:
                x = new.pop(rnd.randrange(len(new)))
                new.insert(rnd.randint(0, len(new)), x)
        new = list(dict.fromkeys(new))
        assert listing.apply_plan(old, listing.plan(old, new)) == new


def test_migration_file_is_generated() -> None:
    path = Path(listing.__file__).resolve().parents[1] / "vault" / "migrations" / "0004_lists.sql"
    assert path.read_text(encoding="utf-8") == listing.search_migration_sql() + "\n"


def test_query_sql_is_parameterised() -> None:
    sql, params = listing.ids_sql(ListQuery("employment", search="'; DROP TABLE x; --"), shipped())
    assert "DROP" not in sql and any("DROP" in str(p) for p in params)
