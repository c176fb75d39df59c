"""``frmr staff | confirmations | request`` and ``--person`` for a clerk logged in to a real
server on loopback: what the clerk queues offline reaches the server at ``frmr sync``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
from openpyxl import load_workbook

from desktop.models.checkdigits import make_snils
from desktop.models.repository import RecordRepository
from desktop.sync.api import CLIENT_SCHEMA
from desktop.vault.store import Vault
from tests.hr.conftest import PASS, frmr, new_profile
from tests.sync.proxy import FaultProxy
from tests.sync.world import PASSWORD, Org

PERSON_KEYS = {"id", "snils", "last_name", "first_name", "patronymic", "cards"}
CARD_KEYS = {"id", "position_code", "position_name", "position_type", "rate", "begin_date", "end_date", "status"}


def clerk(server: dict[str, Any], tmp_path: Path, org: Org, name: str = "hr", url: str | None = None) -> Path:
    login = server["db"].account("hr", org=org)
    prof = new_profile(tmp_path, name)
    cp = frmr(prof, "login", "--server", url or server["url"], "--username", login, "--password", PASSWORD)
    assert cp.returncode == 0, cp.stderr
    cp = frmr(prof, "sync")
    assert cp.returncode == 0, cp.stdout + cp.stderr
    return prof


def ok(cp: Any) -> str:
    assert cp.returncode == 0, cp.stdout + cp.stderr
    return str(cp.stdout)


def test_clerk_staff_commands_end_to_end(server: dict[str, Any], tmp_path: Path) -> None:
    db = server["db"]
    org = db.org()
    pid, eid = db.person(org)
    prof = clerk(server, tmp_path, org)

    rows = json.loads(ok(frmr(prof, "staff", "list", "--json")))
    assert [r["id"] for r in rows] == [pid]
    assert set(rows[0]) == PERSON_KEYS and set(rows[0]["cards"][0]) == CARD_KEYS
    assert rows[0]["cards"][0] | {"id": eid} == {"id": eid, "position_code": "4", "position_name": "врач-терапевт",
                                                 "position_type": "main", "rate": "1", "begin_date": "2015-01-12",
                                                 "end_date": None, "status": "confirmed"}
    assert json.loads(ok(frmr(prof, "staff", "list", "--org", org.inn, "--q", "Тестова", "--active", "--json")))
    assert json.loads(ok(frmr(prof, "staff", "list", "--dismissed", "--json"))) == []

    snils = make_snils("377456739")
    person = ["last_name=Новикова", "first_name=Елена", "patronymic=Сергеевна", "gender=female",
              "birth_date=03.04.1988"]
    new = ok(frmr(prof, "staff", "add-person", f"snils={snils}", *person)).strip()
    dup = frmr(prof, "staff", "add-person", f"snils={snils}", "last_name=Другая", "first_name=Анна",
               "gender=female", "birth_date=01.01.1990")
    assert dup.returncode == 1 and "Новикова Елена Сергеевна" in dup.stderr and dup.stdout == ""
    card = ok(frmr(prof, "staff", "add-card", new, "position_code=4", "position_type=main", "contract_kind=labor",
                   "rate=0,5", "begin_date=01.02.2024", "subdivision=Терапия")).strip()
    with Vault.open(prof, PASS) as v:
        repo = RecordRepository(v)
        c = repo.get("employment", card)
        assert c is not None and (c["org_inn"], c["org_name"], c["org_ogrn"]) == (org.inn, org.name, org.ogrn)
        assert repo.count("person") == 2

    # a vault of many persons: no command picks one by itself
    for args in (["show"], ["show", "employment"], ["seniority"], ["edit", "employment", eid, "rate=0,5"],
                 ["add", "education", "kind=higher", "institution=МГУ", "doc_number=1"]):
        cp = frmr(prof, *args)
        assert cp.returncode != 0 and "--person" in cp.stderr, args
    shown = json.loads(ok(frmr(prof, "show", "employment", "--person", pid, "--json")))
    assert [r["id"] for r in shown] == [eid]
    years = json.loads(ok(frmr(prof, "seniority", "--person", pid, "--json")))["total"]["years"]
    assert years == (dt.date.today() - dt.date(2015, 1, 12)).days // 366 or years >= 9
    cp = frmr(prof, "edit", "employment", eid, "--person", new, "subdivision=Кардиология")
    assert cp.returncode != 0 and "не принадлежит" in cp.stderr
    ok(frmr(prof, "edit", "employment", eid, "--person", pid, "subdivision=Кардиология"))

    ok(frmr(prof, "staff", "close-card", card, "end_date=31.05.2024", "end_reason=По собственному желанию"))
    req = ok(frmr(prof, "request", "send", pid, "kind=Документы", "text=Принесите диплом")).strip()
    ok(frmr(prof, "sync"))
    on_server = db.rows(new)
    assert on_server[new]["data"]["snils"] == snils
    assert on_server[card]["data"]["end_date"] == "2024-05-31" and on_server[card]["data"]["org_inn"] == org.inn
    theirs = db.rows(pid)
    assert theirs[eid]["data"]["subdivision"] == "Кардиология"
    assert theirs[req]["entity"] == "request" and theirs[req]["data"]["org_inn"] == org.inn
    assert theirs[req]["data"]["status"] == "new"

    # import, then export what the server now holds
    csv_file = tmp_path / "staff.csv"
    csv_file.write_text("СНИЛС;ФИО;Пол;Дата рождения;Должность;Ставка;Дата начала\n"
                        f"{make_snils('377456740')};Сидоров Иван Иванович;м;01.01.1980;врач-хирург;1;01.03.2021\n"
                        f"{snils};Новикова Елена Сергеевна;ж;03.04.1988;врач-терапевт;1;01.06.2024\n"
                        "111;Плохой Снилс;м;01.01.1980;врач-хирург;1;01.03.2021\n", encoding="cp1251")
    cp = frmr(prof, "staff", "import", str(csv_file), "--json", "--errors-out", str(tmp_path / "errors.xlsx"))
    assert cp.returncode == 1, cp.stderr
    got = json.loads(cp.stdout)
    assert got["rows"] == 3 and got["imported"] == 2 and [(e["row"], e["field"]) for e in got["errors"]] == \
        [(4, "snils")]
    assert (tmp_path / "errors.xlsx").exists()
    again = json.loads(frmr(prof, "staff", "import", str(csv_file), "--json").stdout)
    assert again["imported"] == 0
    ok(frmr(prof, "sync"))
    assert len([r for r in db.rows(new).values() if r["entity"] == "employment"]) == 2
    out = tmp_path / "staff.xlsx"
    ok(frmr(prof, "staff", "export", "--format", "xlsx", "--out", str(out)))
    ws = load_workbook(out).active
    assert ws is not None
    lines = list(ws.iter_rows(values_only=True))
    assert lines[0][0] == "СНИЛС" and len(lines) == 1 + 3  # Новикова, Сидоров, Тестова
    assert [line[1] for line in lines[1:]] == ["Новикова", "Сидоров", "Тестова"]
    assert lines[1][6:10] == ("Терапия", "врач-терапевт", "основная", 1)  # the closed card counts for no rate
    assert isinstance(lines[1][5], dt.datetime) and lines[1][13] == "да" and lines[1][14] == 2
    ok(frmr(prof, "staff", "export", "--format", "xlsx", "--cards", "--out", str(out)))
    ws = load_workbook(out).active
    assert ws is not None
    cards = list(ws.iter_rows(values_only=True))
    assert len(cards) == 1 + 4 and cards[0][-3:] == ("Организация", "ИНН организации", "Статус")
    res = json.loads(frmr(prof, "staff", "import", str(out), "--json").stdout)
    assert res == {"rows": 4, "imported": 0, "errors": []}  # the export imports back: nothing new
    ok(frmr(prof, "staff", "export", "--format", "csv", "--out", str(tmp_path / "staff.csv")))
    assert (tmp_path / "staff.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    cp = frmr(prof, "staff", "import", str(tmp_path / "nothing.xlsx"), "--json")
    assert cp.returncode == 2 and json.loads(cp.stdout)["imported"] == 0


def _doctor_asks_confirmation(server: dict[str, Any], org: Org, pid: str, eid: str) -> bytes:
    db = server["db"]
    doctor = db.account("doctor", person_id=pid)
    headers = {"Authorization": f"Bearer {db.session(doctor)['access_token']}", "X-Client-Schema": str(CLIENT_SCHEMA)}
    pdf = b"%PDF-1.4\n% employment contract\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    sha = hashlib.sha256(pdf).hexdigest()
    with httpx.Client(base_url=server["url"], headers=headers, timeout=30) as c:
        assert c.put(f"/blobs/{sha}", content=pdf).status_code == 201
        r = c.post(f"/employment/{eid}/confirmations", json={
            "blob_sha256": sha, "doc_kind": "contract", "doc_org_inn": org.inn, "doc_org_name": org.name,
            "doc_begin_date": "2015-01-12", "doc_date": dt.date.today().isoformat()})
        assert r.status_code == 201, r.text
    return pdf


def test_confirmations_open_the_document_and_decide_offline(server: dict[str, Any], proxy: FaultProxy,
                                                            tmp_path: Path) -> None:
    db = server["db"]
    org = db.org()
    pid, eid = db.person(org)
    prof = clerk(server, tmp_path, org, url=proxy.url)
    # the doctor files a second card in the organization and sends its document
    pid3, eid3 = db.person(org, employment_status="draft")
    pdf = _doctor_asks_confirmation(server, org, pid3, eid3)

    items = json.loads(ok(frmr(prof, "confirmations", "list", "--json")))
    assert [i["employment_id"] for i in items] == [eid3] and items[0]["errors"] == []
    assert items[0]["person"]["last_name"] == "Тестова" and items[0]["local_decision"] is None
    conf = items[0]["id"]
    # the clerk opens the document the doctor uploaded (the server used to answer 404)
    ok(frmr(prof, "confirmations", "file", conf, "--out", str(tmp_path / "doc.pdf")))
    assert (tmp_path / "doc.pdf").read_bytes() == pdf

    cp = frmr(prof, "confirmations", "decide", conf, "reject")
    assert cp.returncode == 2 and "--reason" in cp.stderr
    # offline: the list is the last one fetched, the decision is queued
    proxy.add("reset_request", "/confirmations", count=100)
    cp = frmr(prof, "confirmations", "list")
    assert cp.returncode == 0 and "Нет связи" in cp.stdout and "Тестова" in cp.stdout
    ok(frmr(prof, "confirmations", "decide", conf, "confirm"))
    again = frmr(prof, "confirmations", "decide", conf, "confirm")
    assert again.returncode == 2 and "уже ждёт отправки" in again.stderr
    listed = json.loads(ok(frmr(prof, "confirmations", "list", "--json")))
    assert listed[0]["local_decision"] == {"decision": "confirm", "comment": "", "state": "pending"}
    proxy.clear()
    ok(frmr(prof, "sync"))
    assert db.rows(pid3)[eid3]["data"]["status"] == "confirmed"
    assert json.loads(ok(frmr(prof, "confirmations", "list", "--json"))) == []
    done = json.loads(ok(frmr(prof, "confirmations", "list", "--all", "--json")))
    assert [i["status"] for i in done] == ["confirmed"]
    assert db.rows(pid)[eid]["version"] == 1  # the other staff untouched by the decision
