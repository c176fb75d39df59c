"""Registry workflows: employment confirmation checks, applications, НМО, staff list,
programmes that cannot overbook, the audit journal, problem answers for bad input."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from server.db import make_engine
from server.testing import SCHEMA_HEADER, run_server, token_for
from tests.server.conftest import World


def _upload(w: World, login: str) -> str:
    data = b"%PDF-1.4\n" + uuid.uuid4().bytes
    sha = hashlib.sha256(data).hexdigest()
    assert w.client.put(f"/blobs/{sha}", content=data, headers=w.h(login)).status_code == 201
    return sha


def test_employment_confirmation_checks(world: World) -> None:
    w = world
    inn = w.tokens["hr1"]["user"]["organizations"][0]["inn"]
    # a fresh draft card of the demo doctor at hr1's organization
    r = w.post("hr1", f"/orgs/{inn}/employment", json={"person_id": w.person_id("doctor"), "fields": {
        "position_code": "4", "position_type": "combined", "contract_kind": "labor", "rate": "0.25",
        "begin_date": "2025-03-01", "status": "draft"}})
    assert r.status_code == 201, r.text
    card = r.json()
    old = (dt.date.today() - dt.timedelta(days=120)).isoformat()
    bad = w.post("doctor", f"/employment/{card['id']}/confirmations", json={
        "blob_sha256": _upload(w, "doctor"), "doc_kind": "order", "doc_org_inn": "7707083893",
        "doc_org_name": "ООО «Другая»", "doc_begin_date": "2025-03-02", "doc_date": old})
    assert bad.status_code == 201
    conf = bad.json()
    assert len(conf["errors"]) == 4
    joined = " ".join(conf["errors"])
    for word in ("ИНН", "Наименование", "Дата начала", "старше 90 дней"):
        assert word in joined
    # the card went to «submitted»; hr cannot confirm with failing checks, each failure is named
    r = w.post("hr1", f"/confirmations/{conf['id']}/decision", json={"decision": "confirm"})
    assert r.status_code == 422 and len(r.json()["errors"]) == 4
    r = w.post("hr1", f"/confirmations/{conf['id']}/decision", json={"decision": "reject", "comment": ""})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    good = w.post("doctor", f"/employment/{card['id']}/confirmations", json={
        "blob_sha256": _upload(w, "doctor"), "doc_kind": "contract", "doc_org_inn": inn,
        "doc_org_name": card["fields"]["org_name"].replace("«", '"').replace("»", '"').upper(),
        "doc_begin_date": "2025-03-01", "doc_date": dt.date.today().isoformat()}).json()
    assert good["errors"] == []
    r = w.post("hr1", f"/confirmations/{good['id']}/decision", json={"decision": "confirm"})
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    hist = w.get("doctor", f"/employment/{card['id']}/confirmations").json()["items"]
    assert [h["status"] for h in hist] == ["rejected", "confirmed"]
    row = w.get("doctor", "/record").json()["entities"]["employment"]
    assert next(x for x in row if x["id"] == card["id"])["fields"]["status"] == "confirmed"
    # hr2 (other organization) sees nothing of it
    assert w.post("hr2", f"/confirmations/{good['id']}/decision", json={"decision": "confirm"}).status_code == 404


def test_application_lifecycle_and_nmo(world: World) -> None:
    w = world
    pid = w.person_id("doctor")
    app = w.post("doctor", f"/persons/{pid}/application", json={"fields": {"kind": "periodic",
                                                                           "specialty_code": "36"}}).json()
    assert app["fields"]["status"] == "draft"
    r = w.patch("doctor", f"/persons/{pid}/application/{app['id']}", json={"fields": {"status": "approved"}})
    assert r.status_code == 403
    r = w.post("doctor", f"/applications/{app['id']}/submit")
    assert r.status_code == 200
    sub = r.json()["fields"]
    assert sub["status"] == "submitted" and sub["confirmation_number"].startswith("А-")
    assert sub["submitted_at"] == dt.date.today().isoformat()
    listed = w.get("admin", "/admin/applications").json()["items"]
    assert app["id"] in {i["id"] for i in listed}
    assert w.post("admin", f"/admin/applications/{app['id']}/decision", json={"status": "rejected"}).status_code == 422
    r = w.post("admin", f"/admin/applications/{app['id']}/decision", json={"status": "in_review"})
    assert r.json()["fields"]["status"] == "in_review"
    # no longer editable by the doctor once under review
    r = w.patch("doctor", f"/persons/{pid}/application/{app['id']}", json={"fields": {"specialty_code": "47"}})
    assert r.status_code == 403
    r = w.post("admin", f"/admin/applications/{app['id']}/decision", json={"status": "approved",
                                                                          "comment": "Соответствует"})
    assert r.json()["fields"]["status"] == "approved" and r.json()["fields"]["decision_comment"] == "Соответствует"
    assert w.post("admin", f"/admin/applications/{app['id']}/decision",
                  json={"status": "rejected", "comment": "x"}).status_code == 409
    pending = w.get("admin", "/admin/nmo").json()["items"]
    assert pending
    r = w.post("admin", f"/admin/nmo/{pending[0]['id']}/decision", json={"status": "confirmed"})
    assert r.json()["fields"]["status"] == "confirmed"
    r = w.patch("doctor", f"/persons/{pending[0]['person_id']}/nmo/{pending[0]['id']}",
                json={"fields": {"credits": "50"}})
    assert r.status_code in (403, 404)


def test_staff_list_paging_filter_sort(shared_world: World) -> None:
    w = shared_world
    inn = w.tokens["hr1"]["user"]["organizations"][0]["inn"]
    all_items = w.get("hr1", f"/orgs/{inn}/staff", params={"page_size": 500}).json()
    total = all_items["total"]
    assert total == len(all_items["items"]) >= 12
    # one row per person, each with their live cards in this organization
    assert len({i["person_id"] for i in all_items["items"]}) == total
    for i in all_items["items"]:
        assert i["cards"] == len(i["employments"]) >= 1
        assert i["positions"] == sorted({e["position_code"] for e in i["employments"]})
        assert i["begin_date"] == min(e["begin_date"] for e in i["employments"])
        assert i["active"] == any(e["end_date"] is None for e in i["employments"])
    pages = []
    for page in range(1, total // 5 + 2):
        body = w.get("hr1", f"/orgs/{inn}/staff", params={"page": page, "page_size": 5, "sort": "name"}).json()
        pages += body["items"]
    assert [p["person_id"] for p in pages] == [p["person_id"] for p in all_items["items"]]
    names = [f"{p['last_name']} {p['first_name']} {p['patronymic'] or ''}".strip().casefold() for p in pages]
    assert names == sorted(names)
    desc = w.get("hr1", f"/orgs/{inn}/staff", params={"sort": "-begin_date", "page_size": 500}).json()["items"]
    assert [d["begin_date"] for d in desc] == sorted((d["begin_date"] for d in desc), reverse=True)
    ivanova = w.get("hr1", f"/orgs/{inn}/staff", params={"q": "иванова"}).json()["items"]
    assert ivanova and all(i["last_name"] == "Иванова" for i in ivanova)
    snils = w.accounts["doctor"]["snils"]
    by_snils = w.get("hr1", f"/orgs/{inn}/staff", params={"q": snils[:6]}).json()["items"]
    assert snils in {i["snils"] for i in by_snils}
    active = w.get("hr1", f"/orgs/{inn}/staff", params={"active": "true", "page_size": 500}).json()
    inactive = w.get("hr1", f"/orgs/{inn}/staff", params={"active": "false", "page_size": 500}).json()
    assert all(a["active"] for a in active["items"]) and not any(a["active"] for a in inactive["items"])
    assert active["total"] + inactive["total"] == total
    code = all_items["items"][0]["positions"][0]
    by_pos = w.get("hr1", f"/orgs/{inn}/staff", params={"position_code": code, "page_size": 500}).json()["items"]
    assert by_pos and all(code in i["positions"] for i in by_pos)
    assert {i["person_id"] for i in by_pos} == {i["person_id"] for i in all_items["items"] if code in i["positions"]}
    # a code that only looks like part of another one, or LIKE wildcards, match nothing
    for bad in (code + ",", ",", "%", "_", "%,%"):
        assert w.get("hr1", f"/orgs/{inn}/staff", params={"position_code": bad, "page_size": 500}).json()[
            "total"] == 0, bad
        assert w.get("hr1", f"/orgs/{inn}/staff", params={"status": bad}).json()["total"] == 0, bad
    assert w.get("hr1", f"/orgs/{inn}/staff", params={"q": "%"}).json()["total"] == 0
    assert w.get("hr1", f"/orgs/{inn}/staff", params={"page": 10**5}).json()["items"] == []
    assert w.get("hr1", f"/orgs/{inn}/staff", params={"sort": "bogus"}).status_code == 422
    csv = w.get("manager", f"/orgs/{inn}/staff.csv")
    assert csv.status_code == 200 and "СНИЛС" in csv.content.decode("utf-8-sig")
    summary = w.get("manager", f"/orgs/{inn}/summary").json()
    assert summary["persons"] == total
    assert summary["cards"] == sum(i["cards"] for i in all_items["items"])


def test_enrolment_cannot_overbook(db_url: str) -> None:
    from server.testing import seed

    seed(db_url)
    admin = token_for(db_url, "admin")
    ha = {"Authorization": f"Bearer {admin['access_token']}", **SCHEMA_HEADER}
    with run_server(db_url) as base:
        prog = httpx.post(base + "/programmes", headers=ha, json={
            "title": "Два места", "format": "distance", "hours": 36, "begin_date": "2030-01-01",
            "end_date": "2030-01-10", "seats": 2}).json()
        # eight doctors race for two seats
        inn = httpx.get(base + "/orgs", headers=ha).json()["organizations"][0]["inn"]
        staff = httpx.get(base + f"/orgs/{inn}/staff", headers=ha, params={"page_size": 20}).json()["items"]
        logins = []
        for i, item in enumerate(staff[:8]):
            login = f"racer{i}"
            r = httpx.post(base + "/admin/accounts", headers=ha, json={
                "login": login, "password": "Ab3$efghijkl", "role": "doctor", "person_id": item["person_id"]})
            if r.status_code == 201:
                logins.append(login)
        heads = [{"Authorization": f"Bearer {token_for(db_url, lg)['access_token']}", **SCHEMA_HEADER}
                 for lg in logins]
        codes: list[int] = []
        barrier = threading.Barrier(len(heads))

        def go(h: dict[str, str]) -> None:
            barrier.wait()
            codes.append(httpx.post(base + f"/programmes/{prog['id']}/enrol", headers=h, timeout=60).status_code)

        threads = [threading.Thread(target=go, args=(h,)) for h in heads]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(codes).count(201) == 2 and len(codes) >= 6
        assert set(codes) <= {201, 409}
        enrolled = httpx.get(base + f"/programmes/{prog['id']}/enrolments", headers=ha).json()["items"]
        assert len(enrolled) == 2
        cat = {p["id"]: p for p in httpx.get(base + "/programmes", headers=ha).json()["items"]}
        assert cat[prog["id"]]["free_seats"] == 0


def test_audit_journal_records_and_is_append_only(world: World) -> None:
    w = world
    w.get("hr1", "/orgs/" + w.tokens["hr1"]["user"]["organizations"][0]["inn"] + "/staff.csv")
    w.get("doctor", "/sync/pull")
    items = w.get("admin", "/admin/audit", params={"limit": 1000}).json()["items"]
    actions = {(i["action"], i["login"]) for i in items}
    assert ("export", "hr1") in actions and ("read_personal_data", "doctor") in actions
    exp = next(i for i in items if i["action"] == "export")
    assert exp["role"] == "hr" and exp["org_inns"] and exp["ip"]
    only_exports = w.get("admin", "/admin/audit", params={"action": "export"}).json()["items"]
    assert only_exports and all(i["action"] == "export" for i in only_exports)
    engine = make_engine(w.url)
    for stmt in ("UPDATE audit SET action='x'", "DELETE FROM audit"):
        with pytest.raises(Exception, match="append-only"):
            with engine.begin() as c:
                c.execute(text(stmt))
    engine.dispose()


BAD_BODIES: list[tuple[str, str, Any]] = [
    ("post", "/sync/push", {"client_id": "not-a-uuid", "ops": []}),
    ("post", "/sync/push", {"client_id": str(uuid.uuid4()), "ops": [{"op": "explode"}]}),
    ("post", "/sync/push", {"client_id": str(uuid.uuid4()), "ops": "nope"}),
    ("post", "/sync/push", [1, 2, 3]),
    ("get", "/sync/pull?limit=0", None),
    ("get", "/sync/pull?limit=abc", None),
    ("get", "/sync/pull?cursor=%00%01", None),
    ("get", "/persons/../../etc/passwd/record", None),
    ("get", "/persons/not-a-uuid/record", None),
    ("post", "/persons/" + "0" * 8 + "-0000-0000-0000-" + "0" * 12 + "/nmo", {"fields": "x"}),
    ("get", "/orgs/12345/staff", None),
    ("get", "/orgs/7702123454/staff?page=-1", None),
    ("get", "/admin/audit?since=nan", None),
    ("post", "/oauth/token", None),
]


@pytest.mark.parametrize(("method", "path", "body"), BAD_BODIES)
def test_bad_input_is_a_problem_not_a_crash(shared_world: World, method: str, path: str, body: Any) -> None:
    w = shared_world
    kw: dict[str, Any] = {"headers": w.h("admin")}
    if body is not None:
        kw["json"] = body
    r = getattr(w.client, method)(path, **kw)
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/problem+json")
    j = r.json()
    assert {"type", "title", "status", "detail"} <= set(j) and j["status"] == r.status_code
    assert any("а" <= ch.lower() <= "я" for ch in j["detail"])


def test_unknown_route_and_method(shared_world: World) -> None:
    r = shared_world.client.get("/nope")
    assert r.status_code == 404 and r.json()["detail"] == "Запрошенный ресурс не найден."
    r = shared_world.client.put("/me")
    assert r.status_code == 405 and r.headers["content-type"].startswith("application/problem+json")
