"""The feed's pages as the server builds them (server/feed.py, issue 17): each change's JSON is
the database's own text handed over as bytes, the page query is built once per kind of reader
and merges rows and scope exits as they come. So: what one reader is shown never leaks into
another's page, text of any kind arrives intact, and pages of one row give the same feed, in
the same order, as one page of everything — scope exits included."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlmodel import Session, select

from server.db import in_write_tx
from server.feed import Writer
from server.models import Record
from tests.sync.world import Org

ODD_TEXT = 'Отделение «№ 1» "в кавычках" \\ обратная черта\nновая строка\tтаб — ёЁ 😷 </script>'


def _headers(server: dict[str, Any], login: str) -> dict[str, str]:
    session = server["db"].session(login)
    return {"Authorization": f"Bearer {session['access_token']}", "X-Client-Schema": "3",
            "Accept-Encoding": "gzip"}


def _feed(url: str, headers: dict[str, str], limit: int) -> list[dict[str, Any]]:
    """The whole feed, page by page; every page is checked to move the cursor forward."""
    out: list[dict[str, Any]] = []
    cursor = ""
    with httpx.Client(base_url=url, headers=headers) as c:
        for _ in range(10_000):
            page = c.get("/sync/pull", params={"cursor": cursor, "limit": limit}).json()
            assert len(page["changes"]) <= limit
            out.extend(page["changes"])
            if not page["has_more"]:
                return out
            assert page["changes"] and page["cursor"] != cursor
            cursor = page["cursor"]
    raise AssertionError("the feed never ended")


def _ids(server: dict[str, Any], persons: list[str]) -> set[str]:
    return {rid for pid in persons for rid in server["db"].rows(pid)}


def test_each_reader_gets_only_its_own_rows_whatever_the_order_of_readers(server: dict[str, Any]) -> None:
    db = server["db"]
    a, b = db.org(), db.org()
    staff_a = [db.person(a)[0] for _ in range(4)]
    staff_b = [db.person(b)[0] for _ in range(3)]
    readers = {"a": _headers(server, db.account("hr", org=a)), "b": _headers(server, db.account("hr", org=b)),
               "manager_b": _headers(server, db.account("manager", org=b)),
               "doctor": _headers(server, db.account("doctor", person_id=staff_a[0]))}
    want = {"a": _ids(server, staff_a), "b": _ids(server, staff_b), "manager_b": _ids(server, staff_b),
            "doctor": _ids(server, staff_a[:1])}
    # interleaved, twice, with pages of two: each reader's statement comes from the cache of
    # built statements, and must still be its own
    for _round in range(2):
        for name in ("a", "b", "doctor", "manager_b", "a", "doctor", "b"):
            got = _feed(server["url"], readers[name], 2)
            assert {ch["id"] for ch in got} == want[name], name


def test_text_of_any_kind_arrives_as_the_server_holds_it(server: dict[str, Any], org: Org) -> None:
    db = server["db"]
    pid, eid = db.person(org)

    def odd(s: Session) -> None:
        card = s.exec(select(Record).where(Record.id == eid)).one()
        card.data = {**card.data, "subdivision": ODD_TEXT, "end_reason": None}
        card.version += 1
        w = Writer(s, None)
        w.touch(card)
        w.finish()

    in_write_tx(db.engine, odd)
    got = {ch["id"]: ch for ch in _feed(server["url"], _headers(server, db.account("hr", org=org)), 5000)}
    assert got[eid]["row"] == db.rows(pid)[eid]["data"]
    assert got[eid]["row"]["subdivision"] == ODD_TEXT and got[eid]["version"] == 2
    assert got[eid]["person_id"] == pid and got[eid]["deleted"] is False


def test_pages_of_one_give_the_feed_of_one_page_with_the_scope_exits_in_place(server: dict[str, Any]) -> None:
    db = server["db"]
    org = db.org()
    staff = [db.person(org) for _ in range(5)]
    clerk = db.account("hr", org=org)

    def leave(s: Session, eid: str) -> None:
        card = s.exec(select(Record).where(Record.id == eid)).one()
        card.deleted = True
        card.version += 1
        w = Writer(s, None)
        w.touch(card)
        w.finish()

    # two persons leave the staff between other changes: their exits sit inside the feed
    in_write_tx(db.engine, lambda s: leave(s, staff[1][1]))
    db.person(org)
    in_write_tx(db.engine, lambda s: leave(s, staff[3][1]))
    db.person(org)
    whole = _feed(server["url"], _headers(server, clerk), 5000)
    exits = [ch["id"] for ch in whole if ch.get("scope_exit")]
    assert sorted(exits) == sorted([staff[1][0], staff[3][0]]), whole
    for limit in (1, 2, 3):
        assert _feed(server["url"], _headers(server, clerk), limit) == whole, limit
    assert len({(ch["id"], bool(ch.get("scope_exit"))) for ch in whole}) == len(whole)  # nothing twice
    assert uuid.UUID(whole[0]["id"])
