"""Who may read an organization's figures, asked of the server directly (SQLite and PostgreSQL):
rights are decided before anything is read, and a manager changes nothing anywhere."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.server.conftest import World, make_world


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    w = make_world(db_url)
    with w.client:
        yield w
    w.client.app.state.frmr.engine.dispose()  # type: ignore[attr-defined]


def test_who_may_read_the_report(world: World) -> None:
    inn = world.get("manager", "/orgs").json()["organizations"][0]["inn"]
    other = world.get("hr2", "/orgs").json()["organizations"][0]["inn"]
    got = world.get("manager", f"/orgs/{inn}/report")
    assert got.status_code == 200 and got.json()["headcount"] > 0
    assert world.get("hr1", f"/orgs/{inn}/report").status_code == 200
    assert world.get("admin", f"/orgs/{inn}/report").status_code == 200
    # another organization's clerk, and the manager asking about another organization: as if
    # it did not exist; a doctor: no right to ask at all
    for login, path in (("hr2", f"/orgs/{inn}/report"), ("manager", f"/orgs/{other}/report"),
                        ("manager", f"/orgs/{other}/report/people?group=all")):
        r = world.get(login, path)
        assert r.status_code == 404 and r.json()["detail"] == "Организация не найдена."
    for path in (f"/orgs/{inn}/report", f"/orgs/{inn}/report/people?group=all"):
        r = world.get("doctor", path)
        assert r.status_code == 403 and "Недостаточно прав" in r.json()["detail"]
    # an organization that does not exist looks the same to the operator as to a stranger
    assert world.get("admin", "/orgs/7707083893/report").status_code == 404


def test_bad_filters_are_named(world: World) -> None:
    inn = world.get("manager", "/orgs").json()["organizations"][0]["inn"]
    for query, word in (("date_from=2026-02-30", "нет такой даты"), ("date_from=1800-01-01", "вне допустимого"),
                        ("date_from=2026-05-01&date_to=2026-04-01", "раньше начала")):
        r = world.get("manager", f"/orgs/{inn}/report?{query}")
        assert r.status_code == 422 and word in r.json()["detail"], r.text
    r = world.get("manager", f"/orgs/{inn}/report?date_from=01.01.2026")
    assert r.status_code == 422
    r = world.get("manager", f"/orgs/{inn}/report/people?group=expiring&value=45")
    assert r.status_code == 422 and "30, 90" in r.json()["detail"]
    r = world.get("manager", f"/orgs/{inn}/report/people?group=nmo&value=33")
    assert r.status_code == 422
    assert world.get("manager", f"/orgs/{inn}/report/people?group=bogus").status_code == 422
    r = world.get("manager", f"/orgs/{inn}/report/people?group=confirmations&value=5")
    assert r.status_code == 422 and "0, 7 или 30" in r.json()["detail"]
    r = world.get("manager", f"/orgs/{inn}/report/people?group=requests&value=lost")
    assert r.status_code == 422 and "open, answered" in r.json()["detail"]
    r = world.get("manager", f"/orgs/{inn}/report/people?group=requests&value=open&date_from=2026-02-30")
    assert r.status_code == 422 and "нет такой даты" in r.json()["detail"]
    r = world.get("manager", f"/orgs/{inn}/report/people?group=requests&value=open&date_from=2026-01-01")
    assert r.status_code == 200 and isinstance(r.json()["items"], list)


def test_a_manager_changes_nothing(world: World) -> None:
    inn = world.get("manager", "/orgs").json()["organizations"][0]["inn"]
    staff = world.get("manager", f"/orgs/{inn}/staff").json()["items"]
    pid = staff[0]["id"] if "id" in staff[0] else staff[0]["person_id"]
    before = world.get("manager", f"/orgs/{inn}/report").json()
    tries = [
        world.post("manager", f"/orgs/{inn}/employment", json={"person_id": pid, "fields": {"position_code": "4"}}),
        world.post("manager", f"/orgs/{inn}/requests", json={"person_id": pid, "fields": {"kind": "info"}}),
        world.post("manager", "/admin/applications/00000000-0000-4000-8000-000000000000/decision",
                   json={"status": "approved"}),
        world.post("manager", "/admin/nmo/00000000-0000-4000-8000-000000000000/decision", json={"status": "confirmed"}),
        world.patch("manager", "/admin/accounts/1", json={"disabled": True}),
        world.post("manager", "/orgs", json={"inn": "7707083893", "name": "X"}),
    ]
    for r in tries:
        assert r.status_code == 403, r.text
    after = world.get("manager", f"/orgs/{inn}/report").json()
    for k in ("headcount", "by_subdivision", "by_position", "requests_open"):
        assert after[k] == before[k]
