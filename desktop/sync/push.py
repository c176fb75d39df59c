"""Push: the outbox goes out in order, attachments first; every answer is stored in the
transaction that takes its op out of ``pending`` — exactly once with the server's
``(client_id, op_id)`` journal, and nothing lost on a transient failure."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, select

from desktop.models import staff_request_files
from desktop.models.repository import get_meta, table
from desktop.models.schema import ENTITIES
from desktop.sync import actions, decisions
from desktop.sync.api import ServerProblem
from desktop.sync.core import OUTBOX, EngineCore
from desktop.sync.tables import CONFLICT, SYNC_ROW


class PushMixin(EngineCore):
    # -- push ----------------------------------------------------------------------------------
    def _push(self) -> None:
        with self.vault.read() as conn:
            client_id = get_meta(conn, "client_id")
        if not client_id:
            client_id = self.repo.client_id()
        total = self._pending_count()
        done = 0
        for _round in range(10_000):  # bounded: a person typing can't keep us here forever
            with self.vault.read() as conn:
                ops = [dict(r) for r in conn.execute(
                    select(OUTBOX).where(OUTBOX.c.state == "pending").order_by(OUTBOX.c.seq).limit(self.batch_size)
                ).mappings()]
            if not ops:
                return
            ops = self._upload_blobs(ops)
            if ops:
                self._send(client_id, ops)
                done += len(ops)
                self.progress("push", done, max(total, done))

    def _wire(self, op: Mapping[str, Any]) -> dict[str, Any]:
        if op["op"] == actions.ACTION_OP:
            return actions.wire_op(op)
        fields = json.loads(op["fields"] or "{}")
        blobs = []
        if op["entity"] == "document" and op["op"] != "delete":
            sha = fields.get("blob_sha256")
            if sha:
                blobs.append(sha)
        elif op["entity"] == "request" and op["op"] != "delete" and fields.get("attachments"):
            blobs.extend(staff_request_files.split(fields["attachments"]))  # the organization's files
        return {
            "op_id": op["op_id"], "counter": int(op["seq"]), "entity": op["entity"], "entity_id": op["entity_id"],
            "person_id": op["person_id"], "op": op["op"], "fields": fields if op["op"] != "delete" else {},
            "base": json.loads(op["base"] or "{}"), "base_version": int(op["base_version"]), "blobs": blobs,
        }

    def _upload_blobs(self, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Attachments first: an op is sent only after the file it refers to is on the server."""
        api = self._api_()
        ready: list[dict[str, Any]] = []
        for op in ops:
            for sha in self._wire(op)["blobs"]:
                data = self.repo.get_blob(sha)
                if data is None:
                    self._reject_locally(op, {"blob_sha256": "Файл документа отсутствует в хранилище"})
                    break
                self._call(api.put_blob, sha, data)
                self._report.blobs_uploaded += 1
            else:
                ready.append(op)
        return ready

    def _reject_locally(self, op: Mapping[str, Any], errors: dict[str, str]) -> None:
        result = json.dumps({"status": "rejected", "errors": errors, "local": True}, ensure_ascii=False)
        self._write(lambda conn: conn.execute(OUTBOX.update().where(OUTBOX.c.seq == op["seq"]).values(
            state="rejected", result=result, attempts=OUTBOX.c.attempts + 1)))
        self._report.rejected_new += 1

    def _send(self, client_id: str, ops: list[dict[str, Any]]) -> None:
        api = self._api_()
        seqs = [op["seq"] for op in ops]

        def count_attempt() -> None:
            self._write(lambda conn: conn.execute(
                OUTBOX.update().where(OUTBOX.c.seq.in_(seqs)).values(attempts=OUTBOX.c.attempts + 1)))

        try:
            results = self._call(api.push, client_id, [self._wire(op) for op in ops], on_retry=count_attempt)
        except ServerProblem as exc:
            if exc.status not in (400, 413, 422):
                raise
            # The whole batch was refused as malformed or too big. Halve it until the one op
            # at fault stands alone — it becomes a rejection; the rest of the queue goes on.
            if len(ops) == 1:
                errors = exc.errors or {"_request": str(exc)}
                self._reject_locally(ops[0], {k: str(v) for k, v in errors.items()})
                return
            mid = len(ops) // 2
            self._send(client_id, ops[:mid])
            self._send(client_id, ops[mid:])
            return
        by_id = {op["op_id"]: op for op in ops}
        rep = self._report

        def store(conn: Connection) -> None:
            for res in results:
                op = by_id.get(str(res.get("op_id")))
                if op is None:
                    continue
                status = res.get("status")
                if status not in ("applied", "conflict", "rejected"):
                    continue  # unknown answer: keep it pending, resend later (exactly once anyway)
                cur = conn.execute(select(OUTBOX.c.state).where(OUTBOX.c.seq == op["seq"])).scalar_one_or_none()
                if cur != "pending":
                    continue
                conn.execute(OUTBOX.update().where(OUTBOX.c.seq == op["seq"]).values(
                    state=status, result=json.dumps(res, ensure_ascii=False), attempts=OUTBOX.c.attempts + 1))
                rep.pushed += 1
                if status == "applied":
                    rep.applied += 1
                elif status == "conflict":
                    if decisions.record_conflict(conn, op, res) is not None:
                        rep.conflicts_new += 1
                else:
                    rep.rejected_new += 1
                if op["op"] in ("create", "update") and status in ("applied", "conflict"):
                    _acknowledge(conn, op, res)
                if op["op"] == "delete" and status != "applied":
                    # Deleted here, alive on the server: note its version, so the convergence
                    # check counts it instead of re-pulling the whole entity.
                    version = res.get("version") if isinstance(res.get("version"), int) else op["base_version"]
                    conn.execute(SYNC_ROW.insert().prefix_with("OR IGNORE").values(
                        id=op["entity_id"], entity=op["entity"], person_id=op["person_id"], version=version,
                        deleted=0))

        self._write(store)


