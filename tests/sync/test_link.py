"""Sync over a simulated clinic link (issue 17): round trips of an edit on a warm connection, a
first sync that resumes where a dropped link stopped it, a cancel that keeps what arrived, and
the progress a slow pull reports. The link is tests/netsim.py between the replica and a real
server; the rows are the sync bench's varied HR register."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from bench.sync_bench import seed_org
from desktop.models.repository import get_meta
from desktop.sync.auth import CURSOR_KEY
from desktop.sync.core import close_idle
from desktop.sync.report import Transfer
from tests.netsim import Link, NetSim
from tests.sync.world import Org, Replica


@pytest.fixture
def clerk_world(server: dict[str, Any]) -> dict[str, Any]:
    """An organization of 300 persons × 3 cards (1,200 rows), its clerk's session."""
    login, rows = seed_org(server["db"], 300, 3)
    return {"session": server["db"].session(login), "rows": len(rows)}


@pytest.fixture(autouse=True)
def _no_parked_connections() -> Any:
    yield
    close_idle()


def _clerk(url: str, world: dict[str, Any], folder: Path, replicas: list[Replica]) -> Replica:
    r = Replica(folder, url)
    replicas.append(r)
    r.adopt_session(world["session"])
    return r


def _cursors(sim: NetSim) -> list[str]:
    """The cursor of every pull request that went through the link, in order."""
    out = []
    for line in sim.requests:
        if line.startswith("GET /sync/pull?"):
            q = line.split("?", 1)[1].split(" ", 1)[0]
            out.append(dict(p.split("=", 1) for p in q.split("&")).get("cursor", ""))
    return out


