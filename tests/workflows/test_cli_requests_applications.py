"""``frmr request | application | programmes | notifications`` for a doctor on a real server:
queued offline, sent once; two workstations answering or submitting the same thing offline get
one answer and one number; a full programme is never overbooked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.hr.conftest import frmr
from tests.sync.proxy import FaultProxy
from tests.workflows.conftest import api, logged_in, ok

PDF = b"%PDF-1.4\n% reply\n%%EOF\n"


def test_requests_answered_offline_once_and_conflict_from_second_workstation(
        server: dict[str, Any], tmp_path: Path) -> None:
    db = server["db"]
    org = db.org()
    pid, _ = db.person(org)
    clerk = logged_in(server, tmp_path, db.account("hr", org=org), "hr")
    req = ok(frmr(clerk, "request", "send", pid, "kind=Документы", "text=Принесите диплом")).strip()
    ok(frmr(clerk, "sync"))

    doctor = db.account("doctor", person_id=pid)
    one = logged_in(server, tmp_path, doctor, "one")
    two = logged_in(server, tmp_path, doctor, "two")
    listed = json.loads(ok(frmr(one, "request", "list", "--status", "new", "--json")))
    assert [(r["id"], r["org_name"], r["status"]) for r in listed] == [(req, org.name, "new")]
    notes = json.loads(ok(frmr(one, "notifications", "--unread", "--json")))
    assert [n["kind"] for n in notes] == ["new_request"] and "Документы" in notes[0]["text"]

    ok(frmr(one, "request", "ack", req))
    assert frmr(one, "request", "ack", req).returncode == 1  # once is enough
    ok(frmr(one, "request", "comment", req, "Принесу в понедельник"))
    (tmp_path / "diploma.pdf").write_bytes(PDF)
    (tmp_path / "fake.pdf").write_bytes(b"MZ\x90\x00 an exe")
    bad = frmr(one, "request", "reply", req, "--text", "Диплом", "--file", str(tmp_path / "fake.pdf"))
    assert bad.returncode == 1 and "не PDF" in bad.stdout
    ok(frmr(one, "request", "reply", req, "--text", "Диплом во вложении", "--file", str(tmp_path / "diploma.pdf")))
    assert json.loads(ok(frmr(one, "request", "list", "--json")))[0]["status"] == "answered"
    # the second workstation, offline too, answers the same request
    ok(frmr(two, "request", "reply", req, "--text", "Ответ со второго компьютера"))

    ok(frmr(one, "sync"))
    assert db.rows(pid)[req]["data"]["status"] == "answered"
    frmr(two, "sync")
    acts = json.loads(ok(frmr(two, "actions", "--json")))
    assert [a["state"] for a in acts] == ["rejected"] and "уже ответили" in acts[0]["message"]
    with api(server, db.account("hr", org=org)) as c:
        thread = c.get(f"/requests/{req}/comments").json()["items"]
        texts = [t["text"] for t in thread]
        assert texts == ["", "Принесу в понедельник", "Диплом во вложении"]
        sha = thread[-1]["blob_sha256"]
        assert c.get(f"/blobs/{sha}").content == PDF  # the organization opens the reply document
    notes = json.loads(ok(frmr(two, "notifications", "--unread", "--json")))
    assert any(n["kind"] == "rejected" and "уже ответили" in n["text"] for n in notes)


def test_application_one_number_however_submitted(server: dict[str, Any], proxy: FaultProxy, tmp_path: Path) -> None:
    db = server["db"]
    org = db.org()
    pid, _ = db.person(org)
    doctor = db.account("doctor", person_id=pid)
    one = logged_in(server, tmp_path, doctor, "one", url=proxy.url)
    bad = frmr(one, "application", "new", "kind=periodic", "specialty_code=нет-такой")
    assert bad.returncode != 0
    app = ok(frmr(one, "application", "new", "kind=periodic", "specialty_code=36")).strip()
    cp = frmr(one, "application", "check", app, "--json")
    got = json.loads(cp.stdout)
    assert cp.returncode == 1 and got["ok"] is False
    assert any(s.startswith("НМО: за цикл") and "не хватает 144" in s for s in got["shortfalls"])
    assert any("сертификата специалиста или аккредитации" in s for s in got["shortfalls"])
    assert any("образовании" in s for s in got["shortfalls"])
    ok(frmr(one, "sync"))
    two = logged_in(server, tmp_path, doctor, "two", url=proxy.url)

    # both workstations submit offline; the first to arrive gets the number, the other is refused
    proxy.add("reset_request", "/", count=1000)
    ok(frmr(one, "application", "submit", app))
    twice = frmr(one, "application", "submit", app)
    assert twice.returncode == 1 and "уже" in twice.stdout
    ok(frmr(two, "application", "submit", app))
    proxy.clear()
    ok(frmr(one, "sync"))
    frmr(two, "sync")
    ok(frmr(one, "sync"))
    mine = json.loads(ok(frmr(one, "show", "application", "--json")))[0]
    assert mine["status"] == "submitted" and mine["confirmation_number"] and mine["submitted_at"]
    theirs = json.loads(ok(frmr(two, "show", "application", "--json")))[0]
    assert theirs["confirmation_number"] == mine["confirmation_number"]
    assert [a["state"] for a in json.loads(ok(frmr(two, "actions", "--json")))] == ["rejected"]

    # withdrawn, then filed by a plain edit: the server still numbers and dates it
    ok(frmr(one, "application", "withdraw", app))
    ok(frmr(one, "sync"))
    assert db.rows(pid)[app]["data"]["status"] == "draft"
    other = ok(frmr(one, "application", "new", "kind=primary", "specialty_code=36")).strip()
    ok(frmr(one, "edit", "application", other, "status=submitted"))
    ok(frmr(one, "sync"))
    ok(frmr(one, "sync"))
    rows = {r["id"]: r for r in json.loads(ok(frmr(one, "show", "application", "--json")))}
    assert rows[other]["status"] == "submitted"
    assert rows[other]["confirmation_number"].startswith("А-") and rows[other]["submitted_at"]
    # the operator decides; the decision reaches the doctor as a notification
    with api(server, db.account("admin")) as c:
        r = c.post(f"/admin/applications/{other}/decision", json={"status": "rejected", "comment": "Нет диплома"})
        assert r.status_code == 200, r.text
    ok(frmr(one, "sync"))
    notes = json.loads(ok(frmr(one, "notifications", "--json")))
    assert any(n["entity_id"] == other and "Нет диплома" in n["text"] for n in notes), notes
    assert frmr(one, "application", "withdraw", other).returncode == 1


def test_programmes_full_and_twice(server: dict[str, Any], tmp_path: Path) -> None:
    db = server["db"]
    org = db.org()
    with api(server, db.account("admin")) as c:
        r = c.post("/programmes", json={"title": "Кардиология: обновления", "format": "distance", "hours": 36,
                                        "begin_date": "2030-02-01", "end_date": "2030-02-28", "seats": 1,
                                        "specialty_code": "36"})
        assert r.status_code == 201, r.text
        prog = r.json()["id"]
    a = logged_in(server, tmp_path, db.account("doctor", person_id=db.person(org)[0]), "a")
    b = logged_in(server, tmp_path, db.account("doctor", person_id=db.person(org)[0]), "b")
    listed = json.loads(ok(frmr(a, "programmes", "list", "--specialty", "36", "--json")))
    assert [p["id"] for p in listed] == [prog] and listed[0]["free_seats"] == 1
    assert json.loads(ok(frmr(b, "programmes", "list", "--specialty", "901", "--json"))) == []
    ok(frmr(a, "programmes", "enrol", prog))
    twice = frmr(a, "programmes", "enrol", prog)
    assert twice.returncode == 1 and "уже записаны" in twice.stdout
    ok(frmr(b, "programmes", "enrol", prog))  # b's catalogue (fetched before) still shows a seat
    ok(frmr(a, "sync"))
    frmr(b, "sync")
    refused = json.loads(ok(frmr(b, "actions", "--json")))
    assert [x["state"] for x in refused] == ["rejected"] and "Свободных мест нет" in refused[0]["message"]
    full = json.loads(ok(frmr(b, "programmes", "list", "--json")))
    assert full[0]["free_seats"] == 0
    polite = frmr(b, "programmes", "enrol", prog)
    assert polite.returncode == 1 and "свободных мест нет" in polite.stdout
    mine = json.loads(ok(frmr(a, "programmes", "list", "--mine", "--json")))
    assert [p["id"] for p in mine] == [prog]
    # a gives the seat back (a queued cancel_enrolment, sent once); then b's enrolment fits
    ok(frmr(a, "programmes", "cancel", prog))
    ok(frmr(a, "sync"))
    ok(frmr(a, "sync"))  # the same cancellation is not sent twice: the seat is freed once
    again = frmr(a, "programmes", "cancel", prog)
    assert again.returncode == 1 and "не записаны" in again.stdout
    assert json.loads(ok(frmr(b, "programmes", "list", "--free", "--json")))[0]["free_seats"] == 1
    ok(frmr(b, "programmes", "enrol", prog))
    assert frmr(b, "sync").returncode == 3  # sent; the earlier refusal still waits to be looked at
    assert json.loads(ok(frmr(b, "programmes", "list", "--mine", "--json")))[0]["free_seats"] == 0
