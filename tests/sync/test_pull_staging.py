"""Pulled rows are written through a staging table in one statement per entity and group, with a
bigger page cache for a large group (desktop/sync/pull.py, issue 17): the search index the
record tables' triggers keep must come out the same as row by row, a row met twice in one
group must end as its later state, and the connection's cache must be given back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.sync_bench import seed_org
from desktop.models.listing import ListQuery, fetch_ids
from desktop.models.schema import entity
from desktop.sync import pull
from desktop.sync.report import now_iso
from tests.sync.world import Replica


def _finds(r: Replica, ent: str, term: str) -> set[str]:
    """The ids the list search of ``ent`` finds for ``term`` (the trigram index and its SQL)."""
    with r.vault.read() as conn:
        raw: Any = conn.connection.dbapi_connection
        assert raw is not None
        rowids = fetch_ids(raw, ListQuery(ent, search=term), r.repo.nsi())
        if not rowids:
            return set()
        marks = ", ".join("?" * len(rowids))
        return {i for (i,) in raw.execute(f"SELECT id FROM rec_{ent} WHERE rowid IN ({marks})", rowids)}


def test_a_first_sync_fills_the_search_index_of_every_pulled_row(server: dict[str, Any], tmp_path: Path,
                                                                 replicas: list[Replica]) -> None:
    login, seeded = seed_org(server["db"], 120, 3)
    clerk = Replica(tmp_path / "c", server["url"])
    replicas.append(clerk)
    clerk.adopt_session(server["db"].session(login))
    # pages of 50 in groups of at least 100 rows: many staged groups, the large-group cache
    # included (BIG_GROUP_ROWS is lowered so that 480 rows are "large")
    old = pull.BIG_GROUP_ROWS
    pull.BIG_GROUP_ROWS = 100
    try:
        rep = clerk.engine(page_limit=50, commit_rows=200).sync()
    finally:
        pull.BIG_GROUP_ROWS = old
    assert rep.outcome == "converged" and rep.pulled == len(seeded), rep
    # the tables were empty: every row written, none taken for an echo (nothing was looked up)
    assert rep.echoes == 0 and sum(rep.changed.values()) == len(seeded), rep
    persons = [row for row in seeded if row["entity"] == "person"]
    for row in persons[::7]:
        assert _finds(clerk, "person", row["data"]["snils"]) == {row["id"]}, row["data"]["snils"]
    cards = [row for row in seeded if row["entity"] == "employment"]
    for row in cards[::37]:
        number = row["data"]["contract_number"]
        want = {c["id"] for c in cards if number in (c["data"].get("contract_number") or "")}
        assert row["id"] in _finds(clerk, "employment", number) >= want, number
    # the pooled connection's page cache is SQLite's default again once the pull ended
    with clerk.vault.read() as conn:
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar_one() == -2000


def test_a_pulled_change_replaces_the_row_and_its_search_entry(server: dict[str, Any], tmp_path: Path,
                                                               replicas: list[Replica]) -> None:
    login, seeded = seed_org(server["db"], 30, 2)
    a = Replica(tmp_path / "a", server["url"])
    b = Replica(tmp_path / "b", server["url"])
    replicas.extend((a, b))
    a.adopt_session(server["db"].session(login))
    b.adopt_session(server["db"].session(login))
    assert a.sync().outcome == "converged" and b.sync().outcome == "converged"
    person = next(row for row in seeded if row["entity"] == "person")
    old_name = person["data"]["last_name"]
    b.repo.edit("person", person["id"], {"last_name": "Щербацкая-Левина"})
    assert b.sync().applied == 1
    rep = a.sync()
    assert rep.outcome == "converged" and rep.changed.get("person") == 1, rep
    got = a.repo.get("person", person["id"])
    assert got is not None and got["last_name"] == "Щербацкая-Левина"
    assert _finds(a, "person", "Щербацкая-Левина") == {person["id"]}
    assert person["id"] not in _finds(a, "person", old_name)


def test_a_row_met_twice_in_one_group_ends_as_its_later_state(server: dict[str, Any], tmp_path: Path,
                                                             replicas: list[Replica]) -> None:
    r = Replica(tmp_path / "r", server["url"])
    replicas.append(r)
    pid = "0b7d4c3e-9f1a-4c8e-8a41-6b2d9e0f1a22"
    names = entity("person").names

    def change(version: int, last: str) -> dict[str, Any]:
        row: dict[str, Any] = {n: None for n in names}
        row.update(snils="11223344595", last_name=last, first_name="Анна", gender="female",
                   birth_date="1985-05-05", citizenship="643")
        return {"entity": "person", "id": pid, "person_id": pid, "version": version, "deleted": False, "row": row}

    page = pull._prepare({"changes": [change(3, "Первая"), change(4, "Вторая")], "cursor": "c", "has_more": False},
                         None, now_iso())
    eng = r.engine()
    tally = eng._write(lambda conn: eng._apply_pages(conn, [page], None, set()))
    assert tally["person"] == 2
    got = r.repo.get("person", pid)
    assert got is not None and (got["last_name"], got["version"]) == ("Вторая", 4)
    with r.vault.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM rec_person WHERE id = ?", (pid,)).scalar_one() == 1
    assert _finds(r, "person", "Вторая") == {pid}
