"""Sync over a clinic's link (issue 17): bytes on the wire, a first sync over a slow, far, lossy
link (undisturbed and dropping every N seconds), a doctor's one edit on a warm connection, the
loopback first sync with and without compression, and the server's own share of the feed.

    uv run python bench/sync_link.py [--staff 20000 --cards 5 --runs 3 --link-runs 1]

The server runs in its own process (real uvicorn, SQLite); the link is tests/netsim.py between
the replica and the server. Baselines are measured in the same run: the same sync with
``compress=False`` (identity both ways, what the client did before issue 17).

Targets: first HR sync ≤ 12 MB on the wire; over 2 Mbit/s, 150 ms RTT, 1 % loss ≤ 90 s, and
with drops every 20 s ≤ 2× that; a doctor's edit there ≤ 1 s; loopback first sync not slower;
the server's feed time ≤ 1.7 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("FRMR_FAST_KDF", "1")

from bench.sync_bench import seed_org, server_share
from desktop.sync.core import close_idle
from server.testing import run_server
from tests.netsim import Link, NetSim
from tests.sync.world import Replica, ServerDb

ENGINE = {"timeout": 60.0, "max_attempts": 30, "base_delay": 0.5, "max_delay": 5.0}


def note(out: dict[str, Any], key: str, value: Any) -> None:
    """Keep a result and show it at once on stderr: a long run killed halfway still says what it measured."""
    out[key] = value
    print(json.dumps({key: value}, ensure_ascii=False), file=sys.stderr, flush=True)


def clinic_link(drop_every: float | None = None, seed: int = 1) -> Link:
    return Link(bandwidth=2_000_000, rtt=0.150, jitter=0.010, loss=0.01, drop_every=drop_every, seed=seed)


def first_sync(folder: Path, url: str, session: dict[str, Any], **engine: Any) -> tuple[float, Any]:
    r = Replica(folder, url)
    try:
        r.adopt_session(session)
        t0 = time.perf_counter()
        rep = r.engine(**{**ENGINE, **engine}).sync()
        return time.perf_counter() - t0, rep
    finally:
        r.close()


def over_link(port: int, link: Link, folder: Path, session: dict[str, Any], rows: int,
              **engine: Any) -> dict[str, Any]:
    with NetSim(port, link) as sim:
        seconds, rep = first_sync(folder, sim.url, session, **engine)
        assert rep.outcome == "converged", rep
        assert rep.pulled == rows, (rep.pulled, rows)  # every row applied once, none twice
        return {"seconds": round(seconds, 2), "wire_mb_down": round(sim.stats["bytes_down"] / 1e6, 2),
                "wire_mb_up": round(sim.stats["bytes_up"] / 1e6, 3), "requests": sim.turns,
                "connections": sim.stats["connections"], "drops": sim.stats["drops"],
                "stalls": sim.stats["stalls"], "retries": rep.retries, "pulled": rep.pulled}


def doctor_edits(port: int, url: str, db: ServerDb, folder: Path, edits: int) -> dict[str, Any]:
    """A doctor's one edit, synced and confirmed, over the clinic link on a warm connection."""
    org = db.org()
    pid, _ = db.person(org)
    login = db.account("doctor", person_id=pid)
    times: list[float] = []
    with NetSim(port, clinic_link(seed=7)) as sim:
        r = Replica(folder, sim.url)
        try:
            r.adopt_session(db.session(login))
            assert r.engine(**ENGINE, keep_alive=True).sync().outcome == "converged"
            turns: list[int] = []
            for i in range(edits):
                r.repo.edit("person", pid, {"phone": f"+7916{1000000 + i:07d}"})
                before = sim.turns
                t0 = time.perf_counter()
                rep = r.engine(**ENGINE, keep_alive=True).sync()
                times.append(time.perf_counter() - t0)
                turns.append(sim.turns - before)
                assert rep.outcome == "converged" and rep.applied == 1, rep
        finally:
            r.close()
            close_idle()
    return {"seconds": [round(t, 3) for t in times], "median_s": round(statistics.median(times), 3),
            "round_trips": turns, "new_connections_after_first": sim.stats["connections"] - 1}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--staff", type=int, default=20_000)
    ap.add_argument("--cards", type=int, default=5)
    ap.add_argument("--runs", type=int, default=3, help="loopback and server-share runs")
    ap.add_argument("--link-runs", type=int, default=1, help="runs over the simulated link (each ~1 min)")
    ap.add_argument("--page", type=int, default=5000)
    ap.add_argument("--edits", type=int, default=7)
    ap.add_argument("--drop-every", type=float, default=20.0)
    ap.add_argument("--skip-link", action="store_true")
    ap.add_argument("--skip-loopback", action="store_true", help="only the link, the doctor and the warm-up")
    args = ap.parse_args(argv)
    out: dict[str, Any] = {"staff": args.staff, "cards_per_person": args.cards, "page": args.page}
    with tempfile.TemporaryDirectory(prefix="frmr-sync-link-") as tmp:
        base = Path(tmp)
        url = f"sqlite:///{base / 'server.sqlite3'}"
        with run_server(url, timeout=120, subprocess_=True) as server_url:
            port = int(server_url.rsplit(":", 1)[1])
            db = ServerDb(url)
            login, rows_list = seed_org(db, args.staff, args.cards)
            rows = len(rows_list)
            del rows_list
            out["rows"] = rows
            # A session per sync: access tokens live 15 minutes, and replicas sharing one refresh
            # token would revoke each other's family when they rotate it.
            def fresh() -> dict[str, Any]:
                return db.session(login)

            server_share(server_url, fresh(), args.page, True)  # warm the server's cache, untimed
            # -- bytes on the wire, same run: gzip against identity (perfect link) ------------
            if not args.skip_loopback:
                wire = [over_link(port, Link(), base / f"wire{i}", fresh(), rows, page_limit=args.page,
                                  compress=c)
                        for i, c in enumerate((True, False))]
                note(out, "wire_gzip", wire[0])
                note(out, "wire_identity", wire[1])
            # -- loopback first sync and the server's share, interleaved gzip / identity -------
            loop: dict[str, list[float]] = {"gzip": [], "identity": []}
            share: dict[str, list[dict[str, float]]] = {"gzip": [], "identity": []}
            for i in range(0 if args.skip_loopback else args.runs):
                for name, c in (("gzip", True), ("identity", False)):
                    s, rep = first_sync(base / f"loop-{name}{i}", server_url, fresh(), page_limit=args.page,
                                        compress=c)
                    assert rep.outcome == "converged" and rep.pulled == rows, rep
                    loop[name].append(round(s, 3))
                    share[name].append(server_share(server_url, fresh(), args.page, c))
                    note(out, f"run{i}_{name}", {"loopback_s": loop[name][-1], **share[name][-1]})
            if loop["gzip"]:
                out["loopback_first_sync_s"] = loop
                out["loopback_first_sync_median_s"] = {k: round(statistics.median(v), 3) for k, v in loop.items()}
                out["server_share"] = share
                out["server_share_median_s"] = {
                    k: {m: round(statistics.median(x[m] for x in v), 3) for m in v[0]} for k, v in share.items()}
            # -- the clinic link ---------------------------------------------------------------
            if not args.skip_link:
                note(out, "doctor_edit", doctor_edits(port, server_url, db, base / "doctor", args.edits))
                calm = [over_link(port, clinic_link(seed=i), base / f"link{i}", fresh(), rows,
                                  page_limit=args.page) for i in range(args.link_runs)]
                drops = [over_link(port, clinic_link(args.drop_every, seed=i), base / f"drop{i}", fresh(), rows,
                                   page_limit=args.page) for i in range(args.link_runs)]
                note(out, "link_2mbit_150ms_1pct", calm)
                note(out, "link_with_drops", drops)
                calm_s = statistics.median(x["seconds"] for x in calm)
                drop_s = statistics.median(x["seconds"] for x in drops)
                out["link_median_s"] = round(calm_s, 2)
                out["link_drops_median_s"] = round(drop_s, 2)
                out["link_drops_ratio"] = round(drop_s / calm_s, 2)
            db.close()
    out["targets"] = {"wire_mb": 12, "link_s": 90, "drops_ratio": 2.0, "doctor_edit_s": 1.0,
                      "server_feed_s": 1.7}
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
