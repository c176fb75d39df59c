from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.demo import demo_record
from desktop.documents import archive
from desktop.documents.pdf import generate
from desktop.documents.signing import P12Error, load_p12, sign_pdf
from desktop.documents.verify import verify_pdf
from desktop.models.repository import RecordRepository
from desktop.vault.store import Vault
from tests.documents.conftest import P12_PASSWORD, Pki

PASS = "фраза хранилища 1"


@pytest.fixture
def vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Vault]:
    monkeypatch.setenv("FRMR_FAST_KDF", "1")
    v, _ = Vault.create(tmp_path / "profile", PASS)
    RecordRepository(v, user="t", host="h").load_synced(demo_record())
    yield v
    v.close()


def test_p12_kept_encrypted_password_never_stored(vault: Vault, pki: Pki) -> None:
    data = pki.rsa.p12(P12_PASSWORD)
    info = archive.import_p12(vault, data, P12_PASSWORD)
    assert info.owner == "Щербакова Юлия Эдуардовна" and archive.has_p12(vault)
    signer = archive.open_signer(vault, P12_PASSWORD, [pki.ca.cert])
    assert signer.check().trust == "trusted"
    with pytest.raises(P12Error, match="Неверный пароль"):
        archive.open_signer(vault, "нет")
    # What the vault holds is the container as imported: unusable without its password.
    for f in vault.folder.iterdir():
        if f.is_file():
            assert P12_PASSWORD.encode() not in f.read_bytes()
    with pytest.raises(P12Error):
        load_p12(data, None)


def test_import_refuses_expired(vault: Vault, pki: Pki) -> None:
    with pytest.raises(Exception, match="истёк"):
        archive.import_p12(vault, pki.expired.p12(P12_PASSWORD), P12_PASSWORD)
    assert not archive.has_p12(vault)


def test_session_keys_memory_only(pki: Pki) -> None:
    keys = archive.SessionKeys()
    assert keys.get() is None
    signer = load_p12(pki.rsa.p12(P12_PASSWORD), P12_PASSWORD)
    keys.keep(signer)
    assert keys.get() is signer
    keys.forget()
    assert keys.get() is None


def test_generated_and_signed_documents_land_in_archive(vault: Vault, pki: Pki) -> None:
    repo = RecordRepository(vault, user="t", host="h")
    doc = generate("seniority", repo.snapshot())
    signed = sign_pdf(load_p12(pki.rsa.p12(P12_PASSWORD), P12_PASSWORD), doc.pdf).data
    rid = archive.store_generated(repo, doc, signed)
    row = repo.get("document", rid)
    assert row is not None
    assert row["signed"] == 1 and row["sha256"] == hashlib.sha256(signed).hexdigest()
    assert "Щербакова Юлия Эдуардовна" in row["signature_info"] and doc.sha256 in row["signature_info"]
    blob = repo.get_blob(row["sha256"])
    assert blob == signed and verify_pdf(blob).valid
    unsigned = archive.store_generated(repo, generate("extract", repo.snapshot()))
    assert repo.get("document", unsigned)["signed"] == 0  # type: ignore[index]
    sig_id = archive.store_detached_signature(repo, "scan.png", b"\x89PNG\r\n\x1a\nabc", b"\x30\x00")
    assert repo.get("document", sig_id)["mime"] == "application/pkcs7-signature"  # type: ignore[index]
    queued = {o["entity_id"] for o in repo.outbox() if o["entity"] == "document"}
    assert {rid, unsigned, sig_id} <= queued  # each goes to the server when sync runs


def test_cli_generate_stores_in_vault(
    vault: Vault, pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = vault.folder
    vault.close()
    (tmp_path / "doc.p12").write_bytes(pki.rsa.p12(P12_PASSWORD))
    monkeypatch.setenv("FRMR_PASSPHRASE", PASS)
    monkeypatch.setenv("FRMR_P12_PASSWORD", P12_PASSWORD)
    out = tmp_path / "spravka.pdf"
    code = main(["--profile", str(folder), "doc", "generate", "seniority", "--out", str(out),
                 "--p12", str(tmp_path / "doc.p12")])
    assert code == 0, capsys.readouterr().err
    with Vault.open(folder, PASS) as v:
        docs = RecordRepository(v, user="t", host="h").list("document")
        assert len(docs) == 1 and docs[0]["signed"] == 1
        assert docs[0]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
