"""Notices are about the vault's own person (issue 14), and deriving them reads only that
person's rows: a replica that also holds other people (the 20,000-person benchmark vault) once
cost the DB worker a second and a 6 MB snapshot at every start and sync (issue 16: no worse GUI
stalls than before)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from desktop.models.checkdigits import make_inn10, make_snils
from desktop.models.repository import PERSON_KEY, RecordRepository, get_meta, set_meta, table
from desktop.models.workflows import notices

INN = make_inn10("770212345")


def _person(n: int) -> dict[str, Any]:
    pid = str(uuid.uuid4())
    return {"id": pid, "person_id": pid, "snils": make_snils(f"{128456739 + n * 1000:09d}"),
            "last_name": f"Иванова{n}", "first_name": "Мария", "gender": "female", "birth_date": "1984-03-17"}


def _card(pid: str, org: str) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "person_id": pid, "org_name": org, "org_inn": INN, "position_code": "4",
            "position_type": "main", "contract_kind": "labor", "rate": "1", "begin_date": "2015-01-13",
            "status": "submitted"}


def _request(pid: str) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "person_id": pid, "org_name": "ГКБ № 1", "org_inn": INN,
            "kind": "Запрос копии диплома", "received_at": dt.date.today().isoformat(), "status": "new",
            "text": "Просим"}


def _synced_status(repo: RecordRepository, entity: str, row_id: str, status: str) -> None:
    """What a pull does: the row's status written straight into the replica."""
    t = table(entity)
    with repo.vault.begin() as conn:
        conn.execute(t.update().where(t.c.id == row_id).values(status=status))


def test_notices_and_their_snapshot_keep_to_the_own_person(repo: RecordRepository) -> None:
    me, other = _person(1), _person(2)
    mine, theirs = _card(me["id"], "ГКБ № 1"), [_card(other["id"], f"Больница № {k}") for k in range(30)]
    my_request, their_request = _request(me["id"]), _request(other["id"])
    repo.load_synced({"person": [me, other], "employment": [mine, *theirs], "request": [my_request, their_request]})
    with repo.vault.begin() as conn:
        set_meta(conn, PERSON_KEY, me["id"])

    first = notices.refresh(repo)
    # the first look: the own request waiting for an answer is news, the other person's is not
    assert [n["entity_id"] for n in first] == [my_request["id"]]

    _synced_status(repo, "employment", mine["id"], "confirmed")
    for card in theirs[:5]:
        _synced_status(repo, "employment", card["id"], "confirmed")
    fresh = notices.refresh(repo)
    assert [(n["entity"], n["entity_id"]) for n in fresh] == [("employment", mine["id"])]
    assert fresh[0]["text"] == "Карточка трудоустройства «ГКБ № 1»: «отправлена» → «подтверждена»"

    with repo.vault.read() as conn:
        seen = json.loads(get_meta(conn, notices.SEEN_KEY) or "{}")
    assert set(seen) == {f"employment:{mine['id']}", f"request:{my_request['id']}"}
    assert notices.refresh(repo) == []  # nothing new: nothing said twice


def test_a_vault_without_its_own_person_still_watches_every_row(repo: RecordRepository) -> None:
    one = _person(3)
    card = _card(one["id"], "ГКБ № 1")
    repo.load_synced({"person": [one], "employment": [card]})
    with repo.vault.begin() as conn:
        conn.exec_driver_sql("DELETE FROM meta WHERE key = ?", (PERSON_KEY,))
    assert notices.refresh(repo) == []
    _synced_status(repo, "employment", card["id"], "rejected")
    assert [n["entity_id"] for n in notices.refresh(repo)] == [card["id"]]


def test_a_snapshot_of_other_peoples_rows_is_forgotten(repo: RecordRepository) -> None:
    me, other = _person(4), _person(5)
    theirs = _card(other["id"], "Больница № 7")
    repo.load_synced({"person": [me, other], "employment": [_card(me["id"], "ГКБ № 1"), theirs]})
    with repo.vault.begin() as conn:
        # a snapshot an older version took of every row of the replica
        set_meta(conn, notices.SEEN_KEY, json.dumps({f"employment:{theirs['id']}": "submitted", "rejected:x": 1}))
        set_meta(conn, PERSON_KEY, me["id"])
    notices.refresh(repo)
    with repo.vault.read() as conn:
        seen = json.loads(get_meta(conn, notices.SEEN_KEY) or "{}")
    assert f"employment:{theirs['id']}" not in seen and "rejected:x" in seen
