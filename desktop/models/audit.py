"""The local audit journal: a chain of HMACs, so any edit, removal or reordering shows.

Each entry's MAC covers its own sequence number, contents and the previous entry's MAC; the
head (last seq and MAC) is kept in ``meta`` and written in the same transaction, so cutting
entries off the end is caught too. The MAC key is derived from the vault's data key, so the
chain cannot be recomputed without unlocking the vault.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass, field

import sqlcipher3
from sqlalchemy import Connection, select
from sqlalchemy.exc import DBAPIError

from desktop.models.tables import Audit, Meta
from desktop.vault.errors import DamagedVault

GENESIS = "0" * 64
HEAD_KEY = "audit_head"
MAC_PURPOSE = b"frmr-audit-chain-v1"


def _mac(key: bytes, prev: str, seq: int, ts: str, user: str, host: str, action: str,
         entity: str, entity_id: str, fields: str) -> str:
    body = json.dumps([seq, ts, user, host, action, entity, entity_id, fields], ensure_ascii=False)
    return hmac.new(key, (prev + body).encode("utf-8"), hashlib.sha256).hexdigest()


class BadHead(DamagedVault):
    """The stored head is not ``seq:mac``: it was written by hand. New entries cannot be
    chained to it, so changes are refused until the journal is looked at."""

    def __init__(self) -> None:
        super().__init__("Журнал изменений повреждён (изменён его сохранённый конец), изменения не сохраняются",
                         "Проверьте журнал командой «frmr audit verify» и восстановите хранилище из резервной копии.")


def _head(conn: Connection) -> tuple[int, str]:
    t = Meta.__table__  # type: ignore[attr-defined]
    row = conn.execute(select(t.c.value).where(t.c.key == HEAD_KEY)).scalar_one_or_none()
    if not row:
        return 0, GENESIS
    seq, sep, mac = str(row).partition(":")
    if not sep or not seq.isascii() or not seq.isdigit():
        raise BadHead
    return int(seq), mac


def append(conn: Connection, key: bytes, *, user: str, host: str, action: str, entity: str,
           entity_id: str, fields: list[str]) -> None:
    """Add one entry; must run inside the transaction of the change it records."""
    seq, prev = _head(conn)
    seq += 1
    ts = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
    names = json.dumps(sorted(fields), ensure_ascii=False)
    mac = _mac(key, prev, seq, ts, user, host, action, entity, entity_id, names)
    conn.execute(
        Audit.__table__.insert().values(  # type: ignore[attr-defined]
            seq=seq, ts=ts, user=user, host=host, action=action, entity=entity,
            entity_id=entity_id, fields=names, prev_hash=prev, hash=mac,
        )
    )
    head = f"{seq}:{mac}"
    updated = conn.execute(
        Meta.__table__.update().where(Meta.__table__.c.key == HEAD_KEY).values(value=head)  # type: ignore[attr-defined]
    )
    if updated.rowcount == 0:
        conn.execute(Meta.__table__.insert().values(key=HEAD_KEY, value=head))  # type: ignore[attr-defined]


def append_many(conn: Connection, key: bytes, *, user: str, host: str,
                entries: list[tuple[str, str, str, list[str]]]) -> None:
    """``append`` for many entries ((action, entity, entity_id, fields) each), chained in order,
    written with two statements: a bulk import journals thousands of rows in one transaction."""
    if not entries:
        return
    seq, prev = _head(conn)
    ts = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
    rows = []
    for action, entity, entity_id, fields in entries:
        seq += 1
        names = json.dumps(sorted(fields), ensure_ascii=False)
        mac = _mac(key, prev, seq, ts, user, host, action, entity, entity_id, names)
        rows.append({"seq": seq, "ts": ts, "user": user, "host": host, "action": action, "entity": entity,
                     "entity_id": entity_id, "fields": names, "prev_hash": prev, "hash": mac})
        prev = mac
    conn.execute(Audit.__table__.insert(), rows)  # type: ignore[attr-defined]
    head = f"{seq}:{prev}"
    updated = conn.execute(
        Meta.__table__.update().where(Meta.__table__.c.key == HEAD_KEY).values(value=head)  # type: ignore[attr-defined]
    )
    if updated.rowcount == 0:
        conn.execute(Meta.__table__.insert().values(key=HEAD_KEY, value=head))  # type: ignore[attr-defined]


@dataclass
class VerifyReport:
    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


_TEXT_COLUMNS = ("ts", "user", "host", "action", "entity", "entity_id", "fields", "prev_hash", "hash")


def verify(conn: Connection, key: bytes) -> VerifyReport:
    """Check the whole chain. Whatever was written into the table by hand (a blob where text
    belongs, a broken head, the table itself dropped) is a finding, not a crash."""
    rep = VerifyReport()
    t = Audit.__table__  # type: ignore[attr-defined]
    prev = GENESIS
    expected = 1
    try:
        rows = list(conn.execute(select(t).order_by(t.c.seq)).mappings())
    except (DBAPIError, sqlcipher3.DatabaseError):  # the vault's driver errors pass unwrapped
        rep.problems.append("Журнал изменений отсутствует или не читается")
        return rep
    for r in rows:
        rep.entries += 1
        if r["seq"] != expected:
            rep.problems.append(f"Запись журнала №{expected} отсутствует или переставлена (найдена №{r['seq']})")
            expected = r["seq"]
        if r["prev_hash"] != prev:
            rep.problems.append(f"Запись журнала №{r['seq']}: нарушена цепочка (удаление или перестановка)")
        if not all(isinstance(r[c], str) for c in _TEXT_COLUMNS):
            rep.problems.append(f"Запись журнала №{r['seq']} изменена")
            prev = r["hash"] if isinstance(r["hash"], str) else ""
            expected += 1
            continue
        mac = _mac(key, r["prev_hash"], r["seq"], r["ts"], r["user"], r["host"], r["action"],
                   r["entity"], r["entity_id"], r["fields"])
        if not hmac.compare_digest(mac, r["hash"]):
            rep.problems.append(f"Запись журнала №{r['seq']} изменена")
        prev = r["hash"]
        expected += 1
    try:
        head_seq, head_mac = _head(conn)
    except BadHead:
        rep.problems.append("Сохранённый конец журнала изменён")
        return rep
    if (head_seq, head_mac) != (rep.entries and expected - 1, prev if rep.entries else GENESIS):
        rep.problems.append("Конец журнала не совпадает с сохранённым: записи удалены")
    return rep
