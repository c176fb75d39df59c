"""The documents archive in the encrypted vault: a thin adapter over RecordRepository.

The core (pdf, signing, verify) never touches the vault; this module is the only place that
knows where generated and signed files and the imported .p12 live.

The .p12 is stored as imported: still encrypted with its own password, inside the SQLCipher
database. The password is never stored; «keep unlocked for the session» is
:class:`SessionKeys`, which holds the opened key in process memory only.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from desktop.i18n import tr
from desktop.vault import secrets

if TYPE_CHECKING:
    # pyHanko, reportlab and their dependencies (aiohttp among them) are ~400 modules. The
    # documents section asks this module for the certificate reminder right after the record
    # opens; importing them then, on a worker thread, starved the GUI thread of the GIL for
    # 100–300 ms. They are imported where a document is actually generated, signed or checked.
    from cryptography import x509

    from desktop.documents.pdf import GeneratedDocument
    from desktop.documents.signing import CertInfo, P12Signer
    from desktop.models.repository import RecordRepository
    from desktop.vault.store import Vault

P12_SECRET = "documents.signing_p12"
#: Public details of the imported certificate, kept beside the .p12 so the expiry reminder
#: works at every unlock without asking for the container's password.
CERT_INFO_SECRET = "documents.signing_cert_info"


def cert_info_json(info: CertInfo) -> bytes:
    return json.dumps({"owner": info.owner, "serial": info.serial, "not_before": info.not_before.isoformat(),
                       "not_after": info.not_after.isoformat()}, ensure_ascii=False).encode("utf-8")


def import_p12(vault: Vault, data: bytes, password: str) -> CertInfo:
    """Check that the container opens with ``password`` (and may sign), then keep its bytes and
    its public details. Nothing is written when the password or the certificate is wrong."""
    from desktop.documents.signing import load_p12

    signer = load_p12(data, password)
    signer.check()
    secrets.put_secret(vault, P12_SECRET, data)
    secrets.put_secret(vault, CERT_INFO_SECRET, cert_info_json(signer.info))
    return signer.info


def has_p12(vault: Vault) -> bool:
    return secrets.get_secret(vault, P12_SECRET) is not None


def open_signer(vault: Vault, password: str, trust_roots: Sequence[x509.Certificate] = ()) -> P12Signer:
    from desktop.documents.signing import SignatureError, load_p12

    data = secrets.get_secret(vault, P12_SECRET)
    if data is None:
        raise SignatureError(tr("Сертификат для подписи не импортирован: импортируйте файл .p12/.pfx."))
    return load_p12(data, password, trust_roots)


class SessionKeys:
    """An unlocked signer kept for the session when the user asks; memory only, never disk."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._signer: P12Signer | None = None

    def get(self) -> P12Signer | None:
        with self._lock:
            return self._signer

    def keep(self, signer: P12Signer) -> None:
        with self._lock:
            self._signer = signer

    def forget(self) -> None:
        with self._lock:
            self._signer = None


def _info_text(doc: GeneratedDocument) -> str:
    return f"№ {doc.number}; id {doc.doc_id}; SHA-256 содержания {doc.sha256}"


def store_generated(repo: RecordRepository, doc: GeneratedDocument, signed_pdf: bytes | None = None) -> str:
    """Keep a generated справка/выписка (signed or not) in «Документы»; returns the row id."""
    data = signed_pdf if signed_pdf is not None else doc.pdf
    info = _info_text(doc)
    if signed_pdf is not None:
        from desktop.documents.verify import signing_summary, verify

        info = f"{signing_summary(verify(signed_pdf))}; {info}"
    return repo.add_document(
        doc.kind, f"{doc.title} № {doc.number}", data, "application/pdf",
        signed=signed_pdf is not None, signature_info=info[:500],
    )


def store_signed(repo: RecordRepository, kind: str, title: str, data: bytes, mime: str) -> str:
    """A signed PDF (or any file already checked by the caller) with a summary of its signatures."""
    from desktop.documents.verify import signing_summary, verify

    summary = signing_summary(verify(data)) if mime == "application/pdf" else None
    return repo.add_document(kind, title, data, mime, signed=bool(summary), signature_info=summary)


def store_detached_signature(repo: RecordRepository, title: str, data: bytes, sig: bytes) -> str:
    """A detached .sig next to the file it signs (the file itself is stored by the caller)."""
    from desktop.documents.verify import signing_summary, verify

    summary = signing_summary(verify(data, sig))
    return repo.add_document(
        "signature", f"{title}.sig", sig, "application/pkcs7-signature",
        signed=True, signature_info=summary[:500], check_type=False,
    )
