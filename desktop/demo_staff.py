"""The demo organization's staff for the HR clerk's and the manager's demo profiles: about
2,000 people with varied names, subdivisions, positions, rates, open and closed cards, and
accreditations expiring at different times (so «Сроки» and the filters have something to show).

Deterministic (a fixed seed, ids from uuid5): every demo profile built anywhere holds the same
people. Values are canonical and valid (real check digits).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

from desktop.models.checkdigits import make_snils

_NS = uuid.UUID("2d4e6f80-1a3b-4c5d-8e9f-0a1b2c3d4e5f")

LAST = [("Петров", "Петрова"), ("Смирнов", "Смирнова"), ("Кузнецов", "Кузнецова"), ("Попов", "Попова"),
        ("Соколов", "Соколова"), ("Лебедев", "Лебедева"), ("Козлов", "Козлова"), ("Новиков", "Новикова"),
        ("Морозов", "Морозова"), ("Волков", "Волкова"), ("Алексеев", "Алексеева"), ("Фёдоров", "Фёдорова"),
        ("Егоров", "Егорова"), ("Павлов", "Павлова"), ("Семёнов", "Семёнова"), ("Голубев", "Голубева"),
        ("Виноградов", "Виноградова"), ("Богданов", "Богданова"), ("Воробьёв", "Воробьёва"),
        ("Тарасов", "Тарасова"), ("Белов", "Белова"), ("Комаров", "Комарова"), ("Орлов", "Орлова"),
        ("Киселёв", "Киселёва"), ("Макаров", "Макарова"), ("Андреев", "Андреева"), ("Ковалёв", "Ковалёва"),
        ("Ильин", "Ильина"), ("Гусев", "Гусева"), ("Титов", "Титова"), ("Кузьмин", "Кузьмина"),
        ("Кудрявцев", "Кудрявцева"), ("Баранов", "Баранова"), ("Куликов", "Куликова"), ("Зайцев", "Зайцева"),
        ("Ершов", "Ершова"), ("Никитин", "Никитина"), ("Соловьёв", "Соловьёва"), ("Жуков", "Жукова"),
        ("Романов", "Романова"), ("Захаров", "Захарова"), ("Борисов", "Борисова"), ("Яковлев", "Яковлева"),
        ("Григорьев", "Григорьева"), ("Степанов", "Степанова"), ("Широков", "Широкова")]
LAST_PLAIN = ["Ким", "Шевченко", "Бондаренко", "Ткаченко", "Мельник", "Цой", "Гарипов"]
FIRST_M = ["Алексей", "Дмитрий", "Сергей", "Андрей", "Михаил", "Игорь", "Павел", "Николай", "Артём",
           "Владимир", "Евгений", "Константин", "Олег", "Роман", "Тимур", "Юрий", "Виктор", "Георгий"]
FIRST_F = ["Анна", "Елена", "Ольга", "Татьяна", "Наталья", "Ирина", "Светлана", "Юлия", "Мария",
           "Екатерина", "Дарья", "Ксения", "Марина", "Алина", "Виктория", "Людмила", "Галина", "Вера"]
PATR = [("Александрович", "Александровна"), ("Викторович", "Викторовна"), ("Иванович", "Ивановна"),
        ("Петрович", "Петровна"), ("Олегович", "Олеговна"), ("Сергеевич", "Сергеевна"),
        ("Николаевич", "Николаевна"), ("Дмитриевич", "Дмитриевна"), ("Юрьевич", "Юрьевна"),
        ("Андреевич", "Андреевна"), ("Михайлович", "Михайловна"), ("Владимирович", "Владимировна")]
SUBDIVISIONS = ["Терапевтическое отделение № 1", "Терапевтическое отделение № 2", "Хирургическое отделение",
                "Кардиологическое отделение", "Неврологическое отделение", "Приёмное отделение",
                "Отделение реанимации и интенсивной терапии", "Педиатрическое отделение",
                "Клинико-диагностическая лаборатория", "Отделение лучевой диагностики",
                "Поликлиническое отделение", "Администрация", "Аптека", "Хозяйственная служба"]
#: НСИ position codes (resources/nsi/position.json) with how often they occur
POSITIONS = [("1", 1), ("2", 2), ("3", 8), ("4", 14), ("5", 8), ("6", 3), ("7", 4), ("9", 6), ("10", 4),
             ("11", 3), ("12", 5), ("14", 3), ("15", 2), ("16", 2), ("17", 2), ("19", 3), ("20", 3), ("22", 3),
             ("28", 4), ("29", 30), ("30", 14), ("31", 5), ("32", 5), ("33", 4), ("34", 3), ("37", 4), ("38", 2),
             ("39", 1), ("40", 4), ("26", 1), ("27", 2)]
RATES = [("1", 60), ("0.5", 15), ("0.75", 8), ("0.25", 10), ("1.25", 4), ("1.5", 3)]
SPECIALTIES = ["36", "15", "19", "28", "33", "4", "2", "37"]


def _pick(rnd: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rnd.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _id(name: str) -> str:
    return str(uuid.uuid5(_NS, name))


Org = dict[str, str]


def demo_staff(main: Org, other: Org, count: int = 2000, today: dt.date | None = None
               ) -> dict[str, list[dict[str, Any]]]:
    """entity -> canonical rows (with ids and ``person_id``) of ``count`` people of ``main``
    (a few also part-time in ``other``). The organizations are the demo's (``desktop.demo``
    ``ORG_GKB`` and ``ORG_POLY``), passed in: the server's seed uses this module, and
    ``desktop.demo`` reaches the vault."""
    day = today or dt.date.today()
    rnd = random.Random(20261202)
    out: dict[str, list[dict[str, Any]]] = {"person": [], "employment": [], "accreditation": []}
    from desktop.models.nsi import shipped

    known = shipped().get("position").entries
    positions = [(c, w) for c, w in POSITIONS if c in known] or [("4", 1)]
    for i in range(count):
        pid = _id(f"person-{i}")
        female = rnd.random() < 0.65
        if rnd.random() < 0.04:
            last = rnd.choice(LAST_PLAIN)
        else:
            last = rnd.choice(LAST)[1 if female else 0]
        out["person"].append({
            "id": pid, "person_id": pid, "snils": make_snils(f"{300_000_000 + i * 7919 % 600_000_000:09d}"),
            "last_name": last, "first_name": rnd.choice(FIRST_F if female else FIRST_M),
            "patronymic": rnd.choice(PATR)[1 if female else 0] if rnd.random() < 0.97 else None,
            "gender": "female" if female else "male",
            "birth_date": (dt.date(1958, 1, 1) + dt.timedelta(days=rnd.randrange(0, 365 * 44))).isoformat(),
            "citizenship": "643",
        })
        begin = dt.date(2003, 1, 1) + dt.timedelta(days=rnd.randrange(0, 365 * 21))
        dismissed = rnd.random() < 0.12
        end = begin + dt.timedelta(days=rnd.randrange(200, 3000)) if dismissed else None
        if end is not None and end >= day:
            end = day - dt.timedelta(days=rnd.randrange(1, 400))
            begin = min(begin, end - dt.timedelta(days=200))
        position = _pick(rnd, positions)
        sub = rnd.choice(SUBDIVISIONS)
        cards: list[dict[str, Any]] = [{"subdivision": sub, "position_code": position, "position_type": "main",
                  "rate": _pick(rnd, RATES), "begin_date": begin, "end_date": end}]
        if not dismissed and rnd.random() < 0.15:
            # A transfer: an earlier card closed the day before this one began.
            first = begin - dt.timedelta(days=rnd.randrange(365, 2500))
            cards.insert(0, {"subdivision": rnd.choice(SUBDIVISIONS), "position_code": _pick(rnd, positions),
                             "position_type": "main", "rate": "1", "begin_date": first,
                             "end_date": begin - dt.timedelta(days=1), "end_reason": "Перевод на другую должность"})
        if not dismissed and rnd.random() < 0.1:
            cards.append({"subdivision": rnd.choice(SUBDIVISIONS), "position_code": position,
                          "position_type": "internal_part_time", "rate": rnd.choice(["0.25", "0.5"]),
                          "begin_date": begin + dt.timedelta(days=rnd.randrange(30, 900)), "end_date": None})
        for k, c in enumerate(cards):
            b: dt.date = c["begin_date"]
            e: dt.date | None = c["end_date"]
            if b > day:
                b = day - dt.timedelta(days=30)
            # The person's main card is confirmed (the organization's staff on the server are the
            # persons with a confirmed card); a later one may still wait for the worker's document.
            status = "confirmed" if k == 0 or rnd.random() < 0.7 else rnd.choice(["draft", "submitted"])
            out["employment"].append({
                "id": _id(f"card-{i}-{k}"), "person_id": pid, **main, "subdivision": c["subdivision"],
                "position_code": c["position_code"], "position_type": c["position_type"], "contract_kind": "labor",
                "rate": c["rate"], "begin_date": b.isoformat(), "end_date": e.isoformat() if e else None,
                "end_reason": c.get("end_reason") or (rnd.choice(["По собственному желанию", "Выход на пенсию",
                                                                  "По соглашению сторон"]) if e else None),
                "contract_number": f"ТД-{1000 + i}/{k + 1}", "contract_date": b.isoformat(),
                "order_number": f"{200 + i}-к", "order_date": b.isoformat(), "status": status,
            })
        if rnd.random() < 0.04:
            out["employment"].append({
                "id": _id(f"card-{i}-poly"), "person_id": pid, **other, "subdivision": "Дневной стационар",
                "position_code": position, "position_type": "external_part_time", "contract_kind": "labor",
                "rate": "0.25", "begin_date": (day - dt.timedelta(days=rnd.randrange(60, 2000))).isoformat(),
                "end_date": None, "status": "confirmed",
            })
        if position not in ("39", "40") and rnd.random() < 0.8:
            protocol = day - dt.timedelta(days=rnd.randrange(30, 365 * 5 + 200))
            valid = protocol.replace(year=protocol.year + 5) if not (protocol.month == 2 and protocol.day == 29) \
                else protocol + dt.timedelta(days=365 * 5)
            out["accreditation"].append({
                "id": _id(f"accr-{i}"), "person_id": pid, "kind": "periodic",
                "specialty_code": rnd.choice(SPECIALTIES), "protocol_number": f"77/{protocol.year}-{i % 900}",
                "protocol_date": protocol.isoformat(), "registry_number": f"7724 0{300_000_000 + i}",
                "valid_until": valid.isoformat(), "issuer": "Аккредитационная подкомиссия г. Москвы",
            })
    _add_registry_work(out, day)
    return out


NMO_TITLES = [("iom", "Артериальная гипертензия", "2"), ("iom", "Сахарный диабет 2 типа", "4"),
              ("event", "Конференция «Терапия-2026»", "6"), ("event", "Школа кардиолога", "12"),
              ("program", "Неотложные состояния (36 ч)", "36"), ("program", "Терапия (144 ч)", "144")]


def _add_registry_work(out: dict[str, list[dict[str, Any]]], day: dt.date) -> None:
    """НМО credits (most confirmed) and accreditation applications (filed, some under review)
    of the staff: the manager's НМО figures are not all zero, and the operator's demo has queues.
    A random stream of its own: the people above stay the same whatever is added here."""
    rnd = random.Random(20261203)
    out["nmo"], out["application"] = [], []
    for n, person in enumerate(out["person"]):
        pid = person["id"]
        for k in range(rnd.choice([0, 0, 1, 2, 3, 5])):
            kind, title, credits = rnd.choice(NMO_TITLES)
            event = day - dt.timedelta(days=rnd.randrange(10, 365 * 5))
            out["nmo"].append({"id": _id(f"nmo-{n}-{k}"), "person_id": pid, "event_date": event.isoformat(),
                               "kind": kind, "title": title, "provider": "Портал НМО" if kind == "iom" else "РМАНПО",
                               "credits": credits, "status": "pending" if rnd.random() < 0.15 else "confirmed",
                               "document_number": f"НМО-{event.year}-{n:04d}{k}"})
        if rnd.random() < 0.12:
            filed = day - dt.timedelta(days=rnd.randrange(1, 60))
            out["application"].append({"id": _id(f"application-{n}"), "person_id": pid, "kind": "periodic",
                                       "specialty_code": rnd.choice(SPECIALTIES), "submitted_at": filed.isoformat(),
                                       "confirmation_number": f"А-{filed.year}-{500000 + n}",
                                       "status": "in_review" if rnd.random() < 0.3 else "submitted"})
