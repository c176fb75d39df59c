"""Core benchmarks for the vault (issue 2). Not a test: prints medians and ratios.

    uv run python bench/core_bench.py [--runs 5] [--edits 200]

- unlock, split into the Argon2id KDF (calibrated params, as a real vault) and opening SQLCipher;
- one saved edit (validation + row + outbox + journal in one transaction), median over many;
- the same edit workload on SQLCipher and on plain SQLite (same code, only the driver differs),
  measured in the same run so the ratio survives a noisy shared machine.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop.models.checkdigits import make_inn10, make_snils
from desktop.models.repository import RecordRepository
from desktop.vault import store
from desktop.vault.keys import KeyFile, calibrate
from desktop.vault.store import Vault

PASS = "bench passphrase 2026"


def _plain_connect(path: Path, key: bytes | bytearray) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path).replace("vault.db", "plain.db"), check_same_thread=False,
                           isolation_level=None, timeout=10)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA secure_delete = ON")
    return conn


def edit_workload(folder: Path, edits: int) -> list[float]:
    os.environ["FRMR_FAST_KDF"] = "1"
    v, _ = Vault.create(folder, PASS)
    repo = RecordRepository(v)
    repo.add("person", {"snils": make_snils("128456739"), "last_name": "Иванова", "first_name": "Мария",
                        "gender": "female", "birth_date": "1984-03-17"})
    cid = repo.add("employment", {"org_name": "ГКБ", "org_inn": make_inn10("770212345"), "position_code": "4",
                                  "position_type": "main", "contract_kind": "labor", "rate": "1",
                                  "begin_date": "2013-09-02"}).id
    rates = ["0.25", "0.5", "0.75", "1"]
    times = []
    for i in range(edits):
        t0 = time.perf_counter()
        if i % 2:
            repo.edit("employment", cid, {"rate": rates[i % 4]})
        else:
            repo.add("nmo", {"event_date": "2024-01-10", "kind": "iom", "title": f"ИОМ {i}", "credits": "2"})
        times.append(time.perf_counter() - t0)
    v.close()
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--edits", type=int, default=200)
    args = ap.parse_args()

    os.environ.pop("FRMR_FAST_KDF", None)
    params = calibrate()
    kdf, open_ = [], []
    with tempfile.TemporaryDirectory() as d:
        v, _ = Vault.create(Path(d) / "p", PASS, params)
        v.close()
        for _ in range(args.runs):
            t0 = time.perf_counter()
            kf = KeyFile.load(Path(d) / "p" / "keys.json")
            kek = kf.kek_for(PASS)
            t1 = time.perf_counter()
            vault = Vault(Path(d) / "p", kf.unwrap_with_kek(kek))
            RecordRepository(vault).count("person")
            t2 = time.perf_counter()
            vault.close()
            kdf.append(t1 - t0)
            open_.append(t2 - t1)
    print(f"KDF params: Argon2id {params.memory_kib // 1024} MiB, t={params.time_cost}, p={params.parallelism}")
    print(f"unlock: KDF median {statistics.median(kdf) * 1000:.0f} ms; "
          f"open median {statistics.median(open_) * 1000:.1f} ms")

    cipher_med, plain_med, ratios = [], [], []
    real_connect = store._raw_connect
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as d:
            c = statistics.median(edit_workload(Path(d) / "c", args.edits))
        with tempfile.TemporaryDirectory() as d:
            store._raw_connect = _plain_connect  # type: ignore[assignment]
            try:
                p = statistics.median(edit_workload(Path(d) / "p", args.edits))
            finally:
                store._raw_connect = real_connect
        cipher_med.append(c)
        plain_med.append(p)
        ratios.append(c / p)
    print("saved edit (validation + row + outbox + journal), SQLCipher: "
          f"median {statistics.median(cipher_med) * 1000:.2f} ms over {args.runs}×{args.edits}")
    print(f"same on plain SQLite: median {statistics.median(plain_med) * 1000:.2f} ms")
    runs = ", ".join(f"{r:.2f}" for r in ratios)
    print(f"SQLCipher / plain ratio: median {statistics.median(ratios):.2f}× (runs: {runs})")


if __name__ == "__main__":
    main()
