"""Push, pull, merge, conflicts, rejections and decisions against a real server (no faults)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from desktop.sync import decisions
from tests.sync.world import Org, Replica, stored


def _doctor(server: dict[str, Any], org: Org, tmp_path: Path, replicas: list[Replica],
            name: str = "doc") -> tuple[Replica, str, str]:
    pid, eid = server["db"].person(org)
    login = server["db"].account("doctor", person_id=pid)
    r = Replica(tmp_path / name, server["url"])
    replicas.append(r)
    r.login(login)
    return r, pid, eid


def _hr(server: dict[str, Any], org: Org, tmp_path: Path, replicas: list[Replica], name: str = "hr") -> Replica:
    login = server["db"].account("hr", org=org)
    r = Replica(tmp_path / name, server["url"])
    replicas.append(r)
    r.login(login)
    return r


def test_first_sync_pulls_own_record_and_converges(server, org, tmp_path, replicas) -> None:
    doc, pid, eid = _doctor(server, org, tmp_path, replicas)
    rep = doc.sync()
    assert rep.outcome == "converged", rep
    assert rep.repulled == []  # the local checksum agreed with the server's at once
    assert doc.engine().local_state() == doc.server_state()
    assert stored(doc.repo, "person", pid)["last_name"] == "Тестова"
    assert stored(doc.repo, "employment", eid)["org_inn"] == org.inn
    assert doc.repo.person_id() == pid


def test_edit_pushes_once_and_other_replica_sees_it(server, org, tmp_path, replicas) -> None:
    doc, pid, _ = _doctor(server, org, tmp_path, replicas)
    hr = _hr(server, org, tmp_path, replicas)
    doc.sync()
    hr.sync()
    doc.repo.edit("person", pid, {"phone": "+79161112233"})
    rep = doc.sync()
    assert (rep.outcome, rep.applied) == ("converged", 1), rep
    assert hr.sync().outcome == "converged"
    assert stored(hr.repo, "person", pid)["phone"] == "+79161112233"
    assert server["db"].rows(pid)[pid]["data"]["phone"] == "+79161112233"


def test_concurrent_edits_merge_by_field_and_conflict_on_same_field(server, org, tmp_path, replicas) -> None:
    doc, pid, _ = _doctor(server, org, tmp_path, replicas)
    hr = _hr(server, org, tmp_path, replicas)
    doc.sync()
    hr.sync()
    doc.repo.edit("person", pid, {"phone": "+79160000001", "email": "doc@example.ru"})
    hr.repo.edit("person", pid, {"phone": "+79160000002", "address_actual": "г. Москва, ул. Тестовая, 1"})
    assert hr.sync().outcome == "converged"
    rep = doc.sync()
    assert rep.outcome == "waiting", rep
    row = stored(doc.repo, "person", pid)
    assert row["address_actual"] == "г. Москва, ул. Тестовая, 1"  # merged: a field only HR changed
    assert row["email"] == "doc@example.ru"
    assert row["phone"] == "+79160000001"  # mine stays visible until decided
    [c] = decisions.list_conflicts(doc.repo)
    assert c["fields"]["phone"] == {"base": "+79160000000", "mine": "+79160000001", "theirs": "+79160000002",
                                    "choice": None}
    decisions.resolve(doc.repo, c["id"], "phone", "mine")
    assert doc.sync().outcome == "converged"
    assert hr.sync().outcome == "converged"
    assert stored(hr.repo, "person", pid)["phone"] == "+79160000001"
    assert server["db"].rows(pid)[pid]["data"]["email"] == "doc@example.ru"


def test_theirs_resolution_and_rejection_list(server, org, tmp_path, replicas) -> None:
    doc, pid, eid = _doctor(server, org, tmp_path, replicas)
    hr = _hr(server, org, tmp_path, replicas)
    doc.sync()
    hr.sync()
    doc.repo.edit("person", pid, {"email": "a@example.ru"})
    hr.repo.edit("person", pid, {"email": "b@example.ru"})
    hr.sync()
    doc.sync()
    [c] = decisions.list_conflicts(doc.repo)
    decisions.resolve(doc.repo, c["id"], "email", "theirs")
    assert stored(doc.repo, "person", pid)["email"] == "b@example.ru"
    # a doctor may not change a confirmed employment card: the server rejects, the queue goes on
    # (this app refuses it offline; an edit queued by an older version still reaches the server)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("desktop.models.repository.get_role", lambda _conn: "admin")
        doc.repo.edit("employment", eid, {"rate": "0.5"})
    doc.repo.edit("person", pid, {"phone": "+79165550000"})
    rep = doc.sync()
    assert rep.outcome == "waiting" and rep.rejected == 1, rep
    [r] = decisions.list_rejected(doc.repo)
    assert r["entity_id"] == eid and r["message"]
    assert server["db"].rows(pid)[pid]["data"]["phone"] == "+79165550000"
    assert stored(doc.repo, "employment", eid)["rate"] == "0.5"  # still visible for fixing
    decisions.discard_rejected(doc.repo, r["id"])
    assert stored(doc.repo, "employment", eid)["rate"] == "1"
    assert doc.sync().outcome == "converged"
    assert decisions.list_rejected(doc.repo) == []


def test_browser_login_through_the_loopback_listener(server, org, tmp_path, replicas) -> None:
    """login_browser with a stand-in browser: it opens the URL, posts the form and follows
    the redirect to the one-shot listener on 127.0.0.1, as a system browser would."""
    import threading

    from desktop.sync.auth import login_browser, remember_login
    from tests.sync.world import PASSWORD

    pid, _ = server["db"].person(org)
    login = server["db"].account("doctor", person_id=pid)

    def browser(url: str) -> None:
        def run() -> None:
            with httpx.Client(timeout=10) as c:
                page = c.get(url)
                assert page.status_code == 200 and "<form" in page.text
                q = dict(httpx.URL(url).params)
                done = c.post(server["url"] + "/oauth/authorize",
                              data={**q, "username": login, "password": PASSWORD, "otp": ""})
                assert done.status_code == 302
                back = c.get(done.headers["location"])  # the loopback listener answers
                assert back.status_code == 200 and "Вход выполнен" in back.text

        threading.Thread(target=run, daemon=True).start()

    answer = login_browser(server["url"], open_url=browser, timeout=20)
    r = Replica(tmp_path / "b", server["url"])
    replicas.append(r)
    remember_login(r.vault, server["url"], answer)
    assert r.sync().outcome == "converged"
    assert r.repo.get("person", pid) is not None
