"""Scope exits (docs/sync-protocol.md, Pull): a person who left an HR clerk's organizations is
dropped from the clerk's replica — except rows that carry the clerk's unsent or undecided work,
which stay until the server answered and a person decided — and the replica still converges.

First the apply path against a real vault (no server), then end to end against a real server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.models.checkdigits import make_inn10, make_ogrn, make_snils
from desktop.models.repository import get_meta, remember_account, table
from desktop.models.schema import ENTITIES
from desktop.sync import decisions
from desktop.sync.auth import CURSOR_KEY
from desktop.sync.engine import SyncEngine
from desktop.sync.pull import _prepare
from desktop.sync.tables import SYNC_ROW
from tests.sync.world import Org, Replica

ORG = {"org_name": "ГБУЗ «Больница № 7»", "org_inn": make_inn10("770000007"), "org_ogrn": make_ogrn("102770000007")}


def person_change(pid: str, n: int, version: int = 1) -> dict[str, Any]:
    return {"entity": "person", "id": pid, "person_id": pid, "version": version, "deleted": False,
            "row": {"snils": make_snils(f"{200_000_000 + n:09d}"), "last_name": "Уходящая", "first_name": "Ольга",
                    "gender": "female", "birth_date": "1979-03-03", "citizenship": "643"}}


def card_change(rid: str, pid: str, version: int = 1) -> dict[str, Any]:
    year = 1990 + int(rid[:4], 16) % 30  # two cards of one person never start the same day
    return {"entity": "employment", "id": rid, "person_id": pid, "version": version, "deleted": False,
            "row": {**ORG, "position_code": "4", "position_type": "main", "contract_kind": "labor", "rate": "1",
                    "begin_date": f"{year}-02-{1 + int(rid[4:8], 16) % 28:02d}", "profile": "терапия",
                    "status": "confirmed"}}


def nmo_change(rid: str, pid: str) -> dict[str, Any]:
    return {"entity": "nmo", "id": rid, "person_id": pid, "version": 1, "deleted": False,
            "row": {"event_date": "2024-01-10", "kind": "iom", "title": "Модуль", "credits": "2",
                    "status": "confirmed"}}


def exit_of(pid: str) -> dict[str, Any]:
    return {"entity": "person", "id": pid, "person_id": pid, "version": None, "deleted": True, "row": None,
            "scope_exit": True}


def apply(eng: SyncEngine, *pages: list[dict[str, Any]], only: set[str] | None = None) -> None:
    prepared = [_prepare({"changes": ch, "cursor": f"c{i}", "has_more": False}, only, "2026-01-01T00:00:00+00:00")
                for i, ch in enumerate(pages)]
    eng._write(lambda conn: eng._apply_pages(conn, prepared, only, set()))


def rows_of(r: Replica, pid: str) -> dict[str, str]:
    """id -> entity of every local row of a person."""
    out: dict[str, str] = {}
    with r.vault.read() as conn:
        for ent in ENTITIES:
            t = table(ent)
            out.update({rid: ent for (rid,) in conn.execute(t.select().with_only_columns(t.c.id)
                                                             .where(t.c.person_id == pid))})
    return out


@pytest.fixture
def offline(tmp_path: Path) -> Iterator[Replica]:
    """An HR clerk's replica whose server is never reached: the tests feed its pull pages by hand."""
    r = Replica(tmp_path / "v", "http://127.0.0.1:9")
    with r.vault.begin() as conn:  # what the login would have stored: the offline rules are the clerk's
        remember_account(conn, "hr", [{"inn": ORG["org_inn"], "name": ORG["org_name"]}])
    yield r
    r.close()


def notes(r: Replica) -> dict[str, tuple[int, int]]:
    with r.vault.read() as conn:
        return {rid: (v, d) for rid, v, d in conn.execute(
            SYNC_ROW.select().with_only_columns(SYNC_ROW.c.id, SYNC_ROW.c.version, SYNC_ROW.c.deleted))}


def test_exit_drops_rows_without_work_and_keeps_pending_ones(offline: Replica) -> None:
    r = offline
    eng = r.engine()
    p1, p2 = str(uuid.uuid4()), str(uuid.uuid4())
    e1, e2, e3, n1 = (str(uuid.uuid4()) for _ in range(4))
    apply(eng, [person_change(p1, 1), card_change(e1, p1), card_change(e2, p1), nmo_change(n1, p1),
                person_change(p2, 2), card_change(e3, p2)])
    assert set(rows_of(r, p1)) == {p1, e1, e2, n1}
    r.repo.edit("employment", e2, {"rate": "0.5"})  # the clerk's unsent work on one card

    apply(eng, [exit_of(p1)])
    assert rows_of(r, p1) == {e2: "employment"}  # the pending card stays, nothing else of p1
    assert set(rows_of(r, p2)) == {p2, e3}  # another person is not touched
    assert r.repo.pending_count() == 1
    assert notes(r)[e2] == (1, 1)  # noted as gone from the server's view
    with r.vault.read() as conn:
        assert get_meta(conn, CURSOR_KEY) == "c0"
    state = eng.local_state()
    assert state["employment"]["count"] == 1 and state["person"]["count"] == 1 and state["nmo"]["count"] == 0

    apply(eng, [exit_of(p1)])  # one exit per organization lost: a second one is harmless
    assert rows_of(r, p1) == {e2: "employment"}

    # The person comes back (a new card): every row is announced again. The pending card is
    # rebased (the note now says the server has it again, at its new version).
    apply(eng, [person_change(p1, 1), card_change(e1, p1), card_change(e2, p1, version=2), nmo_change(n1, p1)])
    assert set(rows_of(r, p1)) == {p1, e1, e2, n1}
    assert notes(r)[e2] == (2, 0)
    assert r.repo.get("employment", e2)["rate"] == "0.5"  # type: ignore[index]


