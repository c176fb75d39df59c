"""The pull pipeline (a fetcher thread ahead of the writer, pages written in groups with their
cursor) under interruption: what was written is whole and matches its cursor, and the next
sync goes on from there without losing or duplicating a row."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from desktop.models.repository import get_meta
from desktop.sync.auth import CURSOR_KEY
from tests.sync.proxy import FaultProxy
from tests.sync.world import Org, Replica

SMALL = {"page_limit": 2, "commit_rows": 4}  # many pages, groups of 1–2 pages


def _clerk_with_staff(server: dict[str, Any], org: Org, proxy: FaultProxy, folder: Path, replicas: list[Replica],
                      staff: int = 8) -> tuple[Replica, int]:
    db = server["db"]
    for _ in range(staff):
        db.person(org)
    login = db.account("hr", org=org)
    r = Replica(folder, proxy.url)
    replicas.append(r)
    r.login(login)
    return r, 2 * staff


def _local_rows(r: Replica) -> int:
    return r.repo.count("person") + r.repo.count("employment")


def test_failed_page_keeps_the_groups_before_it(server: dict[str, Any], org: Org, proxy: FaultProxy, tmp_path: Path,
                                                replicas: list[Replica]) -> None:
    r, total = _clerk_with_staff(server, org, proxy, tmp_path / "hr", replicas)
    proxy.add("pass", "/sync/pull", count=3)
    proxy.add("5xx", "/sync/pull", count=50)
    rep = r.sync(max_attempts=2, **SMALL)
    assert rep.outcome == "unreachable", rep
    assert 0 < rep.pulled < total, rep
    assert _local_rows(r) == rep.pulled  # what was written is whole pages, nothing else
    with r.vault.read() as conn:
        assert get_meta(conn, CURSOR_KEY)  # and its cursor with it
    before = _local_rows(r)
    proxy.clear()
    rep = r.sync(**SMALL)
    assert rep.outcome == "converged" and rep.repulled == [], rep
    assert rep.pulled == total - before  # the rest only: nothing fetched twice, nothing skipped
    assert _local_rows(r) == total


def test_cancel_during_pull_leaves_a_consistent_replica(server: dict[str, Any], org: Org, proxy: FaultProxy,
                                                        tmp_path: Path, replicas: list[Replica]) -> None:
    r, total = _clerk_with_staff(server, org, proxy, tmp_path / "hr", replicas)
    proxy.add("slow", "/sync/pull", count=100)
    written = threading.Event()
    eng = r.engine(progress=lambda phase, done, _t: written.set() if phase == "pull" else None, **SMALL)
    out: list[Any] = []
    t = threading.Thread(target=lambda: out.append(eng.sync()))
    t.start()
    assert written.wait(30)
    eng.cancel()
    t.join(30)
    assert not t.is_alive() and out[0].outcome == "cancelled", out
    assert 0 < _local_rows(r) < total
    proxy.clear()
    rep = r.sync(**SMALL)
    assert rep.outcome == "converged" and rep.repulled == [], rep
    assert _local_rows(r) == total
