"""The doctor's workflows (issue 14). Not a test: prints medians against the issue's targets.

    uv run python bench/workflows_bench.py [--n 60] [--programmes 5000] [--requests 1000]

- every action saved locally (checks, file into the vault, outbox op, journal: one step of
  desktop/sync/doctor.py) — target ≤ 20 ms each; a plain row edit is measured in the same run
  as the baseline;
- a catalogue of 5,000 programmes filtered in memory — target ≤ 100 ms;
- the notices a sync brought, derived from the vault after the sync (``notices.refresh``) on a
  vault of many requests — part of the target «shown ≤ 1 s after the sync that brought it»;
- the GUI part (bench/workflows_gui.py, offscreen; ``--no-gui`` leaves it out): the notice on
  screen and the tray's message after a sync, and each filter of the 5,000-programme catalogue
  until the table is painted, with the longest GUI stall of each (target ≤ 30 ms).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["FRMR_FAST_KDF"] = "1"

from desktop.models.checkdigits import make_inn10, make_snils
from desktop.models.repository import RecordRepository
from desktop.models.workflows import catalogue, notices
from desktop.models.workflows.catalogue import ProgrammeFilter, select_programmes
from desktop.sync import doctor
from desktop.vault.store import Vault

PASS = "bench passphrase 2026"
INN = make_inn10("770212345")
PDF = b"%PDF-1.4\n" + b"0" * 200_000 + b"\n%%EOF\n"


def _ms(times: list[float]) -> str:
    q = statistics.quantiles(times, n=20) if len(times) >= 20 else [max(times)] * 19
    return f"median {statistics.median(times) * 1000:6.2f} ms, p95 {q[18] * 1000:6.2f} ms (n={len(times)})"


def _timed(fn: Callable[[Any], Any], items: list[Any]) -> list[float]:
    out = []
    for item in items:
        t0 = time.perf_counter()
        res = fn(item)
        out.append(time.perf_counter() - t0)
        assert getattr(res, "ok", True), getattr(res, "errors", res)
    return out

def seed(repo: RecordRepository, n: int, requests: int) -> dict[str, list[str]]:
    pid = str(uuid.uuid4())
    today = dt.date.today().isoformat()
    rows: dict[str, list[dict[str, Any]]] = {
        "person": [{"id": pid, "person_id": pid, "snils": make_snils("128456739"), "last_name": "Иванова",
                    "first_name": "Мария", "gender": "female", "birth_date": "1984-03-17"}],
        "employment": [{"id": str(uuid.uuid4()), "person_id": pid, "org_name": f"ГКБ № {i}", "org_inn": INN,
                        "position_code": "4", "position_type": "external_part_time", "contract_kind": "labor",
                        "rate": "0.25", "begin_date": (dt.date(2000, 1, 1) + dt.timedelta(days=60 * i)).isoformat(),
                        "end_date": (dt.date(2000, 1, 1) + dt.timedelta(days=60 * i + 30)).isoformat(),
                        "status": "draft"} for i in range(n)],
        "request": [{"id": str(uuid.uuid4()), "person_id": pid, "org_name": "ГКБ № 1", "org_inn": INN,
                     "kind": "Запрос копии диплома", "received_at": today, "status": "new", "text": "Просим"}
                    for _ in range(max(requests, 3 * n))],
        "application": [{"id": str(uuid.uuid4()), "person_id": pid, "kind": "periodic", "specialty_code": "36",
                         "status": "draft"} for _ in range(n)],
    }
    repo.load_synced(rows)
    return {k: [r["id"] for r in v] for k, v in rows.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=60)
    ap.add_argument("--programmes", type=int, default=5000)
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=10, help="runs of each GUI measurement")
    ap.add_argument("--no-gui", action="store_true")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        v, _ = Vault.create(Path(tmp) / "p", PASS)
        repo = RecordRepository(v)
        ids = seed(repo, a.n, a.requests)
        progs = [{"id": str(uuid.uuid4()), "title": f"Программа {i}", "provider": "РМАНПО",
                  "specialty_code": random.choice(["36", "39", "48", "1"]),
                  "format": random.choice(list(catalogue.FORMATS)), "hours": random.choice([18, 36, 72, 144]),
                  "begin_date": f"2030-{1 + i % 12:02d}-01", "end_date": f"2030-{1 + i % 12:02d}-28",
                  "seats": 30, "free_seats": random.randint(0, 30), "enrolled": False} for i in range(a.programmes)]
        catalogue.remember(repo, progs)
        notices.refresh(repo)  # the snapshot a first sync would take
        reqs, cards, apps = ids["request"], ids["employment"], ids["application"]
        n = a.n
        print(f"actions saved locally (target ≤ 20 ms), {n} each:")
        org = {c: str((repo.get("employment", c) or {}).get("org_name")) for c in cards}
        free = [p["id"] for p in progs[:n] if p["free_seats"]]
        results = {
            "baseline: row edit": _timed(lambda c: repo.edit("employment", c, {"subdivision": "Терапия"}), cards),
            "acknowledge": _timed(lambda r: doctor.acknowledge(repo, r), reqs[:n]),
            "comment": _timed(lambda r: doctor.comment(repo, r, "Принесу в понедельник"), reqs[n:2 * n]),
            "reply with 200 KB PDF": _timed(lambda r: doctor.reply(repo, r, "Во вложении", "d.pdf", PDF + r.encode()),
                                            reqs[2 * n:3 * n]),
            "confirmation upload": _timed(lambda c: doctor.upload_confirmation(
                repo, c, "c.pdf", PDF + c.encode(), {"doc_org_name": org[c]}), cards),
            "submit application": _timed(lambda x: doctor.submit_application(repo, x), apps),
            "enrol": _timed(lambda p: doctor.enrol(repo, p), free),
        }
        for name, times in results.items():
            print(f"  {name:24s} {_ms(times)}")
        items, _ = catalogue.cached(repo)
        filters = [ProgrammeFilter(), ProgrammeFilter(specialty="36"),
                   ProgrammeFilter(format="distance", free_only=True),
                   ProgrammeFilter(hours_min=36, hours_max=72, date_from="2030-03-01"), ProgrammeFilter(text="99")]
        times = []
        for _ in range(10):
            for f in filters:
                t0 = time.perf_counter()
                select_programmes(items, f)
                times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        doctor.programmes(repo)
        load = time.perf_counter() - t0
        print(f"catalogue of {len(items)}: filter {_ms(times)} (target ≤ 100 ms); read from the vault "
              f"with the queued enrolments {load * 1000:.1f} ms (once per open)")
        # a sync that brought 50 status changes into a vault of many requests
        with v.begin() as conn:
            from desktop.models.repository import table

            t = table("request")
            for r in reqs[-50:]:
                conn.execute(t.update().where(t.c.id == r).values(status="closed"))
        t0 = time.perf_counter()
        fresh = notices.refresh(repo)
        took = time.perf_counter() - t0
        print(f"notices after a sync: {len(fresh)} new from {len(reqs)} requests in {took * 1000:.1f} ms "
              "(target: shown ≤ 1 s after the sync)")
        v.close()
    if not a.no_gui:
        from bench import workflows_gui

        workflows_gui.run(runs=a.runs, programmes=a.programmes, requests=a.requests)


if __name__ == "__main__":
    main()
