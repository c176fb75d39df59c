"""Workflow steps fired in pairs at the same moment against a real server (uvicorn on loopback):
exactly one wins, the other gets 409 in Russian, and the state is the winner's — many times over,
on SQLite and PostgreSQL (docs/security.md, «Workflows»)."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import threading
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import httpx
import pytest

from server.testing import SCHEMA_HEADER, run_server, seed, token_for

ROUNDS = 8
_DAYS = itertools.count()


class Live:
    def __init__(self, base: str, url: str) -> None:
        self.base = base
        self.tokens = {login: token_for(url, login) for login in ("doctor", "hr1", "admin")}
        self.client = httpx.Client(base_url=base, timeout=60)

    def h(self, login: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[login]['access_token']}", **SCHEMA_HEADER}

    def call(self, login: str, method: str, path: str, **kw: Any) -> httpx.Response:
        return self.client.request(method, path, headers=self.h(login), **kw)

    def ok(self, login: str, method: str, path: str, **kw: Any) -> dict[str, Any]:
        r = self.call(login, method, path, **kw)
        assert r.status_code in (200, 201), r.text
        out: dict[str, Any] = r.json()
        return out


def pair(a: Callable[[], httpx.Response], b: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """Both calls released at once from two threads (each on its own connection)."""
    gate = threading.Barrier(2, timeout=30)
    out: list[httpx.Response | None] = [None, None]
    errors: list[BaseException] = []

    def run(i: int, fn: Callable[[], httpx.Response]) -> None:
        try:
            gate.wait()
            out[i] = fn()
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate((a, b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert not errors, errors
    assert all(r is not None for r in out)
    return [r for r in out if r is not None]


def one_wins(rs: list[httpx.Response]) -> tuple[httpx.Response, httpx.Response]:
    codes = sorted(r.status_code for r in rs)
    assert codes == [200, 409], [(r.status_code, r.text[:300]) for r in rs]
    loser = next(r for r in rs if r.status_code == 409)
    body = loser.json()
    assert loser.headers["content-type"].startswith("application/problem+json")
    assert any("а" <= ch <= "я" for ch in body["detail"].lower()), body  # a Russian sentence
    return next(r for r in rs if r.status_code == 200), loser


@pytest.fixture
def live(db_url: str) -> Any:
    seed(db_url)
    with run_server(db_url) as base:
        w = Live(base, db_url)
        yield w
        w.client.close()


def _doctor_card(w: Live) -> tuple[str, str, dict[str, Any]]:
    inn = w.tokens["hr1"]["user"]["organizations"][0]["inn"]
    org = next(o for o in w.ok("admin", "GET", "/orgs")["organizations"] if o["inn"] == inn)
    pid = w.tokens["doctor"]["user"]["person_id"]
    begin = (dt.date(1990, 1, 1) + dt.timedelta(days=10 * next(_DAYS))).isoformat()
    fields = {"org_name": org["name"], "org_inn": inn, "position_code": "4", "position_type": "internal_part_time",
              "contract_kind": "civil", "rate": "0.25", "begin_date": begin, "end_date": begin, "status": "draft"}
    card = w.ok("doctor", "POST", f"/persons/{pid}/employment", json={"fields": fields})
    return card["id"], pid, {**fields, "org_name": org["name"]}


def _pending_confirmation(w: Live) -> tuple[str, str]:
    card_id, _, fields = _doctor_card(w)
    data = b"%PDF-1.7\n" + uuid.uuid4().bytes
    sha = hashlib.sha256(data).hexdigest()
    assert w.client.put(f"/blobs/{sha}", content=data, headers=w.h("doctor")).status_code == 201
    c = w.ok("doctor", "POST", f"/employment/{card_id}/confirmations", json={
        "blob_sha256": sha, "doc_kind": "order", "doc_org_inn": fields["org_inn"], "doc_org_name": fields["org_name"],
        "doc_begin_date": fields["begin_date"], "doc_date": dt.date.today().isoformat()})
    return c["id"], card_id


def test_clerk_confirm_and_operator_reject_race(live: Live) -> None:
    for _ in range(ROUNDS):
        conf, card_id = _pending_confirmation(live)
        win, _ = one_wins(pair(
            partial(live.call, "hr1", "POST", f"/confirmations/{conf}/decision", json={"decision": "confirm"}),
            partial(live.call, "admin", "POST", f"/confirmations/{conf}/decision",
                    json={"decision": "reject", "comment": "нет документа"})))
        decided = win.json()["status"]
        history = live.ok("doctor", "GET", f"/employment/{card_id}/confirmations")["items"]
        assert [c["status"] for c in history] == [decided]
        pid = live.tokens["doctor"]["user"]["person_id"]
        cards = live.ok("doctor", "GET", f"/persons/{pid}/record")["entities"]["employment"]
        assert next(c for c in cards if c["id"] == card_id)["fields"]["status"] == decided


def test_double_submit_of_an_application(live: Live) -> None:
    pid = live.tokens["doctor"]["user"]["person_id"]
    for _ in range(ROUNDS):
        app = live.ok("doctor", "POST", f"/persons/{pid}/application",
                      json={"fields": {"kind": "periodic", "specialty_code": "36"}})
        submit = partial(live.call, "doctor", "POST", f"/applications/{app['id']}/submit")
        win, loser = one_wins(pair(submit, submit))
        number = win.json()["fields"]["confirmation_number"]
        assert number and number in loser.json()["detail"]  # the loser is told which number it got
        row = live.ok("admin", "GET", f"/persons/{pid}/record")["entities"]["application"]
        assert next(a for a in row if a["id"] == app["id"])["fields"]["confirmation_number"] == number


def test_approve_and_reject_race(live: Live) -> None:
    pid = live.tokens["doctor"]["user"]["person_id"]
    for _ in range(ROUNDS):
        app = live.ok("doctor", "POST", f"/persons/{pid}/application",
                      json={"fields": {"kind": "periodic", "specialty_code": "36"}})
        live.ok("doctor", "POST", f"/applications/{app['id']}/submit")
        win, _ = one_wins(pair(
            partial(live.call, "admin", "POST", f"/admin/applications/{app['id']}/decision",
                    json={"status": "approved"}),
            partial(live.call, "admin", "POST", f"/admin/applications/{app['id']}/decision",
                    json={"status": "rejected", "comment": "неполный портфолио"})))
        row = live.ok("admin", "GET", f"/persons/{pid}/record")["entities"]["application"]
        assert next(a for a in row if a["id"] == app["id"])["fields"]["status"] == win.json()["fields"]["status"]


def test_two_closes_of_one_card(live: Live) -> None:
    inn = live.tokens["hr1"]["user"]["organizations"][0]["inn"]
    staff = live.ok("hr1", "GET", f"/orgs/{inn}/staff", params={"page_size": 100, "active": "true"})["items"]
    open_cards = [c["employment_id"] for i in staff for c in i["employments"] if not c["end_date"]]
    assert len(open_cards) >= ROUNDS
    for card_id in open_cards[:ROUNDS]:
        win, loser = one_wins(pair(
            partial(live.call, "hr1", "POST", f"/employment/{card_id}/close",
                    json={"end_date": "2030-01-31", "end_reason": "увольнение"}),
            partial(live.call, "hr1", "POST", f"/employment/{card_id}/close",
                    json={"end_date": "2030-02-28", "end_reason": "перевод"})))
        end = win.json()["fields"]["end_date"]
        assert end in ("2030-01-31", "2030-02-28")
        assert dt.date.fromisoformat(end).strftime("%d.%m.%Y") in loser.json()["detail"]
