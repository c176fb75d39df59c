"""`frmr-server seed-demo`: two organizations, their staff, and one account per role."""

from __future__ import annotations

import datetime as dt
import random
import secrets
import string
import uuid
from typing import Any

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from desktop.demo import DEMO_ORGS, demo_record
from desktop.models.checkdigits import make_snils
from desktop.models.nsi import NsiRegistry
from desktop.models.validation import validate
from server.auth import passwords, totp
from server.auth.accounts import create_account
from server.db import in_write_tx
from server.feed import Writer
from server.models import Account, Organization, Programme, Record, RecoveryCode

_NS = uuid.UUID("0b7e3c52-4f0e-4c8e-9d6f-3f1f5c2d7a11")

LAST = [("Петров", "Петрова"), ("Смирнов", "Смирнова"), ("Кузнецов", "Кузнецова"), ("Попов", "Попова"),
        ("Соколов", "Соколова"), ("Лебедев", "Лебедева"), ("Козлов", "Козлова"), ("Новиков", "Новикова"),
        ("Морозов", "Морозова"), ("Волков", "Волкова"), ("Алексеев", "Алексеева"), ("Фёдоров", "Фёдорова")]
FIRST_M = ["Алексей", "Дмитрий", "Сергей", "Андрей", "Михаил", "Игорь", "Павел", "Николай"]
FIRST_F = ["Анна", "Елена", "Ольга", "Татьяна", "Наталья", "Ирина", "Светлана", "Юлия"]
PATR = [("Александрович", "Александровна"), ("Викторович", "Викторовна"), ("Иванович", "Ивановна"),
        ("Петрович", "Петровна"), ("Олегович", "Олеговна")]
POSITIONS = ["4", "5", "6", "3"]

ACCOUNTS = [
    # login, role, organization index (hr/manager), display name
    ("doctor", "doctor", None, ""),
    ("doctor2", "doctor", None, ""),
    ("hr1", "hr", 0, "Кадровая служба ГКБ № 1"),
    ("hr2", "hr", 1, "Кадровая служба поликлиники № 12"),
    ("manager", "manager", 0, "Главный врач ГКБ № 1"),
    ("admin", "admin", None, "Оператор регистра"),
]


def new_password() -> str:
    """Random, and always inside the policy (upper, lower, digit, symbol, 16 characters)."""
    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(12))
    pw = core + secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") + secrets.choice("abcdefghijkmnopqrstuvwxyz") + \
        secrets.choice("23456789") + secrets.choice("!#%*+-=?@")
    assert not passwords.policy_errors(pw)
    return pw


def person_row(rnd: random.Random, i: int) -> dict[str, Any]:
    female = rnd.random() < 0.6
    last = rnd.choice(LAST)[1 if female else 0]
    first = rnd.choice(FIRST_F if female else FIRST_M)
    patr = rnd.choice(PATR)[1 if female else 0]
    snils = make_snils(f"{200_000_000 + i * 7919 % 700_000_000:09d}")
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=rnd.randrange(0, 365 * 40))
    return {"snils": snils, "last_name": last, "first_name": first, "patronymic": patr,
            "gender": "female" if female else "male", "birth_date": birth.isoformat(), "citizenship": "643"}


def employment_row(rnd: random.Random, org: dict[str, str], kind: str = "main") -> dict[str, Any]:
    begin = dt.date(2005, 1, 1) + dt.timedelta(days=rnd.randrange(0, 365 * 19))
    return {**org, "subdivision": rnd.choice(["Терапевтическое отделение", "Хирургическое отделение",
                                             "Поликлиническое отделение", "Приёмное отделение"]),
            "position_code": rnd.choice(POSITIONS), "position_type": kind, "contract_kind": "labor",
            "rate": rnd.choice(["1", "0.5", "0.75", "1.25"]), "begin_date": begin.isoformat(),
            "profile": "терапия", "status": "confirmed"}


def _insert(w: Writer, nsi: NsiRegistry, entity: str, rid: str, pid: str, fields: dict[str, Any]) -> None:
    values = {k: v for k, v in fields.items() if k not in ("id", "person_id")}
    res = validate(entity, values, nsi=nsi)
    data = res.values if res.ok else values  # demo data is canonical already; keep it even if today moved on
    w.touch(Record(id=rid, entity=entity, person_id=pid, version=1, data=data,
                   field_versions={k: 1 for k in data}, field_clients={}))


