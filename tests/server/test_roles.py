"""Role matrix: every endpoint × every role × own and someone else's record/organization.

A cell is a violation when a role gets through where it must not (anything but 403/404), or is
refused where it should be let in (401/403/404) or hits a server error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import Session

from server.db import in_write_tx, make_engine
from server.models import Confirmation
from tests.server.conftest import World

LOGINS = ("doctor", "hr1", "hr2", "manager", "admin")
UNKNOWN = "Запись не найдена на сервере"
_DAYS = itertools.count()


def _day() -> str:
    """A fresh begin date per card, so no two test cards are duplicates of each other."""
    return (dt.date(2000, 1, 1) + dt.timedelta(days=next(_DAYS))).isoformat()


@dataclass
class Target:
    pid: str
    org: str


def _ok(r: Any) -> str:
    assert r.status_code in (200, 201), r.text
    return str(r.json()["id"])


class Ctx:
    def __init__(self, w: World) -> None:
        self.w = w
        self.org0 = w.tokens["hr1"]["user"]["organizations"][0]["inn"]
        self.org1 = w.tokens["hr2"]["user"]["organizations"][0]["inn"]

        def staff(inn: str) -> set[str]:
            items = w.get("admin", f"/orgs/{inn}/staff", params={"page_size": 500}).json()["items"]
            return {i["person_id"] for i in items}

        s0, s1 = staff(self.org0), staff(self.org1)
        only0 = sorted(s0 - s1 - {w.person_id("doctor"), w.person_id("doctor2")})
        only1 = sorted(s1 - s0)
        self.p_doc, self.p_doc2 = w.person_id("doctor"), w.person_id("doctor2")
        self.own = {
            "doctor": Target(self.p_doc, self.org0), "hr1": Target(only0[0], self.org0),
            "manager": Target(only0[1], self.org0), "hr2": Target(only1[0], self.org1),
            "admin": Target(only0[2], self.org0),
        }
        self.foreign = {
            "doctor": Target(self.p_doc2, self.org1), "hr1": Target(only1[1], self.org1),
            "manager": Target(only1[2], self.org1), "hr2": Target(only0[3], self.org0),
        }

    def mk(self, entity: str, pid: str, fields: dict[str, Any]) -> str:
        return _ok(self.w.post("admin", f"/persons/{pid}/{entity}", json={"fields": fields}))

    def education(self, pid: str) -> str:
        return self.mk("education", pid, {"kind": "advanced_training", "institution": "РМАНПО",
                                          "doc_number": uuid.uuid4().hex[:10], "hours": 36})

    def employment(self, t: Target) -> str:
        r = self.w.post("admin", f"/orgs/{t.org}/employment", json={"person_id": t.pid, "fields": {
            "position_code": "4", "position_type": "internal_part_time", "contract_kind": "labor", "rate": "0.25",
            "begin_date": _day()}})
        return _ok(r)

    def request(self, t: Target) -> str:
        return _ok(self.w.post("admin", f"/orgs/{t.org}/requests", json={"person_id": t.pid, "kind": "Запрос",
                                                                         "text": "Просим ответить"}))

    def application(self, pid: str) -> str:
        return self.mk("application", pid, {"kind": "periodic", "specialty_code": "36"})

    def nmo(self, pid: str) -> str:
        return self.mk("nmo", pid, {"event_date": "2025-01-10", "kind": "iom", "title": "М", "credits": "1"})

    def confirmation(self, t: Target) -> str:
        eid = self.employment(t)
        cid = str(uuid.uuid4())

        def tx(s: Session) -> None:
            s.add(Confirmation(id=cid, employment_id=eid, person_id=t.pid, org_inn=t.org, blob_sha256="0" * 64,
                               doc_kind="order", doc_org_inn=t.org, doc_org_name="x", doc_begin_date="2023-01-01",
                               doc_date="2023-01-01", created_at=time.time()))

        engine = make_engine(self.w.url)
        in_write_tx(engine, tx)
        engine.dispose()
        return cid

    def blob(self, login: str) -> str:
        data = b"%PDF-1.4\n" + uuid.uuid4().bytes
        sha = hashlib.sha256(data).hexdigest()
        assert self.w.client.put(f"/blobs/{sha}", content=data, headers=self.w.h(login)).status_code in (200, 201)
        return sha


Call = Callable[[World, str, Target, Ctx], Any]
D, H, M, A = "doctor", "hr", "manager", "admin"


def role(login: str) -> str:
    return {"doctor": D, "hr1": H, "hr2": H, "manager": M, "admin": A}[login]


def push_update(w: World, login: str, t: Target, c: Ctx) -> Any:
    r = w.post(login, "/sync/push", json={"client_id": str(uuid.uuid4()), "ops": [
        {"op_id": str(uuid.uuid4()), "counter": 1, "entity": "person", "entity_id": t.pid, "person_id": t.pid,
         "op": "update", "fields": {"email": f"{uuid.uuid4().hex[:6]}@example.ru"}, "base_version": 1000}]})
    res = r.json()["results"][0]

    class R:  # the op's verdict, seen as an HTTP-like status for the matrix
        # a row the caller may not read is refused as one that does not exist (docs/security.md)
        status_code = (403 if res["status"] == "rejected" and "_permission" in res["errors"] else
                       404 if res["status"] == "rejected" and res["errors"] == {"entity_id": UNKNOWN} else 200)
        text = str(res)
    return R()


CASES: list[tuple[str, set[str], Call]] = [
    ("GET record", {D, H, M, A}, lambda w, lg, t, c: w.get(lg, f"/persons/{t.pid}/record")),
    ("PATCH person", {D, H, A}, lambda w, lg, t, c: w.patch(lg, f"/persons/{t.pid}/person/{t.pid}",
                                                            json={"fields": {"phone": "+79990000001"}})),
    ("POST nmo", {D, A}, lambda w, lg, t, c: w.post(lg, f"/persons/{t.pid}/nmo", json={"fields": {
        "event_date": "2025-01-10", "kind": "iom", "title": "М", "credits": "1"}})),
    ("PATCH education", {D, A}, lambda w, lg, t, c: w.patch(
        lg, f"/persons/{t.pid}/education/{c.education(t.pid)}", json={"fields": {"hours": 72}})),
    ("DELETE education", {D, A}, lambda w, lg, t, c: w.delete(
        lg, f"/persons/{t.pid}/education/{c.education(t.pid)}")),
    ("POST employment (record)", {D, H, A}, lambda w, lg, t, c: w.post(lg, f"/persons/{t.pid}/employment", json={
        "fields": {"org_name": "Организация", "org_inn": t.org, "position_code": "4",
                   "position_type": "combined", "contract_kind": "labor", "rate": "0.5",
                   "begin_date": _day()}})),
    ("GET confirmations of card", {D, H, M, A}, lambda w, lg, t, c: w.get(
        lg, f"/employment/{c.employment(t)}/confirmations")),
    ("POST confirmation request", {D}, lambda w, lg, t, c: w.post(
        lg, f"/employment/{c.employment(t)}/confirmations", json={
            "blob_sha256": c.blob(lg), "doc_kind": "order", "doc_org_inn": t.org, "doc_org_name": "x",
            "doc_begin_date": "2023-01-01", "doc_date": "2025-01-01"})),
    ("POST confirmation decision", {H, A}, lambda w, lg, t, c: w.post(
        lg, f"/confirmations/{c.confirmation(t)}/decision", json={"decision": "reject", "comment": "нет"})),
    ("POST request answer", {D}, lambda w, lg, t, c: w.post(lg, f"/requests/{c.request(t)}/answer",
                                                             json={"text": "Ответ"})),
    ("GET request comments", {D, H, M, A}, lambda w, lg, t, c: w.get(lg, f"/requests/{c.request(t)}/comments")),
    ("POST request comment", {D, H, A}, lambda w, lg, t, c: w.post(lg, f"/requests/{c.request(t)}/comments",
                                                                    json={"text": "Комментарий"})),
    ("POST application submit", {D}, lambda w, lg, t, c: w.post(
        lg, f"/applications/{c.application(t.pid)}/submit")),
    ("POST employment close", {H, A}, lambda w, lg, t, c: w.post(
        lg, f"/employment/{c.employment(t)}/close", json={"end_date": "2025-01-31", "end_reason": "увольнение"})),
    ("GET staff", {H, M, A}, lambda w, lg, t, c: w.get(lg, f"/orgs/{t.org}/staff")),
    ("GET staff.csv", {H, M, A}, lambda w, lg, t, c: w.get(lg, f"/orgs/{t.org}/staff.csv")),
    ("GET summary", {H, M, A}, lambda w, lg, t, c: w.get(lg, f"/orgs/{t.org}/summary")),
    ("POST org employment", {H, A}, lambda w, lg, t, c: w.post(lg, f"/orgs/{t.org}/employment", json={
        "person_id": t.pid, "fields": {"position_code": "5", "position_type": "combined", "contract_kind": "civil",
                                       "rate": "0.25", "begin_date": _day()}})),
    ("POST org request", {H, A}, lambda w, lg, t, c: w.post(lg, f"/orgs/{t.org}/requests", json={
        "person_id": t.pid, "kind": "Запрос", "text": "Текст"})),
    ("push update person", {D, H, A}, push_update),
    ("POST admin nmo decision", {A}, lambda w, lg, t, c: w.post(lg, f"/admin/nmo/{c.nmo(t.pid)}/decision",
                                                                  json={"status": "confirmed"})),
]

# endpoints that are not about a particular record: own-target only
GLOBAL: list[tuple[str, set[str], Call]] = [
    ("GET /me", {D, H, M, A}, lambda w, lg, t, c: w.get(lg, "/me")),
    ("GET /sessions", {D, H, M, A}, lambda w, lg, t, c: w.get(lg, "/sessions")),
    ("GET /orgs", {D, H, M, A}, lambda w, lg, t, c: w.get(lg, "/orgs")),
    ("GET /record", {D}, lambda w, lg, t, c: w.get(lg, "/record")),
    ("GET /programmes", {D, H, M, A}, lambda w, lg, t, c: w.get(lg, "/programmes")),
    ("POST enrol", {D}, lambda w, lg, t, c: w.post(
        lg, f"/programmes/{w.get('admin', '/programmes').json()['items'][0]['id']}/enrol")),
    ("GET confirmations", {H, M, A}, lambda w, lg, t, c: w.get(lg, "/confirmations")),
    ("GET persons by snils", {H, A}, lambda w, lg, t, c: w.get(lg, "/persons", params={
        "snils": w.accounts["doctor"]["snils"]})),
    ("POST persons", {H, A}, lambda w, lg, t, c: w.post(lg, "/persons", json={"fields": {
        "snils": _snils(), "last_name": "Новый", "first_name": "Человек", "gender": "male",
        "birth_date": "1990-01-01"}})),
    ("GET admin accounts", {A}, lambda w, lg, t, c: w.get(lg, "/admin/accounts")),
    ("POST admin accounts", {A}, lambda w, lg, t, c: w.post(lg, "/admin/accounts", json={
        "login": "u" + uuid.uuid4().hex[:8], "password": "Ab3$efghijkl", "role": "admin"})),
    ("PATCH admin account", {A}, lambda w, lg, t, c: w.patch(lg, "/admin/accounts/2", json={"unlock": True})),
    ("GET admin audit", {A}, lambda w, lg, t, c: w.get(lg, "/admin/audit")),
    ("GET admin applications", {A}, lambda w, lg, t, c: w.get(lg, "/admin/applications")),
    ("GET admin nmo", {A}, lambda w, lg, t, c: w.get(lg, "/admin/nmo")),
    ("POST orgs", {A}, lambda w, lg, t, c: w.post(lg, "/orgs", json={"inn": "7707083893", "name": "Сбер"})),
    ("POST programmes", {A}, lambda w, lg, t, c: w.post(lg, "/programmes", json={
        "title": "П", "format": "distance", "hours": 36, "begin_date": "2030-01-01", "end_date": "2030-02-01",
        "seats": 3})),
    ("GET enrolments", {A}, lambda w, lg, t, c: w.get(
        lg, f"/programmes/{w.get('admin', '/programmes').json()['items'][0]['id']}/enrolments")),
]


def _snils() -> str:
    from desktop.models.checkdigits import make_snils

    return make_snils(f"{300_000_000 + uuid.uuid4().int % 600_000_000:09d}")


def test_role_matrix(shared_world: World) -> None:
    w = shared_world
    c = Ctx(w)
    violations: list[str] = []
    cells = 0

    def check(name: str, allowed: bool, login: str, where: str, r: Any) -> None:
        nonlocal cells
        cells += 1
        code = r.status_code
        if code >= 500:
            violations.append(f"{name} {login} {where}: {code} {r.text[:200]}")
        elif allowed and code in (401, 403, 404):
            violations.append(f"{name} {login} {where}: refused {code} {r.text[:200]}")
        elif not allowed and code not in (403, 404):
            violations.append(f"{name} {login} {where}: let through {code} {r.text[:200]}")

    for name, roles, fn in CASES:
        for login in LOGINS:
            check(name, role(login) in roles, login, "own", fn(w, login, c.own[login], c))
            if login in c.foreign:
                check(name, False, login, "foreign", fn(w, login, c.foreign[login], c))
    for name, roles, fn in GLOBAL:
        for login in LOGINS:
            check(name, role(login) in roles, login, "-", fn(w, login, c.own[login], c))
    assert cells > 200
    assert not violations, "\n".join(violations)


def test_lists_are_scoped(shared_world: World) -> None:
    w = shared_world
    c = Ctx(w)
    for login, inn in (("hr1", c.org0), ("manager", c.org0), ("hr2", c.org1)):
        items = w.get(login, "/confirmations", params={"status": ""}).json()["items"]
        assert all(i["org_inn"] == inn for i in items)
        orgs = w.get(login, "/orgs").json()["organizations"]
        assert [o["inn"] for o in orgs] == [inn]
    assert w.get("doctor", "/orgs").json()["organizations"] == []
    # a foreign person found by СНИЛС: only that the СНИЛС exists (and the id to link them by)
    found = w.get("hr2", "/persons", params={"snils": w.accounts["doctor"]["snils"]}).json()
    assert found["in_my_organizations"] is True
    other = w.get("hr1", "/persons", params={"snils": _person_snils(w, c.foreign["hr1"].pid)}).json()
    assert other["in_my_organizations"] is False and set(other["fields"]) == {"snils"}


def _person_snils(w: World, pid: str) -> str:
    return str(w.get("admin", f"/persons/{pid}/record").json()["entities"]["person"][0]["fields"]["snils"])


@pytest.mark.parametrize("path", ["/me", "/sync/pull", "/orgs", "/admin/audit", "/persons/" + str(uuid.uuid4())
                                  + "/record"])
def test_no_token_no_entry(shared_world: World, path: str) -> None:
    r = shared_world.client.get(path, headers={"X-Client-Schema": "1"})
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
    r = shared_world.client.get(path, headers={"X-Client-Schema": "1", "Authorization": "Bearer forged"})
    assert r.status_code == 401
