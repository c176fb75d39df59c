"""The demo record: a realistic therapist, shared by the desktop demo profile and the
server's ``seed-demo`` (so the demo doctor is the same person on both sides).
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from desktop.models.checkdigits import make_inn10, make_inn12, make_ogrn, make_snils

DEMO_PASSPHRASE = "demo-frmr-2026"
DEMO_PROFILE_NAME = "Демонстрационный профиль"
_NS = uuid.UUID("6f1c2a3e-9b7d-4e55-8a10-5d2f3c4b1a00")

ORG_GKB = {"org_name": "ГБУЗ «Городская клиническая больница № 1»", "org_inn": make_inn10("770212345"),
           "org_ogrn": make_ogrn("102770012345"), "org_kpp": "770201001"}
ORG_POLY = {"org_name": "ГБУЗ «Городская поликлиника № 12»", "org_inn": make_inn10("771398765"),
            "org_ogrn": make_ogrn("102771398765"), "org_kpp": "771301001"}
ORG_SMP = {"org_name": "ГБУ «Станция скорой и неотложной медицинской помощи им. А.С. Пучкова»",
           "org_inn": make_inn10("770854321"), "org_ogrn": make_ogrn("102770854321"), "org_kpp": "770801001"}
ORG_MED = {"org_name": "ООО «Медицинский центр «Здоровье»", "org_inn": make_inn10("502711111"),
           "org_ogrn": make_ogrn("115502711111"), "org_kpp": "502701001"}

DEMO_ORGS = [ORG_GKB, ORG_POLY]

#: the demo profiles of the organization's side: (name, role, the demo server's login)
STAFF_DEMO_PROFILES = (
    # Short: the profile chooser is narrow («Демонстрационный профиль — …» was cut off there).
    ("Демо: кадровая служба ГКБ № 1", "hr", "hr1"),
    ("Демо: главный врач ГКБ № 1", "manager", "manager"),
    ("Демо: оператор регистра", "admin", "admin"),
)


def _id(name: str) -> str:
    return str(uuid.uuid5(_NS, name))


PERSON_ID = _id("person")


def demo_record() -> dict[str, list[dict[str, Any]]]:
    """entity -> canonical rows (with fixed ids and ``person_id``)."""
    pid = PERSON_ID
    person = {
        "snils": make_snils("128456739"), "last_name": "Иванова", "first_name": "Мария",
        "patronymic": "Сергеевна", "gender": "female", "birth_date": "1984-03-17",
        "inn": make_inn12("7712345678"), "citizenship": "643", "phone": "+79161234567",
        "email": "m.ivanova@example.ru", "id_doc_type": "21", "id_doc_series": "4509",
        "id_doc_number": "123456", "id_doc_issued": "2004-04-02",
        "id_doc_issuer": "ОВД района Хамовники г. Москвы",
        "address_registration": "г. Москва, ул. Льва Толстого, д. 5, кв. 12",
        "address_actual": "г. Москва, ул. Льва Толстого, д. 5, кв. 12",
    }
    education: list[dict[str, Any]] = [
        {"kind": "higher", "institution": "Первый МГМУ им. И.М. Сеченова", "specialty_code": "47",
         "qualification": "Врач-лечебник", "study_form": "full_time", "begin_date": "2001-09-01",
         "end_date": "2007-06-30", "doc_series": "ВСГ", "doc_number": "1234567", "doc_date": "2007-06-30"},
        {"kind": "residency", "institution": "РНИМУ им. Н.И. Пирогова", "specialty_code": "36",
         "qualification": "Врач-терапевт", "study_form": "full_time", "begin_date": "2007-09-01",
         "end_date": "2009-08-31", "doc_series": "0177", "doc_number": "045612", "doc_date": "2009-08-31"},
        {"kind": "advanced_training", "institution": "РМАНПО", "specialty_code": "36",
         "qualification": "Терапия", "study_form": "mixed", "begin_date": "2024-02-05",
         "end_date": "2024-03-02", "doc_series": "7727", "doc_number": "00215478", "doc_date": "2024-03-02",
         "hours": 144},
        {"kind": "retraining", "institution": "РМАНПО", "specialty_code": "33",
         "qualification": "Скорая медицинская помощь", "study_form": "part_time", "begin_date": "2012-01-10",
         "end_date": "2012-06-20", "doc_series": "7727", "doc_number": "00098765", "doc_date": "2012-06-20",
         "hours": 576},
    ]
    certificate = [
        {"specialty_code": "36", "cert_series": "0177", "cert_number": "180012345", "exam_date": "2019-11-20",
         "issue_date": "2019-12-02", "valid_until": "2024-12-02", "issuer": "РНИМУ им. Н.И. Пирогова"},
    ]
    accreditation = [
        {"kind": "periodic", "specialty_code": "36", "protocol_number": "77/2024-118",
         "protocol_date": "2024-11-28", "registry_number": "7724 031234567", "valid_until": "2029-11-28",
         "issuer": "Аккредитационная подкомиссия г. Москвы"},
    ]
    category = [
        {"level": "first", "specialty_code": "36", "begin_date": "2022-05-16", "end_date": "2027-05-16",
         "order_number": "ДЗМ-1452"},
    ]
    employment = [
        {**ORG_SMP, "subdivision": "Подстанция № 7", "position_code": "13", "position_type": "main",
         "contract_kind": "labor", "rate": "1", "begin_date": "2009-09-01", "end_date": "2013-08-31",
         "end_reason": "по собственному желанию", "contract_number": "ТД-214", "contract_date": "2009-09-01",
         "order_number": "115-к", "order_date": "2009-09-01", "profile": "скорая помощь", "status": "confirmed"},
        {**ORG_GKB, "subdivision": "Терапевтическое отделение № 2", "position_code": "4", "position_type": "main",
         "contract_kind": "labor", "rate": "1", "begin_date": "2013-09-02", "contract_number": "ТД-1187",
         "contract_date": "2013-09-02", "order_number": "845-к", "order_date": "2013-09-02",
         "profile": "терапия", "status": "confirmed"},
        {**ORG_POLY, "subdivision": "Дневной стационар", "position_code": "5",
         "position_type": "external_part_time", "contract_kind": "labor", "rate": "0.25",
         "begin_date": "2018-01-15", "end_date": "2021-12-31", "end_reason": "истечение срока договора",
         "contract_number": "ТД-56/18", "contract_date": "2018-01-15", "profile": "терапия", "status": "confirmed"},
        {**ORG_GKB, "subdivision": "Приёмное отделение", "position_code": "4",
         "position_type": "internal_part_time", "contract_kind": "labor", "rate": "0.5",
         "begin_date": "2020-04-01", "end_date": "2020-09-30", "end_reason": "окончание работ",
         "profile": "терапия", "status": "confirmed"},
        {**ORG_MED, "subdivision": "Консультативный приём", "position_code": "4",
         "position_type": "external_part_time", "contract_kind": "civil", "rate": "0.25",
         "begin_date": "2023-03-01", "end_date": "2023-12-31", "profile": "терапия", "status": "draft"},
    ]
    titles = [
        ("iom", "Артериальная гипертензия у взрослых", "2"), ("iom", "Хроническая сердечная недостаточность", "3"),
        ("event", "Конгресс «Человек и лекарство»", "6"), ("iom", "Сахарный диабет 2 типа", "2"),
        ("iom", "Внебольничная пневмония", "3"), ("event", "Школа терапевта", "4"),
        ("iom", "ХОБЛ: диагностика и лечение", "2"), ("iom", "Анемии в практике терапевта", "1.5"),
        ("event", "Национальный конгресс терапевтов", "12"), ("iom", "Фибрилляция предсердий", "3"),
        ("iom", "Гастроэзофагеальная рефлюксная болезнь", "2"), ("iom", "Остеоартрит", "2"),
        ("event", "Вебинар «Антикоагулянты»", "2"), ("iom", "Ожирение", "2"),
        ("iom", "COVID-19: профилактика и лечение", "4"), ("iom", "Дислипидемии", "2.5"),
        ("event", "Региональная конференция кардиологов", "6"), ("iom", "Бронхиальная астма", "3"),
        ("iom", "Хроническая болезнь почек", "2"), ("program", "Терапия (ПК, 144 ч)", "36"),
        ("program", "Неотложные состояния в терапии (36 ч)", "36"), ("iom", "Подагра", "1"),
    ]
    nmo = []
    # Most credits fall inside the current accreditation cycle (from 28.11.2024), so the
    # demo shows a cycle in progress: partly confirmed, a few still pending.
    start = dt.date(2024, 12, 9)
    for i, (kind, title, credits) in enumerate(titles):
        d = start + dt.timedelta(days=14 * i)
        nmo.append({
            "event_date": d.isoformat(), "kind": kind, "title": title,
            "provider": "Портал НМО" if kind == "iom" else "РМАНПО", "credits": credits,
            "status": "confirmed" if i < 18 else "pending", "document_number": f"НМО-{d.year}-{1000 + i}",
        })
    application = [
        {"kind": "periodic", "specialty_code": "36", "submitted_at": "2024-10-01",
         "confirmation_number": "А-2024-778812", "status": "approved", "decision_comment": "Портфолио соответствует"},
    ]
    request = [
        {"org_name": ORG_GKB["org_name"], "org_inn": ORG_GKB["org_inn"], "kind": "Подтверждение трудоустройства",
         "received_at": "2025-09-15", "status": "answered", "text": "Просим подтвердить сведения о трудоустройстве."},
        {"org_name": ORG_POLY["org_name"], "org_inn": ORG_POLY["org_inn"], "kind": "Запрос копии диплома",
         "received_at": "2025-10-20", "status": "new", "text": "Просим загрузить копию диплома о высшем образовании."},
    ]
    out: dict[str, list[dict[str, Any]]] = {"person": [{"id": pid, "person_id": pid, **person}]}
    groups: tuple[tuple[str, list[dict[str, Any]]], ...] = (
        ("education", education), ("certificate", certificate), ("accreditation", accreditation),
                       ("category", category), ("employment", employment), ("nmo", nmo),
                       ("application", application), ("request", request))
    for name, rows in groups:
        out[name] = [{"id": _id(f"{name}-{i}"), "person_id": pid, **r} for i, r in enumerate(rows)]
    out["document"] = []
    return out


def ensure_demo_profile(root: Path) -> Path:
    """The demo profile folder, created with the demo record on first use."""
    from desktop.vault.profiles import create_profile, list_profiles

    for p in list_profiles(root):
        # The doctor's demo: the clerk's and the manager's demo profiles name a login of their own.
        if p.demo and p.has_vault and not p.extra.get("demo_login"):
            return p.folder
    prof = create_profile(root, DEMO_PROFILE_NAME, demo=True, demo_passphrase=DEMO_PASSPHRASE)
    seed_demo_vault(prof.folder, DEMO_PASSPHRASE)
    return prof.folder


def seed_demo_vault(folder: Path, passphrase: str, user: str = "demo") -> str:
    """A new vault in ``folder`` holding the demo record with consent given; returns the recovery key."""
    from desktop.models.repository import RecordRepository
    from desktop.vault.store import Vault

    vault, recovery = Vault.create(folder, passphrase)
    try:
        repo = RecordRepository(vault, user=user)
        repo.load_synced(demo_record())
        repo.record_consent()
    finally:
        vault.close()
    return recovery


def ensure_staff_demo_profiles(root: Path) -> list[Path]:
    """The HR clerk's, the manager's and the operator's demo profiles (created once; each a few
    seconds of KDF).

    Each vault starts with the account's role and organization, as a login leaves it; the
    organization's ~2,000 staff arrive with the first sync from the embedded demo server, which
    the profile names its login for (``demo_login``, read by ``views/sync/sync_wiring.py``).
    A profile appears only once whole: its ``profile.json`` is written last, so a start killed
    halfway leaves a folder the profile list does not show."""
    import uuid as _uuid

    from desktop.models.repository import RecordRepository, remember_account
    from desktop.vault.profiles import Profile, list_profiles, write_profile
    from desktop.vault.store import Vault

    existing = {p.extra.get("demo_login"): p.folder for p in list_profiles(root) if p.demo and p.has_vault}
    out = []
    for name, role, login in STAFF_DEMO_PROFILES:
        if login in existing:
            out.append(existing[login])
            continue
        folder = root / _uuid.uuid4().hex[:12]
        folder.mkdir(parents=True, mode=0o700)
        vault, _recovery = Vault.create(folder, DEMO_PASSPHRASE)
        try:
            repo = RecordRepository(vault, user="demo")
            with vault.begin() as conn:
                # the operator works for the registry, not for an organization
                orgs = [] if role == "admin" else [{"inn": ORG_GKB["org_inn"], "name": ORG_GKB["org_name"]}]
                remember_account(conn, role, orgs)
            repo.record_consent()
        finally:
            vault.close()
        write_profile(Profile(folder, name, True, DEMO_PASSPHRASE, {"demo_login": login}))
        out.append(folder)
    return out
