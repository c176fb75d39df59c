"""Build a large vault for benchmarks: 20,000 persons and 100,000 employment cards (an HR
clerk's replica), with the vault's own person among them.

Rows are bulk-inserted through SQLAlchemy core into a real SQLCipher vault, in one
transaction per table, bypassing per-row validation and the outbox: they stand for data that
came from the server. Values are canonical and valid (real check digits).

    uv run python bench/make_large_vault.py --root /tmp/frmr-bench/profiles
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
import uuid
from pathlib import Path

from desktop.demo import demo_record
from desktop.models.checkdigits import make_inn10, make_ogrn, make_snils
from desktop.models.repository import RecordRepository, now_iso, remember_account, table
from desktop.vault.profiles import create_profile
from desktop.vault.store import Vault

PASSPHRASE = "bench-large-vault-2026"
NAME = "Большое хранилище (бенчмарк)"
LAST = ["Иванов", "Петров", "Сидоров", "Смирнов", "Кузнецов", "Попов", "Васильев", "Соколов", "Михайлов", "Новиков"]
FIRST = ["Александр", "Сергей", "Дмитрий", "Андрей", "Алексей", "Максим", "Иван", "Михаил", "Николай", "Павел"]
PROFILES = ["терапия", "хирургия", "педиатрия", "скорая помощь", "кардиология"]


def _snils(i: int) -> str:
    # Skip the range below 001-001-998, which carries no check number.
    return make_snils(f"{2_000_000 + i * 7:09d}")


def build(root: Path, persons: int, cards: int, seed: int = 1) -> Path:
    rnd = random.Random(seed)
    prof = create_profile(root, NAME)
    vault, _ = Vault.create(prof.folder, PASSPHRASE)
    try:
        repo = RecordRepository(vault, user="bench")
        repo.load_synced(demo_record())  # the vault's own person, with a full record
        repo.record_consent()
        orgs = [(f"ГБУЗ «Больница № {k}»", make_inn10(f"77{k:07d}"), make_ogrn(f"1027700{k:05d}"))
                for k in range(1, 201)]
        stamp = now_iso()
        person_rows = []
        for i in range(persons - 1):
            person_rows.append({
                "id": str(uuid.UUID(int=rnd.getrandbits(128))), "version": 1, "updated_at": stamp,
                "snils": _snils(i), "last_name": rnd.choice(LAST), "first_name": rnd.choice(FIRST),
                "patronymic": "Иванович", "gender": "male",
                "birth_date": dt.date(1960 + i % 40, 1 + i % 12, 1 + i % 28).isoformat(),
                "citizenship": "643",
            })
        for r in person_rows:
            r["person_id"] = r["id"]
        card_rows = []
        for j in range(cards - 5):
            owner = person_rows[j % len(person_rows)]["id"]
            name, inn, ogrn = orgs[j % len(orgs)]
            begin = dt.date(1995 + j % 25, 1 + j % 12, 1)
            end = None if j % 5 == 0 else (begin + dt.timedelta(days=365 * (1 + j % 4))).isoformat()
            card_rows.append({
                "id": str(uuid.UUID(int=rnd.getrandbits(128))), "person_id": owner, "version": 1,
                "updated_at": stamp, "org_name": name, "org_inn": inn, "org_ogrn": ogrn,
                "position_code": str(1 + j % 10), "position_type": "main" if j % 3 else "external_part_time",
                "contract_kind": "labor", "rate": "1", "begin_date": begin.isoformat(), "end_date": end,
                "profile": PROFILES[j % len(PROFILES)], "status": "confirmed",
            })
        with vault.begin() as conn:
            conn.execute(table("person").insert(), person_rows)
            # An HR clerk's replica: the clerk of every organization the cards name.
            remember_account(conn, "hr", [{"inn": inn, "name": name} for name, inn, _ in orgs])
        with vault.begin() as conn:
            for k in range(0, len(card_rows), 20_000):
                conn.execute(table("employment").insert(), card_rows[k : k + 20_000])
    finally:
        vault.close()
    return prof.folder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--root", type=Path, required=True, help="profiles folder to create the vault in")
    ap.add_argument("--persons", type=int, default=20_000)
    ap.add_argument("--cards", type=int, default=100_000)
    args = ap.parse_args()
    t0 = time.perf_counter()
    folder = build(args.root, args.persons, args.cards)
    print(f"{folder}  ({time.perf_counter() - t0:.1f} s; passphrase: {PASSPHRASE})")


if __name__ == "__main__":
    main()
