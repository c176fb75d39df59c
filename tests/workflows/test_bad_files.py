"""Bad files for every step that takes one (issue 14, bad input): a reply to a request and a
confirmation document that is empty, over 5 MB, or not what its name says are refused with a
Russian reason naming the problem — and nothing is kept: no outbox entry, no file in the vault."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desktop.models.checkdigits import make_inn10, make_snils
from desktop.models.repository import RecordRepository
from desktop.models.tables import Blob, Outbox
from desktop.sync import doctor
from desktop.vault.store import Vault

PDF = b"%PDF-1.4\n% a scan\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
INN = make_inn10("770212345")
BAD = [
    ("empty.pdf", b"", "пуст"),
    ("big.pdf", PDF + b"0" * (5 * 1024 * 1024), "больше 5 МБ"),
    ("scan.png", PDF, "по содержимому PDF, а не PNG"),
    ("contract.pdf", PNG, "по содержимому PNG, а не PDF"),
    ("virus.pdf", b"MZ\x90\x00 an executable", "не PDF, JPG или PNG"),
]


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[RecordRepository, str, str]]:
    monkeypatch.setenv("FRMR_FAST_KDF", "1")
    vault, _ = Vault.create(tmp_path / "p", "a passphrase for the test 2026")
    repo = RecordRepository(vault)
    pid, card, req = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    repo.load_synced({
        "person": [{"id": pid, "person_id": pid, "snils": make_snils("128456739"), "last_name": "Иванова",
                    "first_name": "Мария", "gender": "female", "birth_date": "1984-03-17"}],
        "employment": [{"id": card, "person_id": pid, "org_name": "ГКБ № 1", "org_inn": INN, "position_code": "4",
                        "position_type": "main", "contract_kind": "labor", "rate": "1",
                        "begin_date": "2020-01-13", "status": "draft"}],
        "request": [{"id": req, "person_id": pid, "org_name": "ГКБ № 1", "org_inn": INN, "kind": "Копия диплома",
                     "received_at": dt.date.today().isoformat(), "status": "new"}],
    })
    yield repo, card, req
    vault.close()


def _kept(repo: RecordRepository) -> tuple[int, int]:
    with repo.vault.read() as conn:
        blobs = conn.execute(select(func.count()).select_from(Blob.__table__)).scalar_one()  # type: ignore[attr-defined]
        ops = conn.execute(select(func.count()).select_from(Outbox.__table__)).scalar_one()  # type: ignore[attr-defined]
    return int(blobs), int(ops)


@pytest.mark.parametrize(("name", "data", "said"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_reply_document_is_refused_and_nothing_kept(
        seeded: tuple[RecordRepository, str, str], name: str, data: bytes, said: str) -> None:
    repo, _card, req = seeded
    out = doctor.reply(repo, req, "Во вложении", name, data)
    assert not out.ok and any(said in e for e in out.errors), out.errors
    assert _kept(repo) == (0, 0)
    assert (repo.get("request", req) or {}).get("status") == "new"


@pytest.mark.parametrize(("name", "data", "said"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_confirmation_document_is_refused_and_nothing_kept(
        seeded: tuple[RecordRepository, str, str], name: str, data: bytes, said: str) -> None:
    repo, card, _req = seeded
    out = doctor.upload_confirmation(repo, card, name, data, {"doc_org_name": "ГКБ № 1"})
    assert not out.ok and any(said in e for e in out.errors), out.errors
    assert _kept(repo) == (0, 0)


def test_the_good_file_goes_once(seeded: tuple[RecordRepository, str, str]) -> None:
    """The same step with a good file: one file, one action — and a second reply is refused."""
    repo, _card, req = seeded
    assert doctor.reply(repo, req, "Во вложении", "diploma.pdf", PDF).ok
    assert _kept(repo) == (1, 1)
    again = doctor.reply(repo, req, "Ещё раз", "diploma.pdf", PDF)
    assert not again.ok and "уже отправлен" in again.errors[0]
    assert _kept(repo) == (1, 1)
