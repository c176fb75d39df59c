"""Two HR clerks and the doctor against a real server on loopback (issue 13).

- The same person's cards edited offline on three workstations (two clerks of the organization,
  the person's own vault), synced in turns: every replica converges on the server's rows, a
  field two clerks changed differently is an open conflict (shown, not lost), nothing doubled.
- One СНИЛС, one person: two clerks create the same СНИЛС offline, or a clerk creates offline
  someone the registry already has in another organization — sync links, never duplicates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from desktop.models import staff
from desktop.models.checkdigits import make_snils
from desktop.models.repository import table
from desktop.sync.decisions import list_conflicts, list_rejected
from server.models import Record
from tests.sync.world import Org, Replica, ServerDb, stored


def replica(tmp_path: Path, server: dict[str, Any], name: str, login: str) -> Replica:
    r = Replica(tmp_path / name, server["url"])
    r.login(login)
    return r


def synced(r: Replica) -> None:
    rep = r.sync()
    # «waiting»: synced, with a conflict or refusal for a person to decide (asserted by each test)
    assert rep.outcome in ("converged", "waiting"), rep.message
    # the replica holds exactly what the server shows this account, row for row and version for version
    assert r.engine().local_state() == {k: v for k, v in r.server_state().items() if k in r.engine().local_state()}


def rows_of(r: Replica, entity: str, person_id: str) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in r.repo.list(entity, person_id)}


def server_persons(db: ServerDb, snils: str) -> list[str]:
    with db.engine.connect() as conn:
        return [r[0] for r in conn.execute(sa.select(col(Record.id)).where(
            col(Record.entity) == "person", col(Record.snils) == snils, col(Record.deleted) == sa.false()))]


def card(org: Org, **kw: Any) -> dict[str, Any]:
    return {**org.fields(), "position_code": "4", "position_type": "main", "contract_kind": "labor", "rate": "1",
            "begin_date": "01.09.2019", **kw}


def person(snils: str, **kw: Any) -> dict[str, Any]:
    return {"snils": snils, "last_name": "Кузнецова", "first_name": "Ольга", "patronymic": "Игоревна",
            "gender": "female", "birth_date": "12.02.1990", **kw}


def test_two_clerks_and_the_doctor_converge_on_one_person(server: dict[str, Any], tmp_path: Path) -> None:
    db: ServerDb = server["db"]
    org = db.org()
    pid, c1 = db.person(org)
    a = replica(tmp_path, server, "clerk_a", db.account("hr", org=org))
    b = replica(tmp_path, server, "clerk_b", db.account("hr", org=org))
    d = replica(tmp_path, server, "doctor", db.account("doctor", person_id=pid))
    for r in (a, b, d):
        synced(r)
        assert stored(r.repo, "employment", c1)["subdivision"] == "Терапия"

    # offline, all three at once
    staff.edit_card(a.repo, c1, {"subdivision": "Кардиология"})
    c2 = staff.add_card(a.repo, pid, card(org, position_code="3", position_type="internal_part_time", rate="0.25",
                                          begin_date="01.03.2022"))
    a.repo.edit("person", pid, {"email": "kuz@example.ru"})
    staff.edit_card(b.repo, c1, {"subdivision": "Неврология", "rate": "0.75"})
    d.repo.edit("person", pid, {"phone": "+79161112233"})
    c3 = d.repo.add("employment", card(org, position_code="7", position_type="external_part_time", rate="0.5",
                                       begin_date="01.01.2023", status="draft"), person_id=pid).id

    for r in (a, b, d, a, b, d):  # in turns, twice: the last round brings everyone the others' work
        synced(r)

    server_rows = db.rows(pid)
    assert server_rows[c1]["data"]["subdivision"] == "Кардиология"  # the first clerk's, kept
    assert server_rows[c1]["data"]["rate"] == "0.75"  # the second clerk's other field, merged
    assert server_rows[pid]["data"]["email"] == "kuz@example.ru" and server_rows[pid]["data"]["phone"] == "+79161112233"
    # the second clerk's «Неврология» is not lost: an open conflict for a person to decide
    open_b = [c for c in list_conflicts(b.repo) if c["entity_id"] == c1]
    assert len(open_b) == 1 and open_b[0]["fields"]["subdivision"]["mine"] == "Неврология"
    assert open_b[0]["fields"]["subdivision"]["theirs"] == "Кардиология"
    assert not list_conflicts(a.repo) and not list_conflicts(d.repo)
    assert not list_rejected(a.repo) and not list_rejected(b.repo) and not list_rejected(d.repo)

    live = {rid for rid, row in server_rows.items() if row["entity"] == "employment" and not row["deleted"]}
    assert live == {c1, c2, c3}
    # the same rows everywhere: the person is on the organization's staff, so its clerks see all of them
    for r in (a, b, d):
        assert set(rows_of(r, "employment", pid)) == {c1, c2, c3}
    for r in (a, d):
        here = rows_of(r, "employment", pid)
        for rid in here:
            assert {k: here[rid][k] for k in ("subdivision", "rate", "position_code")} == {
                k: server_rows[rid]["data"].get(k) for k in ("subdivision", "rate", "position_code")}
        p = stored(r.repo, "person", pid)
        assert (p["email"], p["phone"]) == ("kuz@example.ru", "+79161112233")
    assert stored(b.repo, "employment", c1)["rate"] == "0.75"
    for r in (a, b, d):  # nothing doubled: one person row with that id and СНИЛС
        with r.vault.read() as conn:
            t = table("person")
            snils = server_rows[pid]["data"]["snils"]
            assert conn.execute(sa.select(sa.func.count()).select_from(t).where(t.c.snils == snils)).scalar() == 1

    # a second round on the doctor's own draft card, which all three may edit: the doctor and the
    # second clerk both change its rate (the later one is a conflict), the first clerk its subdivision
    d.repo.edit("employment", c3, {"rate": "0.75"})
    staff.edit_card(a.repo, c3, {"subdivision": "Приёмное отделение"})
    staff.edit_card(b.repo, c3, {"rate": "0.25"})
    for r in (d, a, b, d, a, b):
        synced(r)
    final = db.rows(pid)[c3]["data"]
    assert (final["rate"], final["subdivision"]) == ("0.75", "Приёмное отделение")
    mine_b = [c for c in list_conflicts(b.repo) if c["entity_id"] == c3]
    assert len(mine_b) == 1 and mine_b[0]["fields"]["rate"]["mine"] == "0.25"
    assert mine_b[0]["fields"]["rate"]["theirs"] == "0.75"
    for r in (a, d):
        assert {k: stored(r.repo, "employment", c3)[k] for k in ("rate", "subdivision")} == {
            "rate": "0.75", "subdivision": "Приёмное отделение"}
    assert stored(b.repo, "employment", c3)["subdivision"] == "Приёмное отделение"
    for r in (a, b, d):
        assert set(rows_of(r, "employment", pid)) == {c1, c2, c3}


def test_the_same_snils_offline_on_two_workstations_is_one_person(server: dict[str, Any], tmp_path: Path) -> None:
    db: ServerDb = server["db"]
    org = db.org()
    a = replica(tmp_path, server, "clerk_a", db.account("hr", org=org))
    b = replica(tmp_path, server, "clerk_b", db.account("hr", org=org))
    for r in (a, b):
        synced(r)
    snils = make_snils(f"{300_000_000 + db._next():09d}")
    pa = staff.add_person(a.repo, person(snils))
    ca = staff.add_card(a.repo, pa, card(org))
    pb = staff.add_person(b.repo, person(snils, patronymic="Игорьевна"))  # typed differently
    cb = staff.add_card(b.repo, pb, card(org, position_code="3", position_type="internal_part_time", rate="0.5",
                                         begin_date="01.02.2021"))
    assert pa != pb

    synced(a)
    synced(b)  # refused as a twin → re-keyed onto the first clerk's person, its card sent again
    synced(a)
    assert server_persons(db, snils) == [pa]
    on_server = db.rows(pa)
    assert {rid for rid, r in on_server.items() if r["entity"] == "employment"} == {ca, cb}
    assert db.rows(pb) == {}
    for r in (a, b):
        assert set(rows_of(r, "employment", pa)) == {ca, cb}
        with r.vault.read() as conn:
            t = table("person")
            assert [x[0] for x in conn.execute(sa.select(t.c.id).where(t.c.snils == snils))] == [pa]
    # what the second clerk typed differently is a conflict to decide, not silently dropped or applied
    assert on_server[pa]["data"]["patronymic"] == "Игоревна"
    shown = [c for c in list_conflicts(b.repo) if c["entity_id"] == pa]
    assert len(shown) == 1 and shown[0]["fields"]["patronymic"]["mine"] == "Игорьевна"
    assert not list_rejected(b.repo) and not list_rejected(a.repo)


def test_a_person_known_elsewhere_created_offline_is_linked(server: dict[str, Any], tmp_path: Path) -> None:
    db: ServerDb = server["db"]
    mine, theirs = db.org(), db.org()
    other_pid, _ = db.person(theirs)
    snils = db.rows(other_pid)[other_pid]["data"]["snils"]
    a = replica(tmp_path, server, "clerk", db.account("hr", org=mine))
    synced(a)
    local = staff.add_person(a.repo, person(snils))  # offline: the clerk could not ask the registry
    cid = staff.add_card(a.repo, local, card(mine))
    synced(a)
    assert server_persons(db, snils) == [other_pid]
    on_server = db.rows(other_pid)
    assert on_server[cid]["data"]["org_inn"] == mine.inn and on_server[cid]["data"]["status"] == "draft"
    # the registry's person keeps their own data: the clerk's typing changed nothing of theirs
    assert on_server[other_pid]["data"]["last_name"] == "Тестова"
    assert stored(a.repo, "employment", cid)["person_id"] == other_pid
    assert a.repo.get("person", local) is None and stored(a.repo, "person", other_pid)["snils"] == snils
    assert not list_rejected(a.repo) and not list_conflicts(a.repo)
    synced(a)  # and it stays converged


def test_an_imported_row_of_a_person_known_elsewhere_is_linked(server: dict[str, Any], tmp_path: Path) -> None:
    """The staff import creates persons offline; one the registry has elsewhere is linked at the sync."""
    from desktop.documents.staff_import import run_import

    db: ServerDb = server["db"]
    mine, theirs = db.org(), db.org()
    other_pid, _ = db.person(theirs)
    known = db.rows(other_pid)[other_pid]["data"]["snils"]
    fresh = make_snils(f"{310_000_000 + db._next():09d}")
    a = replica(tmp_path, server, "clerk", db.account("hr", org=mine))
    synced(a)
    sheet = tmp_path / "staff.csv"
    sheet.write_text("СНИЛС;ФИО;Пол;Дата рождения;Должность;Ставка;Дата начала\n"
                     f"{known};Тестова Анна Петровна;ж;05.05.1985;врач-терапевт;0,5;01.03.2021\n"
                     f"{fresh};Новиков Пётр Ильич;м;01.01.1980;врач-хирург;1;01.03.2021\n", encoding="utf-8")
    got = run_import(a.repo, sheet)
    assert got.imported == 2 and not got.errors
    synced(a)
    assert server_persons(db, known) == [other_pid] and len(server_persons(db, fresh)) == 1
    cards = [r for r in db.rows(other_pid).values() if r["entity"] == "employment" and r["data"]["org_inn"] == mine.inn]
    assert len(cards) == 1 and cards[0]["data"]["rate"] == "0.5"
    assert not list_rejected(a.repo)
    # a rerun of the same file imports nothing twice, the linked person included
    assert run_import(a.repo, sheet).imported == 0