def _acknowledge(conn: Connection, op: Mapping[str, Any], res: Mapping[str, Any]) -> None:
    """An applied edit (or the applied fields of a conflict): store the server's new version of
    the row, in the transaction that takes the op out of ``pending`` — so the pull takes the
    echo of our own change for what it is and leaves the row alone (pull.py).

    Only when nothing else happened to the row on the server in between: versions count the
    changes of a row one by one, so ``version == known + 1`` (``known`` being the server's
    version this vault knows — the ``sync_row`` note, else the row's own) means the server's
    state now is the one we knew plus this op, which is what the vault holds. Otherwise someone
    else's change lies between: the version is left alone and the pull brings that state as
    before. A row that still carries local work (further pending or rejected ops, an open
    conflict) keeps its version as the base of those edits; the server's goes to ``sync_row``,
    as the pull notes it."""
    ent, rid = op["entity"], op["entity_id"]
    version = res.get("version")
    if ent not in ENTITIES or isinstance(version, bool) or not isinstance(version, int):
        return
    if res.get("status") == "conflict" and (not res.get("applied_fields")
                                            or set(res.get("conflicts") or {}) & set(decisions.PSEUDO)):
        return  # nothing of ours applied, or a row-level conflict: its version is not our change
    t = table(ent)
    here = conn.execute(select(t.c.version, SYNC_ROW.c.version, SYNC_ROW.c.deleted).select_from(
        t.outerjoin(SYNC_ROW, SYNC_ROW.c.id == t.c.id)).where(t.c.id == rid)).first()
    if here is None:
        return
    local, noted, deleted = here
    if deleted:
        return
    known = int(noted) if noted is not None else int(local)
    if version != known + 1:
        return
    busy = conn.execute(select(
        select(OUTBOX.c.seq).where(OUTBOX.c.entity_id == rid, OUTBOX.c.state.in_(("pending", "rejected"))).exists()
        | select(CONFLICT.c.id).where(CONFLICT.c.entity_id == rid, CONFLICT.c.state == "open").exists()
    )).scalar()
    if busy:
        conn.execute(SYNC_ROW.insert().prefix_with("OR REPLACE").values(
            id=rid, entity=ent, person_id=op["person_id"], version=version, deleted=0))
        return
    conn.execute(t.update().where(t.c.id == rid).values(version=version))
    if noted is not None:
        conn.execute(SYNC_ROW.delete().where(SYNC_ROW.c.id == rid))