def _position(cursor: str) -> int:
    """The feed position inside a cursor (``c1.<base64 of the number>.<mac>``; "" is 0)."""
    if not cursor:
        return 0
    body = cursor.split(".")[1]
    return int(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_one_edit_on_a_warm_connection_is_two_round_trips(server: dict[str, Any], org: Org, tmp_path: Path,
                                                          replicas: list[Replica]) -> None:
    pid, _eid = server["db"].person(org)
    login = server["db"].account("doctor", person_id=pid)
    with NetSim(server["port"], Link(rtt=0.05)) as sim:
        doc = Replica(tmp_path / "d", sim.url)
        replicas.append(doc)
        doc.login(login)
        first = doc.sync(keep_alive=True)  # loopback, but standing for a far server
        assert first.outcome == "converged" and first.checked == "first", first
        doc.repo.edit("person", pid, {"phone": "+79161234567"})
        sim.reset_stats()
        rep = doc.sync(keep_alive=True)
        assert rep.outcome == "converged" and rep.applied == 1 and rep.checked == "", rep
        # push, then the pull that confirms it: no state request, no new connection
        assert sim.stats["connections"] == 0, sim.stats
        assert sim.turns == 2, sim.requests
        assert [r.split(" ")[1].split("?")[0] for r in sim.requests] == ["/sync/push", "/sync/pull"]
        assert rep.requests == 2 and rep.bytes_received > 0
    assert server["db"].rows(pid)[pid]["data"]["phone"] == "+79161234567"


def test_first_sync_through_a_link_that_drops_completes_without_starting_over(
        server: dict[str, Any], clerk_world: dict[str, Any], tmp_path: Path, replicas: list[Replica]) -> None:
    # ~0.15 MB of gzip at 1 Mbit/s: over a second of transfer, the link dropping every 0.3 s
    link = Link(bandwidth=1_000_000, rtt=0.02, jitter=0.005, drop_every=0.3, seed=3)
    with NetSim(server["port"], link) as sim:
        c = _clerk(sim.url, clerk_world, tmp_path / "c", replicas)
        rep = c.sync(page_limit=100, max_attempts=50, timeout=10.0)
        assert rep.outcome == "converged", rep
        assert sim.stats["drops"] >= 2, sim.stats
        positions = [_position(c) for c in _cursors(sim)]
        # a page cut by a drop is asked for again at the same position; the feed never goes back
        assert positions == sorted(positions) and rep.retries >= 1, (positions, rep)
        assert rep.pulled == clerk_world["rows"], rep  # no page written twice
    assert c.engine().local_state() == c.server_state()


def test_first_sync_interrupted_again_and_again_resumes_each_time(
        server: dict[str, Any], clerk_world: dict[str, Any], tmp_path: Path, replicas: list[Replica]) -> None:
    with NetSim(server["port"], Link(rtt=0.01)) as sim:
        c = _clerk(sim.url, clerk_world, tmp_path / "c", replicas)
        pulled, outcomes, first_cursors = 0, [], []
        for _attempt in range(30):
            def cut_after_two_pages(_t: Transfer, pages: list[int] = [0]) -> None:  # noqa: B006 (one per sync)
                pages[0] += 1
                if pages[0] == 2:  # the link goes down right after the second page arrived
                    sim.offline = True
                    sim.drop_all()

            sim.reset_stats()
            rep = c.engine(page_limit=100, commit_rows=100, max_attempts=1, on_transfer=cut_after_two_pages).sync()
            sim.offline = False
            pulled += rep.pulled
            outcomes.append(rep.outcome)
            first_cursors.append((_cursors(sim) or ["-"])[0])
            if rep.outcome == "converged":
                break
        assert outcomes[-1] == "converged" and outcomes.count("unreachable") >= 3, outcomes
        # each sync went on from the cursor the previous one stored
        assert first_cursors[0] == "" and "" not in first_cursors[1:], first_cursors
        assert pulled == clerk_world["rows"], (pulled, outcomes)  # nothing applied twice
    assert c.engine().local_state() == c.server_state()


def test_cancel_on_a_slow_link_keeps_what_arrived_and_the_next_sync_goes_on(
        server: dict[str, Any], clerk_world: dict[str, Any], tmp_path: Path, replicas: list[Replica]) -> None:
    seen: list[Transfer] = []
    with NetSim(server["port"], Link(bandwidth=2_000_000, rtt=0.05)) as sim:
        c = _clerk(sim.url, clerk_world, tmp_path / "c", replicas)
        eng = c.engine(page_limit=100, commit_rows=100)

        def watch(t: Transfer) -> None:
            seen.append(t)
            if len(seen) == 4:
                eng.cancel()

        eng.on_transfer = watch
        rep = eng.sync()
        assert rep.outcome == "cancelled", rep
        assert 0 < rep.pulled < clerk_world["rows"], rep
        with c.vault.read() as conn:
            assert get_meta(conn, CURSOR_KEY)
        # what the progress said: rows, the feed's size from the second page on, wire bytes
        # well below the plain ones (gzip), a time left
        assert [t.rows for t in seen] == sorted(t.rows for t in seen)
        assert seen[0].rows_total is None and seen[-1].rows_total == clerk_world["rows"]
        assert seen[-1].eta is not None and seen[-1].eta > 0
        assert 0 < seen[-1].wire_bytes * 3 < seen[-1].plain_bytes, seen[-1]
        assert "из" in seen[-1].text() and "осталось" in seen[-1].text()
        sim.reset_stats()
        rep2 = c.sync(page_limit=100)
        assert rep2.outcome == "converged", rep2
        assert _cursors(sim)[0] != ""
        assert rep.pulled + rep2.pulled == clerk_world["rows"]


def test_the_status_bar_shows_rows_and_time_left_during_a_long_pull(
        qtbot: Any, server: dict[str, Any], clerk_world: dict[str, Any], tmp_path: Path,
        replicas: list[Replica]) -> None:
    from desktop.views.sync.sync_controller import SyncController

    with NetSim(server["port"], Link(bandwidth=4_000_000, rtt=0.02)) as sim:
        c = _clerk(sim.url, clerk_world, tmp_path / "c", replicas)
        ctl = SyncController(c.vault, period_ms=600_000, engine_options={"page_limit": 100, "timeout": 10.0})
        texts: list[str] = []
        ctl.state_changed.connect(lambda _online, text: texts.append(text))
        with qtbot.waitSignal(ctl.synced, timeout=60_000) as blocker:
            ctl.sync_now()
        assert blocker.args[0]["outcome"] == "converged"
        shown = [t for t in texts if t.startswith("Получено")]
        assert shown and f"из {clerk_world['rows']:,}".replace(",", "\u00a0") in shown[-1], texts
        assert "осталось ~" in shown[-1]
        assert not texts[-1].startswith("Получено")  # the final status replaces it
