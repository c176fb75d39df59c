"""The echo of our own edit (issue 12, item 2): a push acknowledgement stores the server's
version on the row, so when the edit comes back in the pull it is not written a second time —
no UPDATE/INSERT of the row, no changed rows reported for its entity — while the convergence
check still agrees with ``/sync/state`` and a change made by someone else still arrives."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event

from tests.sync.world import Org, Replica, stored


def _doctor(server: dict[str, Any], org: Org, tmp_path: Path, replicas: list[Replica],
            name: str = "doc") -> tuple[Replica, str, str]:
    pid, eid = server["db"].person(org)
    login = server["db"].account("doctor", person_id=pid)
    r = Replica(tmp_path / name, server["url"])
    replicas.append(r)
    r.login(login)
    return r, pid, eid


def _hr(server: dict[str, Any], org: Org, tmp_path: Path, replicas: list[Replica]) -> Replica:
    r = Replica(tmp_path / "hr", server["url"])
    replicas.append(r)
    r.login(server["db"].account("hr", org=org))
    return r


@contextmanager
def _row_writes(replica: Replica) -> Iterator[list[str]]:
    """Every statement that writes a ``rec_*`` table of the replica's vault, while inside."""
    seen: list[str] = []
    engine = replica.vault._engine
    assert engine is not None

    def hook(_conn: Any, _cursor: Any, statement: str, _params: Any, _ctx: Any, _many: bool) -> None:
        s = statement.lstrip().upper()
        if s.startswith(("INSERT", "UPDATE", "REPLACE", "DELETE")) and "REC_" in s:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", hook)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", hook)


def test_own_edit_is_not_written_again_by_the_pull(server, org, tmp_path, replicas) -> None:
    doc, pid, _eid = _doctor(server, org, tmp_path, replicas)
    assert doc.sync().outcome == "converged"
    doc.repo.edit("person", pid, {"phone": "+79161112233"})
    before = stored(doc.repo, "person", pid)
    with _row_writes(doc) as writes:
        rep = doc.sync()
    assert (rep.outcome, rep.applied) == ("converged", 1), rep
    assert rep.repulled == [], rep  # the stored version agreed with /sync/state at once
    # The echo came in the feed and was left alone: no rows written for the person.
    assert rep.pulled >= 1 and rep.echoes == 1, rep
    assert rep.changed.get("person", 0) == 0, rep.changed
    # The one write to the row is the acknowledgement storing the server's version (in the
    # push's transaction); nothing in the pull rewrote it.
    assert len(writes) == 1 and writes[0].lstrip().upper().startswith("UPDATE REC_PERSON"), writes
    after = stored(doc.repo, "person", pid)
    server_row = server["db"].rows(pid)[pid]
    assert after["version"] == server_row["version"] == before["version"] + 1
    assert after["updated_at"] == before["updated_at"]  # not rewritten by the pull
    assert after["phone"] == "+79161112233"
    assert doc.engine().local_state() == doc.server_state()
    # The next sync has nothing to do for it either.
    rep2 = doc.sync()
    assert (rep2.outcome, rep2.changed) == ("converged", {}), rep2
    assert doc.engine().local_state() == doc.server_state()


def test_someone_elses_change_to_the_same_row_still_arrives(server, org, tmp_path, replicas) -> None:
    doc, pid, _eid = _doctor(server, org, tmp_path, replicas)
    hr = _hr(server, org, tmp_path, replicas)
    doc.sync()
    hr.sync()
    # Own edit acknowledged, then another client changes the same row.
    doc.repo.edit("person", pid, {"phone": "+79161112233"})
    assert doc.sync().outcome == "converged"
    assert hr.sync().outcome == "converged"
    hr.repo.edit("person", pid, {"email": "hr-set@example.ru"})
    assert hr.sync().outcome == "converged"
    rep = doc.sync()
    assert rep.outcome == "converged" and rep.changed.get("person") == 1, rep
    row = stored(doc.repo, "person", pid)
    assert (row["email"], row["phone"]) == ("hr-set@example.ru", "+79161112233")
    assert row["version"] == server["db"].rows(pid)[pid]["version"]
    assert doc.engine().local_state() == doc.server_state()


def test_edit_racing_another_clients_change_is_not_taken_for_an_echo(server, org, tmp_path, replicas) -> None:
    """Someone else changed another field of the row before our edit reached the server: the
    server's new version is not ours alone, so it is not stored; the pull brings the merge."""
    doc, pid, _eid = _doctor(server, org, tmp_path, replicas)
    hr = _hr(server, org, tmp_path, replicas)
    doc.sync()
    hr.sync()
    hr.repo.edit("person", pid, {"email": "hr-set@example.ru"})
    assert hr.sync().outcome == "converged"
    doc.repo.edit("person", pid, {"phone": "+79161112233"})
    rep = doc.sync()
    assert (rep.outcome, rep.applied, rep.echoes) == ("converged", 1, 0), rep
    assert rep.changed.get("person") == 1, rep
    row = stored(doc.repo, "person", pid)
    assert (row["email"], row["phone"]) == ("hr-set@example.ru", "+79161112233")
    assert row["version"] == server["db"].rows(pid)[pid]["version"]
    assert doc.engine().local_state() == doc.server_state()


def test_two_queued_edits_of_one_row_chain_their_versions(server, org, tmp_path, replicas) -> None:
    """Two edits of one row queued offline on the same base: the first answer is noted aside
    (the row still carries the second edit), the second lands on the row; no echo is written."""
    doc, pid, _eid = _doctor(server, org, tmp_path, replicas)
    doc.sync()
    doc.repo.edit("person", pid, {"phone": "+79161112233"})
    doc.repo.edit("person", pid, {"email": "doc@example.ru"})
    before = stored(doc.repo, "person", pid)
    rep = doc.sync()
    assert (rep.outcome, rep.applied) == ("converged", 2), rep
    assert rep.changed.get("person", 0) == 0 and rep.echoes == 1, rep
    row = stored(doc.repo, "person", pid)
    assert row["version"] == server["db"].rows(pid)[pid]["version"] == before["version"] + 2
    assert row["updated_at"] == before["updated_at"]
    assert doc.engine().local_state() == doc.server_state()