def _seed_large_staff(w: Writer) -> None:
    """The demo organization's ~2,000 staff (``desktop.demo_staff``): the HR clerk's demo.

    New rows only, so what ``Writer.touch`` does for them is done here in bulk: each row is
    denormalized against its person (held here) and queued for the feed, and each card's
    (person, organization) for the staff list. Through ``touch`` every new person issued an
    ORM bulk UPDATE that scans the whole session — a minute for 6,000 rows instead of seconds.
    """
    import time

    from desktop.demo_staff import demo_staff
    from desktop.models.schema import ENTITIES
    from server.feed import denormalize

    persons: dict[str, Record] = {}
    with w.s.no_autoflush:
        for entity, rows in demo_staff(DEMO_ORGS[0], DEMO_ORGS[1]).items():
            for row in rows:
                # Canonical already (tests/gui/test_hr_demo.py validates every row): 6,000
                # validations were half of the first demo start.
                data = {name: row.get(name) for name in ENTITIES[entity].names}
                rec = Record(id=row["id"], entity=entity, person_id=row["person_id"], version=1, data=data,
                             field_versions={k: 1 for k in data}, field_clients={})
                denormalize(rec, persons.get(rec.person_id))
                if entity == "person":
                    persons[rec.id] = rec
                elif entity == "employment" and rec.org_inn:
                    w.staff.add((rec.person_id, rec.org_inn))
                rec.updated_at = time.time()
                w.touched[rec.id] = rec
                w.s.add(rec)


def _seed_data(s: Session, nsi: NsiRegistry, staff_per_org: int, large_staff: bool = False) -> dict[str, str]:
    """Organizations, the demo doctor, generated staff; returns login -> person_id for doctors."""
    w = Writer(s, None)
    for org in DEMO_ORGS:
        s.add(Organization(inn=org["org_inn"], name=org["org_name"], ogrn=org["org_ogrn"], kpp=org["org_kpp"]))
    rec = demo_record()
    demo_pid = rec["person"][0]["id"]
    for entity, rows in rec.items():
        for row in rows:
            _insert(w, nsi, entity, row["id"], row["person_id"], row)
    rnd = random.Random(20260101)
    second = ""
    n = 0
    for org in DEMO_ORGS:
        for _ in range(staff_per_org):
            n += 1
            pid = str(uuid.uuid5(_NS, f"person-{n}"))
            second = second or pid
            _insert(w, nsi, "person", pid, pid, person_row(rnd, n))
            _insert(w, nsi, "employment", str(uuid.uuid5(_NS, f"employment-{n}")), pid, employment_row(rnd, org))
    # the second doctor also works part-time in the other organization
    _insert(w, nsi, "employment", str(uuid.uuid5(_NS, "employment-second-extra")), second,
            employment_row(rnd, DEMO_ORGS[1], "external_part_time"))
    today = dt.date.today()
    for i, (title, fmt, hours, seats) in enumerate([
        ("Терапия: актуальные вопросы (ПК)", "mixed", 144, 25),
        ("Неотложные состояния в практике терапевта", "distance", 36, 2),
        ("Скорая медицинская помощь (переподготовка)", "full_time", 576, 15),
    ]):
        begin = today + dt.timedelta(days=30 + 30 * i)
        s.add(Programme(id=str(uuid.uuid5(_NS, f"programme-{i}")), title=title, provider="РМАНПО",
                        specialty_code="36", format=fmt, hours=hours, begin_date=begin.isoformat(),
                        end_date=(begin + dt.timedelta(days=max(hours // 6, 5))).isoformat(),
                        seats=seats, free_seats=seats))
    if large_staff:
        _seed_large_staff(w)
    w.finish()
    return {"doctor": demo_pid, "doctor2": second}


def seed_demo(engine: Engine, staff_per_org: int = 12, *, large_staff: bool = False) -> dict[str, Any]:
    """Create the demo once; on later runs only issue fresh passwords and TOTP secrets.

    Re-running therefore always prints working credentials, never duplicates data.
    ``large_staff``: the first organization also gets ~2,000 staff (the HR clerk's demo).
    """
    nsi = NsiRegistry.shipped()

    def run(s: Session) -> list[dict[str, Any]]:
        doctors: dict[str, str]
        if s.get(Organization, DEMO_ORGS[0]["org_inn"]) is None:
            doctors = _seed_data(s, nsi, staff_per_org, large_staff)
        else:
            doctors = {}
            for login in ("doctor", "doctor2"):
                acc = s.exec(select(Account).where(Account.login == login)).first()
                if acc and acc.person_id:
                    doctors[login] = acc.person_id
        out = []
        for login, role, org_i, name in ACCOUNTS:
            pw = new_password()
            secret = totp.new_secret()
            acc = s.exec(select(Account).where(Account.login == login)).first()
            person_id = doctors.get(login)
            if acc is None:
                orgs = [DEMO_ORGS[org_i]["org_inn"]] if org_i is not None else None
                made = create_account(s, login, pw, role, person_id=person_id, org_inns=orgs, display_name=name,
                                      with_totp=False)
                acc = made.account
            else:
                acc.password_hash = passwords.hash_password(pw)
            acc.totp_secret = secret
            acc.totp_confirmed = True
            acc.totp_last_step = 0
            acc.failed_count = 0
            acc.locked_until = 0.0
            s.add(acc)
            s.execute(delete(RecoveryCode).where(col(RecoveryCode.account_id) == acc.id))
            snils = None
            if acc.person_id:
                person = s.get(Record, acc.person_id)
                snils = person.data.get("snils") if person else None
            out.append({"role": role, "login": login, "password": pw, "totp_secret": secret, "snils": snils})
        return out

    return {"accounts": in_write_tx(engine, run, attempts=2)}