def test_exit_takes_its_place_in_feed_order(offline: Replica) -> None:
    r = offline
    eng = r.engine()
    p1, e1 = str(uuid.uuid4()), str(uuid.uuid4())
    apply(eng, [person_change(p1, 3), card_change(e1, p1), exit_of(p1)])
    assert rows_of(r, p1) == {}
    apply(eng, [exit_of(p1), person_change(p1, 3), card_change(e1, p1)])
    assert set(rows_of(r, p1)) == {p1, e1}
    # Two pages written in one transaction keep their order too.
    apply(eng, [card_change(e1, p1, version=2)], [exit_of(p1)])
    assert rows_of(r, p1) == {}


def test_exit_keeps_rejected_and_conflicting_rows_and_an_old_server_is_tolerated(offline: Replica) -> None:
    r = offline
    eng = r.engine()
    p1, e1, e2 = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    apply(eng, [person_change(p1, 4), card_change(e1, p1), card_change(e2, p1)])
    r.repo.edit("employment", e1, {"rate": "0.75"})
    with r.vault.begin() as conn:  # the server refused that edit: it waits in «Отклонено сервером»
        conn.execute(decisions.OUTBOX.update().values(state="rejected", result='{"status": "rejected"}'))
    apply(eng, [exit_of(p1)])
    assert rows_of(r, p1) == {e1: "employment"}
    assert len(decisions.list_rejected(r.repo)) == 1
    # A change without the flag is an ordinary tombstone (a server that doesn't send exits).
    apply(eng, [{"entity": "employment", "id": e2, "person_id": p1, "version": None, "deleted": True,
                 "row": None, "scope_exit": False}])
    assert rows_of(r, p1) == {e1: "employment"}


def test_exit_is_ignored_by_a_targeted_repull(offline: Replica) -> None:
    """A re-pull drops what it did not see after its last page; an exit inside it changes nothing."""
    r = offline
    eng = r.engine()
    p1, e1 = str(uuid.uuid4()), str(uuid.uuid4())
    apply(eng, [person_change(p1, 5), card_change(e1, p1)])
    apply(eng, [exit_of(p1)], only={"person", "employment"})
    assert set(rows_of(r, p1)) == {p1, e1}


# -- end to end ------------------------------------------------------------------------------------

def _clerk(server: dict[str, Any], login: str, folder: Path, replicas: list[Replica]) -> Replica:
    r = Replica(folder, server["url"])
    replicas.append(r)
    r.login(login)
    assert r.sync().outcome == "converged"
    return r


def test_scope_exit_end_to_end(server: dict[str, Any], org: Org, tmp_path: Path, replicas: list[Replica]) -> None:
    db = server["db"]
    p1, e1 = db.person(org)
    p2, e2 = db.person(org)
    login = db.account("hr", org=org)
    a = _clerk(server, login, tmp_path / "a", replicas)
    b = _clerk(server, login, tmp_path / "b", replicas)
    assert {e1, p1} <= set(rows_of(b, p1))
    # b has unsent work on p1's record while a closes p1's only card in the organization.
    b.repo.edit("person", p1, {"phone": "+79160004455"})
    a.repo.delete("employment", e1)
    rep = a.sync()
    assert rep.outcome == "converged", rep
    assert rep.scope_exits >= 1 and rows_of(a, p1) == {}
    assert set(rows_of(a, p2)) == {p2, e2}
    assert a.engine().local_state() == a.server_state()

    rep = b.sync()
    # The edit reaches a server that no longer shows b this person: refused, and visible.
    assert rep.outcome == "waiting" and rep.rejected == 1, rep
    assert rep.repulled == [], rep  # the exit alone made b agree with the server
    assert rows_of(b, p1) == {p1: "person"}  # the card went; the edited person row waits for a decision
    assert b.engine().local_state() == b.server_state()
    rejected = decisions.list_rejected(b.repo)
    assert [x["entity_id"] for x in rejected] == [p1]

    decisions.discard_rejected(b.repo, rejected[0]["id"])
    rep = b.sync()
    assert rep.outcome == "converged", rep
    assert rows_of(b, p1) == {}
    assert notes(b) == {}
    assert b.engine().local_state() == b.server_state()


def test_missed_scope_exit_is_healed_by_the_targeted_repull(server: dict[str, Any], org: Org, tmp_path: Path,
                                                            replicas: list[Replica]) -> None:
    """A replica still holding a person the server no longer shows it (a restored vault, an
    exit it never got): the convergence check finds the mismatch, the targeted re-pull drops
    the rows without work and keeps — and stops counting — the one with a pending edit."""
    db = server["db"]
    login = db.account("hr", org=org)
    c = _clerk(server, login, tmp_path / "c", replicas)
    gone, card = str(uuid.uuid4()), str(uuid.uuid4())
    # Rows of a person c's scope doesn't have, as if an older sync had brought them.
    apply(c.engine(), [person_change(gone, 9), card_change(card, gone)], only={"person", "employment"})
    c.repo.edit("person", gone, {"phone": "+79160007788"})
    rep = c.sync()
    assert rep.outcome == "waiting", rep  # the edit is refused (the person is not c's to edit)
    assert {"person", "employment"} <= set(rep.repulled), rep
    assert rows_of(c, gone) == {gone: "person"}
    assert c.engine().local_state() == c.server_state()
    rep = c.sync()
    assert rep.outcome == "waiting" and rep.repulled == [], rep  # stable: no re-pull every time
