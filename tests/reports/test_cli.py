"""``frmr report org`` and ``frmr admin`` against a real server on loopback (issue 15): the JSON
contract, the PDF and .xlsx, the figures kept for offline, who is refused, and the operator's
decisions with their bad inputs (no reason, decided meanwhile, withdrawn, several at once)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlmodel import Session

from desktop.sync.reports import CONTRACT_KEYS
from server.db import in_write_tx
from server.feed import Writer
from server.models import Record
from tests.hr.conftest import frmr, new_profile
from tests.sync.world import PASSWORD, Org, ServerDb


def logged_in(server: dict[str, Any], tmp_path: Path, role: str, org: Org | None = None,
              person_id: str | None = None) -> Path:
    login = server["db"].account(role, org=org, person_id=person_id)
    prof = new_profile(tmp_path, f"{role}-{uuid.uuid4().hex[:6]}")
    cp = frmr(prof, "login", "--server", server["url"], "--username", login, "--password", PASSWORD)
    assert cp.returncode == 0, cp.stderr
    return prof


def ok(cp: Any) -> str:
    assert cp.returncode == 0, cp.stdout + cp.stderr
    return str(cp.stdout)


def refused(cp: Any, code: int = 2) -> str:
    assert cp.returncode == code, cp.stdout + cp.stderr
    assert "Traceback" not in cp.stderr
    return str(cp.stderr)


def add_rows(db: ServerDb, person_id: str, *rows: tuple[str, dict[str, Any]]) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in rows]

    def tx(s: Session) -> None:
        w = Writer(s, None)
        for rid, (entity, data) in zip(ids, rows, strict=True):
            w.touch(Record(id=rid, entity=entity, person_id=person_id, version=1, data=data,
                           field_versions={k: 1 for k in data}, field_clients={}))
        w.finish()

    in_write_tx(db.engine, tx)
    return ids


def test_report_org_json_pdf_xlsx_offline_and_refusals(server: dict[str, Any], tmp_path: Path) -> None:
    db: ServerDb = server["db"]
    org = db.org()
    staff = [db.person(org) for _ in range(4)]
    db.person(org, employment_status="submitted")  # not the organization's yet: not counted
    add_rows(db, staff[0][0], ("certificate", {"specialty_code": "36", "valid_until": "2000-01-01"}))
    prof = logged_in(server, tmp_path, "manager", org)

    out = tmp_path / "r.json"
    assert "Отчёт записан" in ok(frmr(prof, "report", "org", "--format", "json", "--out", str(out)))
    data = json.loads(out.read_text("utf-8"))
    assert list(data)[:len(CONTRACT_KEYS)] == list(CONTRACT_KEYS)
    assert data["org_inn"] == org.inn and data["headcount"] == 4
    assert data["by_subdivision"] == [{"subdivision": "Терапия", "headcount": 4, "cards": 4, "rate": "4.00"}]
    assert data["expiring"] == {"30": 0, "90": 0, "expired": 1}
    assert sum(b["count"] for b in data["nmo_compliance"]) == 4

    pdf = tmp_path / "r.pdf"
    ok(frmr(prof, "report", "org", "--org", org.inn, "--format", "pdf", "--out", str(pdf)))
    raw = pdf.read_bytes()
    assert raw.startswith(b"%PDF") and b"Helvetica" not in raw  # the embedded Cyrillic font only
    xlsx = tmp_path / "r.xlsx"
    ok(frmr(prof, "report", "org", "--format", "xlsx", "--out", str(xlsx)))
    wb = load_workbook(xlsx)
    sheet = wb["Численность по подразделениям"]
    assert [c.value for c in sheet[2]] == ["Терапия", 4, 4, 4]  # typed: numbers, not text

    # offline: the figures kept in the vault, with their age
    cp = frmr(prof, "report", "org", "--offline", "--format", "json", "--out", str(tmp_path / "o.json"))
    assert cp.returncode == 0 and "из хранилища" in cp.stderr
    assert json.loads((tmp_path / "o.json").read_text("utf-8"))["headcount"] == 4
    assert "требует сервера" in refused(frmr(prof, "report", "org", "--offline", "--subdivision", "X",
                                             "--format", "json", "--out", str(tmp_path / "x.json")))

    # bad input: dates, an organization not the account's, a folder as the file
    assert "не существует" in refused(frmr(prof, "report", "org", "--from", "31.02.2026", "--format", "json",
                                           "--out", str(out)))
    assert "конец периода раньше начала" in refused(frmr(prof, "report", "org", "--from", "2026-05-01", "--to",
                                                         "2026-04-01", "--format", "json", "--out", str(out)))
    other = db.org()
    assert "недоступна" in refused(frmr(prof, "report", "org", "--org", other.inn, "--format", "json",
                                        "--out", str(out)))
    assert "папка" in refused(frmr(prof, "report", "org", "--format", "json", "--out", str(tmp_path)))

    # another organization's manager and a doctor are refused by the server
    stranger = logged_in(server, tmp_path, "manager", other)
    assert "недоступна" in refused(frmr(stranger, "report", "org", "--org", org.inn, "--format", "json",
                                        "--out", str(out)))
    doctor = logged_in(server, tmp_path, "doctor", person_id=staff[1][0])
    assert "нет организаций" in refused(frmr(doctor, "report", "org", "--format", "json", "--out", str(out)))
    # a manager may not use the operator's console
    assert "Недостаточно прав" in refused(frmr(prof, "admin", "applications", "list"))


def test_empty_organization_report_says_so(server: dict[str, Any], tmp_path: Path) -> None:
    org = server["db"].org()
    prof = logged_in(server, tmp_path, "manager", org)
    out = tmp_path / "e.json"
    assert "нет работающих сотрудников" in ok(frmr(prof, "report", "org", "--format", "json", "--out", str(out)))
    assert json.loads(out.read_text("utf-8"))["headcount"] == 0
    ok(frmr(prof, "report", "org", "--format", "pdf", "--out", str(tmp_path / "e.pdf")))


def test_operator_console(server: dict[str, Any], tmp_path: Path) -> None:
    db: ServerDb = server["db"]
    org = db.org()
    pid, _ = db.person(org)
    filed = {"kind": "periodic", "specialty_code": "36", "status": "submitted", "submitted_at": "2026-11-01",
             "confirmation_number": "А-2026-123456"}
    a1, a2, a3, a4 = add_rows(db, pid, *[("application", dict(filed)) for _ in range(4)])
    n1, n2, n3 = add_rows(db, pid, *[("nmo", {"event_date": "2026-10-01", "kind": "iom", "title": "Модуль",
                                             "credits": "2", "status": "pending"}) for _ in range(3)])
    admin = logged_in(server, tmp_path, "admin")
    admin2 = logged_in(server, tmp_path, "admin")

    listed = json.loads(ok(frmr(admin, "admin", "applications", "list", "--json")))
    assert {a1, a2, a3, a4} <= {i["id"] for i in listed}
    # a rejection needs a reason: refused before anything is sent
    assert "причину отказа" in refused(frmr(admin, "admin", "applications", "decide", a1, "reject"))
    assert "Одобрено" in ok(frmr(admin, "admin", "applications", "decide", a1, "approve"))
    # the second operator, a moment later: told, nothing changed
    assert "уже принято (одобрено)" in refused(frmr(admin2, "admin", "applications", "decide", a1, "reject",
                                                    "--comment", "нет документов"))
    assert "Отклонено" in ok(frmr(admin2, "admin", "applications", "decide", a2, "reject",
                                  "--comment", "нет протокола"))
    # withdrawn meanwhile: taken back to a draft, or deleted
    def withdraw(rid: str, *, delete: bool) -> None:
        def tx(s: Session) -> None:
            rec = s.get(Record, rid)
            assert rec is not None
            if delete:
                rec.deleted = True
            else:
                rec.data = {**rec.data, "status": "draft"}
            w = Writer(s, None)
            w.touch(rec)
            w.finish()
        in_write_tx(db.engine, tx)

    withdraw(a3, delete=False)
    withdraw(a4, delete=True)
    for rid in (a3, a4):
        assert "отозвано заявителем" in refused(frmr(admin, "admin", "applications", "decide", rid, "approve"))
    assert "не найдена" in refused(frmr(admin, "admin", "applications", "decide", str(uuid.uuid4()), "approve"))

    # НМО: several at once; one decided meanwhile is reported, the others done
    ok(frmr(admin2, "admin", "nmo", "decide", n3, "reject"))
    cp = frmr(admin, "admin", "nmo", "decide", n1, n2, n3, "confirm")
    assert cp.returncode == 3 and "Принято решений: 2 из 3" in cp.stdout and "уже принято" in cp.stderr
    pending = json.loads(ok(frmr(admin, "admin", "nmo", "list", "--json")))
    assert not {n1, n2, n3} & {i["id"] for i in pending}
    assert "Формат" in refused(frmr(admin, "admin", "nmo", "decide", n1, "approve"))

    # accounts: create (TOTP secret and recovery codes shown once), lock, unlock, reset 2FA
    made = json.loads(ok(frmr(admin, "admin", "accounts", "create", "new.clerk", "--role", "hr", "--org", org.inn,
                              "--json", env={"FRMR_ADMIN_NEW_PASSWORD": "Новый-пароль-2026!"})))
    assert made["totp_secret"] and len(made["recovery_codes"]) >= 5 and made["organizations"] == [org.inn]
    assert "не хватает" in refused(frmr(admin, "admin", "accounts", "create", "weak", "--role", "hr",
                                        env={"FRMR_ADMIN_NEW_PASSWORD": "short"}))
    assert "заблокирована" in ok(frmr(admin, "admin", "accounts", "lock", "new.clerk"))
    rows = json.loads(ok(frmr(admin, "admin", "accounts", "list", "--role", "hr", "--json")))
    assert next(a for a in rows if a["login"] == "new.clerk")["disabled"] is True
    ok(frmr(admin, "admin", "accounts", "unlock", str(made["id"])))
    assert "второй фактор сброшен" in ok(frmr(admin, "admin", "accounts", "reset-2fa", "new.clerk"))
    assert "не найдена" in refused(frmr(admin, "admin", "accounts", "lock", "nobody.here"))

    # the audit journal: filtered by action, dates checked
    journal = json.loads(ok(frmr(admin, "admin", "audit", "--action", "account_change", "--json")))
    assert journal and {e["action"] for e in journal} == {"account_change"}
    assert "не существует" in refused(frmr(admin, "admin", "audit", "--since", "2026-02-30"))
    assert "вне допустимого" in refused(frmr(admin, "admin", "audit", "--since", "01.01.1800"))
