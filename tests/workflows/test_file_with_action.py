"""A document and the action that carries it are saved in ONE vault transaction (issue 14's
«every action saved locally ≤ 20 ms»: one commit, one fsync): the file is there exactly when
the action is queued, and an action refused offline leaves no file behind."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from typing import Any

import pytest
from sqlalchemy import event, select

from desktop.models.checkdigits import make_inn10, make_snils
from desktop.models.repository import RecordRepository
from desktop.models.validation import ValidationFailed
from desktop.sync import actions, doctor

PDF = b"%PDF-1.4\n% a scan of the labour contract\n%%EOF\n"
INN = make_inn10("770212345")


def _seed(repo: RecordRepository, status: str = "new") -> tuple[str, str]:
    pid = str(uuid.uuid4())
    card, req = str(uuid.uuid4()), str(uuid.uuid4())
    repo.load_synced({
        "person": [{"id": pid, "person_id": pid, "snils": make_snils("128456739"), "last_name": "Иванова",
                    "first_name": "Мария", "gender": "female", "birth_date": "1984-03-17"}],
        "employment": [{"id": card, "person_id": pid, "org_name": "ГКБ № 1", "org_inn": INN,
                        "position_code": "4", "position_type": "main", "contract_kind": "labor", "rate": "1",
                        "begin_date": "2015-01-13", "status": "draft"}],
        "request": [{"id": req, "person_id": pid, "org_name": "ГКБ № 1", "org_inn": INN,
                     "kind": "Запрос копии диплома", "received_at": dt.date.today().isoformat(),
                     "status": status, "text": "Просим"}],
    })
    return card, req


def _blobs(repo: RecordRepository) -> dict[str, bytes]:
    with repo.vault.read() as conn:
        return {r.sha256: r.data for r in conn.execute(select(actions.BLOB.c.sha256, actions.BLOB.c.data))}


def _ops(repo: RecordRepository) -> list[dict[str, Any]]:
    with repo.vault.read() as conn:
        rows = conn.execute(select(actions.OUTBOX.c.fields).where(actions.OUTBOX.c.op == actions.ACTION_OP)).all()
    return [json.loads(f) for (f,) in rows]


def _commits(repo: RecordRepository) -> list[int]:
    got: list[int] = []
    event.listen(repo.vault.engine, "commit", lambda _c: got.append(1))
    return got


def test_upload_keeps_the_file_and_its_action_in_one_commit(repo: RecordRepository) -> None:
    card, _ = _seed(repo)
    commits = _commits(repo)
    out = doctor.upload_confirmation(repo, card, "Договор.pdf", PDF)
    assert out.ok, out.errors
    assert len(commits) == 1
    sha = hashlib.sha256(PDF).hexdigest()
    assert _blobs(repo) == {sha: PDF}
    (op,) = _ops(repo)
    assert op["action"] == "request_confirmation" and op["args"]["blob_sha256"] == sha
    # the same document again: refused as a repeat, the one copy of the file stays
    again = doctor.upload_confirmation(repo, card, "Договор.pdf", PDF)
    assert not again.ok and "ждёт отправки" in again.errors[0]
    assert _blobs(repo) == {sha: PDF} and len(_ops(repo)) == 1


def test_an_action_refused_in_its_transaction_leaves_no_file(repo: RecordRepository) -> None:
    # The request was closed by the organization (a sync brought it): the refusal comes from the
    # local copy's check, inside the transaction that had already taken the file in.
    _, req = _seed(repo, status="closed")
    with pytest.raises(ValidationFailed) as exc:
        actions.queue_action(repo, "answer_request", req,
                             {"status": "answered", "text": "Диплом", "seen_status": "new"}, blob=PDF)
    assert exc.value.errors == {"status": "Запрос закрыт организацией"}
    assert _blobs(repo) == {} and _ops(repo) == []


def test_a_reply_with_its_document(repo: RecordRepository) -> None:
    _, req = _seed(repo)
    commits = _commits(repo)
    out = doctor.reply(repo, req, "", "diploma.pdf", PDF)
    assert out.ok, out.errors
    assert len(commits) == 1
    sha = hashlib.sha256(PDF).hexdigest()
    assert _blobs(repo) == {sha: PDF}
    (op,) = _ops(repo)
    assert op["args"]["blob_sha256"] == sha and op["args"]["status"] == "answered"
    assert repo.get("request", req)["status"] == "answered"  # type: ignore[index]


def test_a_file_given_to_an_action_that_takes_none_is_refused(repo: RecordRepository) -> None:
    with pytest.raises(ValidationFailed) as exc:
        actions.queue_action(repo, "submit_application", str(uuid.uuid4()), blob=PDF)
    assert "файл не прикладывается" in exc.value.errors["action"]
    assert _blobs(repo) == {} and _ops(repo) == []
